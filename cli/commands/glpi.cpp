#include <iostream>

#include "cli/commands/commands.h"
#include "cli/table.h"

namespace parc::cli {

namespace {

std::string when(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? formatTime(it->get<long long>()) : "-";
}

}  // namespace

void addGlpiCommands(CLI::App& app, std::shared_ptr<Globals> g) {
  auto* glpi = app.add_subcommand("glpi", "forwarding of inventories to the tenants' GLPI");
  glpi->require_subcommand(1);
  glpi->add_subcommand("status", "per tenant and host: last delivery, last error, what waits")
      ->callback([g] {
        Json s = g->client().call("GET", "/api/v1/glpi/status");
        if (printJsonIf(*g, s)) return;
        if (!s.value("configured", false) || s["tenants"].empty()) {
          std::cout << "No GLPI forwarding configured ([[glpi_forward]] in the server's file).\n";
          return;
        }
        for (const auto& t : s["tenants"]) {
          std::cout << "Tenant " << text(t, "tenant_id") << " → " << text(t, "url")
                    << (t.value("enabled", true) ? "" : " (disabled)")
                    << (t.value("encrypted", true) ? "" : " (plain HTTP)") << "\n"
                    << "  delivered " << text(t, "delivered") << ", waiting " << text(t, "pending")
                    << ", last success " << when(t, "last_success_at") << "\n";
          if (t.contains("last_error") && t["last_error"].is_string()) {
            std::cout << "  last error " << when(t, "last_error_at") << ": "
                      << text(t, "last_error") << "\n";
          }
          if (t.value("next_attempt_in_seconds", 0) > 0)
            std::cout << "  next try in " << text(t, "next_attempt_in_seconds") << " s\n";
          std::vector<std::vector<std::string>> rows;
          for (const auto& h : t["hosts"]) {
            rows.push_back({text(h, "host_id"), text(h, "hostname"), text(h, "state"),
                            when(h, "last_success_at"), text(h, "attempts"),
                            text(h, "last_error")});
          }
          printTable(std::cout,
                     {"HOST", "HOSTNAME", "STATE", "LAST SUCCESS", "TRIES", "LAST ERROR"}, rows);
        }
      });
}

}  // namespace parc::cli
