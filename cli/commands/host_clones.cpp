// parcctl hosts accept-hardware | clone-reports: cloned PCs (docs/inventory.md, "Cloned PCs").
#include <iostream>

#include "cli/commands/commands.h"
#include "cli/table.h"

namespace parc::cli {

namespace {
struct AcceptOptions {
  long long id = 0;
  long long report = 0;
};
}  // namespace

void addHostCloneCommands(CLI::App& hosts, std::shared_ptr<Globals> g) {
  auto accept = std::make_shared<AcceptOptions>();
  auto* acceptCmd = hosts.add_subcommand(
      "accept-hardware",
      "accept the new hardware of a host suspected of being cloned (motherboard replaced)");
  acceptCmd->add_option("id", accept->id, "host id")->required();
  acceptCmd->add_option("--report", accept->report,
                        "the clone report whose hardware to accept (default: the newest)");
  acceptCmd->callback([g, accept] {
    Json body = Json::object();
    if (accept->report > 0) body["report_id"] = accept->report;
    Json r = g->client().call(
        "POST", "/api/v1/hosts/" + std::to_string(accept->id) + "/hardware/accept", body);
    if (printJsonIf(*g, r)) return;
    std::cout << "Host " << accept->id << ": new hardware accepted ("
              << printable(r["hardware"].dump()) << ").\n";
  });

  auto reportsId = std::make_shared<long long>(0);
  auto* reports = hosts.add_subcommand(
      "clone-reports", "inventories kept aside: other machines reporting as this host");
  reports->add_option("id", *reportsId, "host id")->required();
  reports->callback([g, reportsId] {
    Json list =
        g->client().call("GET", "/api/v1/hosts/" + std::to_string(*reportsId) + "/clone-reports");
    if (printJsonIf(*g, list)) return;
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : list["items"]) {
      long long at = r["received_at"].is_number() ? r["received_at"].get<long long>() : 0;
      std::string state = r["resolved_at"].is_null() ? "open" : text(r, "resolution");
      rows.push_back({text(r, "id"), formatTime(at), text(r, "reports"), text(r, "source"), state,
                      text(r, "reason")});
    }
    if (rows.empty()) {
      std::cout << "No clone report for host " << *reportsId << ".\n";
      return;
    }
    printTable(std::cout, {"ID", "LAST (UTC)", "REPORTS", "FROM", "STATE", "REASON"}, rows);
  });
}

}  // namespace parc::cli
