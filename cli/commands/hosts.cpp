#include <iostream>

#include "cli/commands/commands.h"
#include "cli/table.h"

namespace parc::cli {

void addHostActionCommands(CLI::App& hosts, std::shared_ptr<Globals> g);
void addHostHistoryCommand(CLI::App& hosts, std::shared_ptr<Globals> g);
void addHostCertCommands(CLI::App& hosts, std::shared_ptr<Globals> g);   // host_certs.cpp
void addHostCloneCommands(CLI::App& hosts, std::shared_ptr<Globals> g);  // host_clones.cpp
void addHostGroupCommands(CLI::App& hosts, std::shared_ptr<Globals> g);  // host_groups.cpp

void addHostCommands(CLI::App& app, std::shared_ptr<Globals> g) {
  auto* hosts = app.add_subcommand("hosts", "enrolled PCs");
  hosts->require_subcommand(1);

  hosts->add_subcommand("list", "list hosts")->callback([g] {
    Json list = g->client().call("GET", "/api/v1/hosts");
    if (printJsonIf(*g, list)) return;
    std::vector<std::vector<std::string>> rows;
    for (const auto& h : list["items"]) {
      long long seen = h["last_seen"].is_number() ? h["last_seen"].get<long long>() : 0;
      std::string state = h.value("online", false) ? "online" : "offline";
      if (h.value("clone_suspected", false)) state += ", CLONE?";
      rows.push_back({text(h, "id"), text(h, "tenant_id"), text(h, "hostname"), state,
                      text(h, "os"), text(h, "hardware"), formatTime(seen)});
    }
    printTable(std::cout,
               {"ID", "TENANT", "HOSTNAME", "STATE", "OS", "HARDWARE", "LAST SEEN (UTC)"}, rows);
  });

  auto id = std::make_shared<long long>(0);
  auto* show = hosts->add_subcommand("show", "show one host and its inventory");
  show->add_option("id", *id, "host id")->required();
  show->callback([g, id] {
    Json h = g->client().call("GET", "/api/v1/hosts/" + std::to_string(*id));
    if (printJsonIf(*g, h)) return;
    long long seen = h["last_seen"].is_number() ? h["last_seen"].get<long long>() : 0;
    std::vector<std::vector<std::string>> rows = {
        {"Hostname", text(h, "hostname")},
        {"Tenant", text(h, "tenant_id")},
        {"OS", text(h, "os")},
        {"Hardware", text(h, "hardware")},
        {"Serial", text(h, "serial")},
        {"Enrolled", formatTime(h["enrolled_at"].get<long long>())},
        {"Last seen", formatTime(seen)},
        {"Agent id", text(h, "uid")}};
    if (h.value("clone_suspected", false)) {
      rows.push_back({"Clone suspected",
                      "yes: see `parcctl hosts clone-reports " + std::to_string(*id) + "`"});
    }
    const Json& inv = h["inventory"];
    if (inv.is_object() && inv.contains("cpu")) rows.push_back({"CPU", text(inv["cpu"], "model")});
    if (inv.is_object() && inv.contains("memory")) {
      const Json& mem = inv["memory"];
      if (mem.contains("total_bytes") && mem["total_bytes"].is_number()) {
        rows.push_back(
            {"Memory", std::to_string(mem["total_bytes"].get<long long>() >> 20) + " MiB"});
      }
    }
    printTable(std::cout, {"FIELD", "VALUE"}, rows);
  });
  addHostActionCommands(*hosts, g);
  addHostHistoryCommand(*hosts, g);
  addHostCertCommands(*hosts, g);
  addHostCloneCommands(*hosts, g);
  addHostGroupCommands(*hosts, g);
}

namespace {
struct CommandOptions {
  long long id = 0;
  std::string command;
  std::string payload = "{}";
  int timeout = 30;
};
struct HistoryOptions {
  long long id = 0;
  int limit = 100;
  long long before = 0;
};
struct ConfigOptions {
  long long id = 0;
  int interval = 0;
  std::vector<std::string> disabled;
  bool clearDisabled = false;
};
}  // namespace

void addHostActionCommands(CLI::App& hosts, std::shared_ptr<Globals> g) {
  auto cmd = std::make_shared<CommandOptions>();
  auto* command = hosts.add_subcommand("command", "send a command over the host's control channel");
  command->add_option("id", cmd->id, "host id")->required();
  command->add_option("command", cmd->command, "ping, inventory_now, status, …")->required();
  command->add_option("--payload", cmd->payload, "JSON object for the command");
  command->add_option("--timeout", cmd->timeout, "seconds to wait for the reply (default 30)");
  command->callback([g, cmd] {
    Json reply = g->client().call("POST", "/api/v1/hosts/" + std::to_string(cmd->id) + "/commands",
                                  Json{{"command", cmd->command},
                                       {"payload", parseJson(cmd->payload)},
                                       {"timeout_seconds", cmd->timeout}});
    if (printJsonIf(*g, reply)) return;
    std::cout << text(reply, "status");
    if (reply.contains("error")) std::cout << ": " << text(reply, "error");
    std::cout << "\n" << terminalJson(reply["result"]) << "\n";
  });

  auto cfg = std::make_shared<ConfigOptions>();
  auto* config = hosts.add_subcommand("config", "change a host's agent settings (applied live)");
  config->add_option("id", cfg->id, "host id")->required();
  config->add_option("--inventory-interval", cfg->interval, "seconds between inventories (≥ 60)");
  config->add_option("--disable", cfg->disabled, "inventory section not to collect (repeatable)");
  config->add_flag("--enable-all", cfg->clearDisabled, "collect every section again");
  config->callback([g, cfg] {
    Json body = Json::object();
    if (cfg->interval > 0) body["inventory_interval"] = cfg->interval;
    if (!cfg->disabled.empty() || cfg->clearDisabled) body["disabled_collectors"] = cfg->disabled;
    Json applied =
        g->client().call("PUT", "/api/v1/hosts/" + std::to_string(cfg->id) + "/config", body);
    if (!printJsonIf(*g, applied))
      std::cout << "Settings of host " << cfg->id << ": " << printable(applied.dump()) << "\n";
  });
}

// parcctl hosts history ID: what changed on the PC, newest first.
void addHostHistoryCommand(CLI::App& hosts, std::shared_ptr<Globals> g) {
  auto opt = std::make_shared<HistoryOptions>();
  auto* history = hosts.add_subcommand("history", "what changed in a host's inventory");
  history->add_option("id", opt->id, "host id")->required();
  history->add_option("--limit", opt->limit, "at most this many changes (default 100)")
      ->check(CLI::Range(1, 1000));
  history->add_option("--before", opt->before, "only changes older than this change id");
  history->callback([g, opt] {
    std::string path =
        "/api/v1/hosts/" + std::to_string(opt->id) + "/history?limit=" + std::to_string(opt->limit);
    if (opt->before > 0) path += "&before=" + std::to_string(opt->before);
    Json list = g->client().call("GET", path);
    if (printJsonIf(*g, list)) return;
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : list["items"]) {
      long long at = c["at"].is_number() ? c["at"].get<long long>() : 0;
      rows.push_back({text(c, "id"), formatTime(at), text(c, "summary")});
    }
    if (rows.empty()) {
      std::cout << "No change recorded for host " << opt->id << ".\n";
      return;
    }
    printTable(std::cout, {"ID", "DATE (UTC)", "CHANGE"}, rows);
  });
}

}  // namespace parc::cli
