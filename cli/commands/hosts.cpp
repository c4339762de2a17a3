#include <iostream>

#include "cli/commands/commands.h"
#include "cli/table.h"

namespace parc::cli {

void addHostCommands(CLI::App& app, std::shared_ptr<Globals> g) {
  auto* hosts = app.add_subcommand("hosts", "enrolled PCs");
  hosts->require_subcommand(1);

  hosts->add_subcommand("list", "list hosts")->callback([g] {
    Json list = g->client().call("GET", "/api/v1/hosts");
    if (printJsonIf(*g, list)) return;
    std::vector<std::vector<std::string>> rows;
    for (const auto& h : list["items"]) {
      long long seen = h["last_seen"].is_number() ? h["last_seen"].get<long long>() : 0;
      rows.push_back({text(h, "id"), text(h, "tenant_id"), text(h, "hostname"), text(h, "os"),
                      text(h, "hardware"), formatTime(seen)});
    }
    printTable(std::cout, {"ID", "TENANT", "HOSTNAME", "OS", "HARDWARE", "LAST SEEN (UTC)"}, rows);
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
}

}  // namespace parc::cli
