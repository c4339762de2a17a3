// Remote support, one-shot half: `parcctl actions`, `parcctl action HOST NAME
// [--param k=v]…`, `parcctl scripts list|show|add|rm`, `parcctl script run HOST SCRIPT`,
// `parcctl executions HOST`. A run that was refused or failed exits 1 after printing why.
#include <iostream>

#include "cli/commands/commands.h"
#include "cli/table.h"
#include "common/error.h"
#include "common/files/files.h"

namespace parc::cli {

namespace {

struct ActionOptions {
  long long host = 0;
  std::string name;
  std::vector<std::string> params;
  int timeout = 0;
};
struct ScriptOptions {
  long long host = 0;
  std::string script;  // id or name
  std::string name, file, description;
  long long tenant = 0;
  int timeout = 60;
};

// A run's answer: status, exit code, output; exit 1 unless it succeeded.
void printRun(const Globals& g, const Json& r) {
  bool succeeded = r.value("status", "") == "ok";
  if (!printJsonIf(g, r)) {
    std::cout << "status: " << text(r, "status");
    if (r.contains("exit_code") && !r["exit_code"].is_null())
      std::cout << " (exit " << r["exit_code"].get<int>() << ")";
    std::cout << "   execution " << text(r, "execution_id") << "\n";
    if (!r.value("error", "").empty()) std::cout << "error: " << text(r, "error") << "\n";
    const Json& result = r["result"];
    if (result.is_object()) {
      // A PC's output: lines kept, terminal escapes not (--json gives the exact bytes).
      if (result.contains("output"))
        std::cout << printableText(result["output"].get<std::string>());
      if (result.contains("stdout"))
        std::cout << printableText(result["stdout"].get<std::string>());
      if (result.contains("stderr") && !result["stderr"].get<std::string>().empty())
        std::cerr << printableText(result["stderr"].get<std::string>());
      if (result.contains("bundle")) std::cout << terminalJson(result["bundle"]) << "\n";
    }
  }
  if (!succeeded) throw CLI::RuntimeError(1);
}

// A script named by id, or by its exact name in the library.
long long resolveScript(const Globals& g, const std::string& script) {
  if (!script.empty() && script.find_first_not_of("0123456789") == std::string::npos)
    return std::stoll(script);
  Json list = g.client().call("GET", "/api/v1/scripts");  // kept alive for the loop
  for (const auto& s : list["items"]) {
    if (s["name"] == script) return s["id"].get<long long>();
  }
  throw Error(ErrorKind::kNotFound, "no script named '" + script + "'");
}

}  // namespace

void addRemoteCommands(CLI::App& app, std::shared_ptr<Globals> g) {
  app.add_subcommand("actions", "list the allow-listed remote actions and their parameters")
      ->callback([g] {
        Json list = g->client().call("GET", "/api/v1/actions");
        if (printJsonIf(*g, list)) return;
        std::vector<std::vector<std::string>> rows;
        for (const auto& a : list["items"]) {
          std::string params;
          for (const auto& p : a["params"]) {
            params += (params.empty() ? "" : ", ") + p["name"].get<std::string>() + ":" +
                      p["type"].get<std::string>() + (p["required"].get<bool>() ? "" : "?");
          }
          rows.push_back({text(a, "name"), params, text(a, "label")});
        }
        printTable(std::cout, {"ACTION", "PARAMETERS", "DESCRIPTION"}, rows);
      });

  auto a = std::make_shared<ActionOptions>();
  auto* action = app.add_subcommand("action", "run an allow-listed action on a host");
  action->add_option("host", a->host, "host id")->required();
  action->add_option("name", a->name, "action (see `parcctl actions`)")->required();
  action->add_option("--param", a->params, "parameter as key=value (repeatable)");
  action->add_option("--timeout", a->timeout, "seconds to wait for the result");
  action->callback([g, a] {
    Json params = Json::object();
    for (const auto& kv : a->params) {
      auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0)
        throw Error(ErrorKind::kBadRequest, "--param wants key=value, got '" + kv + "'");
      params[kv.substr(0, eq)] = kv.substr(eq + 1);  // the server types and checks them
    }
    Json body{{"params", params}};
    if (a->timeout > 0) body["timeout_seconds"] = a->timeout;
    printRun(*g,
             g->client().call(
                 "POST", "/api/v1/hosts/" + std::to_string(a->host) + "/actions/" + a->name, body));
  });

  auto s = std::make_shared<ScriptOptions>();
  auto* scripts = app.add_subcommand("scripts", "the script library");
  scripts->require_subcommand(1);
  scripts->add_subcommand("list", "list the scripts")->callback([g] {
    Json list = g->client().call("GET", "/api/v1/scripts");
    if (printJsonIf(*g, list)) return;
    std::vector<std::vector<std::string>> rows;
    for (const auto& sc : list["items"]) {
      rows.push_back({text(sc, "id"), text(sc, "name"), text(sc, "tenant_id"),
                      sc["sha256"].get<std::string>().substr(0, 12), text(sc, "created_by"),
                      text(sc, "description")});
    }
    printTable(std::cout, {"ID", "NAME", "TENANT", "SHA-256", "BY", "DESCRIPTION"}, rows);
  });
  auto* show = scripts->add_subcommand("show", "print a script");
  show->add_option("script", s->script, "script id or name")->required();
  show->callback([g, s] {
    Json sc =
        g->client().call("GET", "/api/v1/scripts/" + std::to_string(resolveScript(*g, s->script)));
    if (!printJsonIf(*g, sc)) std::cout << printableText(sc["body"].get<std::string>());
  });
  auto* add = scripts->add_subcommand("add", "add a script (administrators)");
  add->add_option("name", s->name, "script name")->required();
  add->add_option("file", s->file, "shell script file ('-' for standard input)")->required();
  add->add_option("--description", s->description, "what it does");
  add->add_option("--tenant", s->tenant, "only for this tenant (default: every tenant)");
  add->callback([g, s] {
    std::string body;
    if (s->file == "-") {
      body.assign(std::istreambuf_iterator<char>(std::cin), {});
    } else {
      body = files::read(s->file);
    }
    Json req{{"name", s->name}, {"body", body}, {"language", "sh"}};
    if (!s->description.empty()) req["description"] = s->description;
    if (s->tenant > 0) req["tenant_id"] = s->tenant;
    Json created = g->client().call("POST", "/api/v1/scripts", req);
    if (!printJsonIf(*g, created))
      std::cout << "Script " << text(created, "id") << " added (sha256 " << text(created, "sha256")
                << ")\n";
  });
  auto* rm = scripts->add_subcommand("rm", "remove a script (administrators)");
  rm->add_option("script", s->script, "script id or name")->required();
  rm->callback([g, s] {
    long long id = resolveScript(*g, s->script);
    Json r = g->client().call("DELETE", "/api/v1/scripts/" + std::to_string(id));
    if (!printJsonIf(*g, r)) std::cout << "Script " << id << " removed\n";
  });

  auto* script = app.add_subcommand("script", "run a library script on a host (signed)");
  script->require_subcommand(1);
  auto* run = script->add_subcommand("run", "run a script on a host and print its output");
  run->add_option("host", s->host, "host id")->required();
  run->add_option("script", s->script, "script id or name")->required();
  run->add_option("--timeout", s->timeout, "seconds the script may run (default 60)");
  run->callback([g, s] {
    long long id = resolveScript(*g, s->script);
    printRun(*g, g->client().call("POST",
                                  "/api/v1/hosts/" + std::to_string(s->host) + "/scripts/" +
                                      std::to_string(id) + "/run",
                                  Json{{"timeout_seconds", s->timeout}}));
  });

  auto host = std::make_shared<long long>(0);
  auto* executions = app.add_subcommand("executions", "actions and scripts run on a host");
  executions->add_option("host", *host, "host id")->required();
  executions->callback([g, host] {
    Json list = g->client().call("GET", "/api/v1/hosts/" + std::to_string(*host) + "/executions");
    if (printJsonIf(*g, list)) return;
    std::vector<std::vector<std::string>> rows;
    for (const auto& e : list["items"]) {
      rows.push_back({text(e, "id"), formatTime(e["started_at"].get<long long>()), text(e, "kind"),
                      text(e, "name"), text(e, "status"), text(e, "exit_code"),
                      text(e, "requested_by")});
    }
    printTable(std::cout, {"ID", "STARTED (UTC)", "KIND", "NAME", "STATUS", "EXIT", "BY"}, rows);
  });
}

}  // namespace parc::cli
