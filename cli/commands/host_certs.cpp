// parcctl hosts revoke | match approve|reject, and parcctl ca status: agents' certificates.
#include <iostream>

#include "cli/commands/commands.h"
#include "cli/table.h"

namespace parc::cli {

void addHostCertCommands(CLI::App& hosts, std::shared_ptr<Globals> g) {
  auto revokeId = std::make_shared<long long>(0);
  auto* revoke = hosts.add_subcommand(
      "revoke", "refuse the host's certificate from now on and cut its live connection");
  revoke->add_option("id", *revokeId, "host id")->required();
  revoke->callback([g, revokeId] {
    Json r = g->client().call("POST", "/api/v1/hosts/" + std::to_string(*revokeId) + "/revoke");
    if (printJsonIf(*g, r)) return;
    std::cout << "Host " << *revokeId << " revoked"
              << (r.value("disconnected", false) ? "; its control channel was closed" : "")
              << ".\n";
  });

  // A re-installed PC enrols as a new host that points to the old one (same device id):
  // approve merges it into the old host, reject keeps two hosts.
  auto* match = hosts.add_subcommand("match", "decide on a re-installed PC's pending match");
  match->require_subcommand(1);
  for (const char* decision : {"approve", "reject"}) {
    auto id = std::make_shared<long long>(0);
    auto* sub = match->add_subcommand(
        decision, std::string(decision) == "approve"
                      ? "merge the new host ID into the host it matched (history kept)"
                      : "keep the new host ID as a distinct machine");
    sub->add_option("id", *id, "id of the newly enrolled host")->required();
    std::string what = decision;
    sub->callback([g, id, what] {
      Json r = g->client().call("POST", "/api/v1/hosts/" + std::to_string(*id) + "/match/" + what);
      if (printJsonIf(*g, r)) return;
      if (what == "approve")
        std::cout << "Host " << *id << " merged into host " << text(r, "id") << ".\n";
      else
        std::cout << "Host " << *id << " kept as a distinct machine.\n";
    });
  }
}

void addCaCommands(CLI::App& app, std::shared_ptr<Globals> g) {
  auto* ca = app.add_subcommand("ca", "the agents' certificate authorities");
  ca->require_subcommand(1);
  ca->add_subcommand("status", "trust anchors and which agents know them")->callback([g] {
    Json s = g->client().call("GET", "/api/v1/ca");
    if (printJsonIf(*g, s)) return;
    std::vector<std::vector<std::string>> rows;
    for (const auto& a : s["anchors"]) {
      long long until = a["not_after"].is_number() ? a["not_after"].get<long long>() : 0;
      rows.push_back(
          {text(a, "state"), text(a, "fingerprint"), formatTime(until), text(a, "hosts_knowing")});
    }
    printTable(std::cout, {"STATE", "FINGERPRINT (SHA-256)", "VALID UNTIL (UTC)", "HOSTS KNOWING"},
               rows);
    std::cout << text(s, "hosts_reporting") << " of " << text(s, "hosts")
              << " host(s) reported their anchors since the server started.\n";
    if (s["staged"].is_null()) return;
    if (s.value("promotion_safe", false)) {
      std::cout << "Every host knows the staged CA: `parc-server ca promote` is safe.\n";
      return;
    }
    std::cout << text(s, "hosts_without_staged")
              << " host(s) do not know the staged CA yet (offline or not reported):\n";
    for (const auto& h : s["hosts_without_staged_list"])
      std::cout << "  " << text(h, "id") << "  " << text(h, "hostname") << "\n";
  });
}

}  // namespace parc::cli
