#include <iostream>

#include "cli/commands/commands.h"
#include "cli/table.h"

namespace parc::cli {

namespace {
struct CreateOptions {
  long long tenant = 0;
  int hours = 24 * 7;
  int maxUses = 1;
  std::string description;
};
}  // namespace

void addTokenCommands(CLI::App& app, std::shared_ptr<Globals> g) {
  auto* tokens = app.add_subcommand("tokens", "enrolment tokens");
  tokens->require_subcommand(1);

  auto opts = std::make_shared<CreateOptions>();
  auto* create = tokens->add_subcommand("create", "create an enrolment token (shown once)");
  create->add_option("--tenant", opts->tenant, "tenant id")->required();
  create->add_option("--expires-hours", opts->hours, "validity in hours (default 168)");
  create->add_option("--max-uses", opts->maxUses, "how many agents may enrol with it (default 1)");
  create->add_option("--description", opts->description, "what it is for");
  create->callback([g, opts] {
    Json t = g->client().call("POST", "/api/v1/tokens",
                              Json{{"tenant_id", opts->tenant},
                                   {"expires_in_hours", opts->hours},
                                   {"max_uses", opts->maxUses},
                                   {"description", opts->description}});
    if (printJsonIf(*g, t)) return;
    std::cout << "Token " << t["id"] << " for tenant " << t["tenant_id"] << " (" << t["max_uses"]
              << " use(s), expires " << formatTime(t["expires_at"].get<long long>())
              << " UTC):\n\n  " << text(t, "token")
              << "\n\nIt is shown only now. Install an agent with:\n  parc-agent enroll --server "
              << text(t, "agent_url") << " --ca-fingerprint " << text(t, "ca_fingerprint")
              << " --token " << text(t, "token") << "\n";
  });

  tokens->add_subcommand("list", "list enrolment tokens")->callback([g] {
    Json list = g->client().call("GET", "/api/v1/tokens");
    if (printJsonIf(*g, list)) return;
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : list["items"]) {
      std::string state = t["revoked"].get<bool>() ? "revoked" : "active";
      rows.push_back({text(t, "id"), text(t, "tenant_id"), text(t, "prefix") + "…",
                      text(t, "uses") + "/" + text(t, "max_uses"),
                      formatTime(t["expires_at"].get<long long>()), state, text(t, "description")});
    }
    printTable(std::cout, {"ID", "TENANT", "TOKEN", "USES", "EXPIRES", "STATE", "DESCRIPTION"},
               rows);
  });

  auto id = std::make_shared<long long>(0);
  auto* revoke = tokens->add_subcommand("revoke", "revoke a token");
  revoke->add_option("id", *id, "token id")->required();
  revoke->callback([g, id] {
    Json r = g->client().call("POST", "/api/v1/tokens/" + std::to_string(*id) + "/revoke");
    if (!printJsonIf(*g, r)) std::cout << "Token " << *id << " revoked\n";
  });
}

}  // namespace parc::cli
