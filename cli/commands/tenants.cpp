#include <iostream>

#include "cli/commands/commands.h"
#include "cli/table.h"

namespace parc::cli {

void addTenantCommands(CLI::App& app, std::shared_ptr<Globals> g) {
  auto* tenants = app.add_subcommand("tenants", "town halls and other bodies (collectivités)");
  tenants->require_subcommand(1);

  auto name = std::make_shared<std::string>(), insee = std::make_shared<std::string>();
  auto* create = tenants->add_subcommand("create", "create a tenant");
  create->add_option("--name", *name, "name, e.g. \"Mairie de Rodez\"")->required();
  create->add_option("--insee", *insee, "INSEE commune code, e.g. 12202")->required();
  create->callback([g, name, insee] {
    Json t =
        g->client().call("POST", "/api/v1/tenants", Json{{"name", *name}, {"insee_code", *insee}});
    if (!printJsonIf(*g, t))
      std::cout << "Created tenant " << t["id"] << ": " << text(t, "name") << "\n";
  });

  tenants->add_subcommand("list", "list tenants")->callback([g] {
    Json list = g->client().call("GET", "/api/v1/tenants");
    if (printJsonIf(*g, list)) return;
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : list["items"]) {
      rows.push_back({text(t, "id"), text(t, "name"), text(t, "insee_code"),
                      formatTime(t["created_at"].get<long long>())});
    }
    printTable(std::cout, {"ID", "NAME", "INSEE", "CREATED"}, rows);
  });
}

}  // namespace parc::cli
