// parcctl alerts: what the support desk works from, in a terminal.
#include <iostream>

#include "cli/commands/commands.h"
#include "cli/table.h"

namespace parc::cli {

namespace {
struct ListOptions {
  std::string state = "open";
  long long host = 0;
};
}  // namespace

void addAlertCommands(CLI::App& app, std::shared_ptr<Globals> g) {
  auto* alerts = app.add_subcommand("alerts", "health alerts");
  alerts->require_subcommand(1);

  auto opts = std::make_shared<ListOptions>();
  auto* list = alerts->add_subcommand("list", "alerts, newest first (default: open ones)");
  list->add_option("--state", opts->state, "open, firing, acknowledged or resolved");
  list->add_option("--host", opts->host, "only this host id");
  list->callback([g, opts] {
    std::string path = "/api/v1/alerts?state=" + percentEncode(opts->state);
    if (opts->host > 0) path += "&host_id=" + std::to_string(opts->host);
    Json r = g->client().call("GET", path);
    if (printJsonIf(*g, r)) return;
    std::vector<std::vector<std::string>> rows;
    for (const auto& a : r["items"]) {
      rows.push_back({text(a, "id"), text(a, "severity"), text(a, "state"),
                      a.contains("host_name") ? text(a, "host_name") : text(a, "host_id"),
                      formatTime(a["opened_at"].get<long long>()), text(a, "summary")});
    }
    printTable(std::cout, {"ID", "SEVERITY", "STATE", "HOST", "OPENED", "SUMMARY"}, rows);
  });

  auto id = std::make_shared<long long>(0);
  auto* ack = alerts->add_subcommand("ack", "acknowledge an alert (stops its escalation)");
  ack->add_option("id", *id, "alert id")->required();
  ack->callback([g, id] {
    Json a = g->client().call("POST", "/api/v1/alerts/" + std::to_string(*id) + "/acknowledge",
                              Json::object());
    if (!printJsonIf(*g, a)) std::cout << "Alert " << *id << " acknowledged\n";
  });

  auto sid = std::make_shared<long long>(0);
  auto minutes = std::make_shared<int>(60);
  auto* silence = alerts->add_subcommand("silence", "silence an alert for a while");
  silence->add_option("id", *sid, "alert id")->required();
  silence->add_option("--minutes", *minutes, "how long (default 60)");
  silence->callback([g, sid, minutes] {
    Json a = g->client().call("POST", "/api/v1/alerts/" + std::to_string(*sid) + "/silence",
                              Json{{"minutes", *minutes}});
    if (!printJsonIf(*g, a)) std::cout << "Alert " << *sid << " silenced\n";
  });
}

}  // namespace parc::cli
