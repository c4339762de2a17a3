// parcctl hosts groups list|create|delete and hosts set-groups: host groups, whose
// alert-rule overrides apply to their PCs (docs/health.md, "Host groups").
#include <iostream>

#include "cli/commands/commands.h"
#include "cli/table.h"

namespace parc::cli {

namespace {
struct GroupOptions {
  long long tenant = 0;
  std::string name;
  long long id = 0;
  std::vector<long long> groups;
};

std::string joined(const Json& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ",") + id.dump();
  return out.empty() ? "-" : out;
}
}  // namespace

void addHostGroupCommands(CLI::App& hosts, std::shared_ptr<Globals> g) {
  auto opt = std::make_shared<GroupOptions>();
  auto* groups = hosts.add_subcommand("groups", "groups of PCs (alert rules per group)");
  groups->require_subcommand(1);

  auto* list = groups->add_subcommand("list", "host groups and their PCs");
  list->add_option("--tenant", opt->tenant, "only this tenant's groups");
  list->callback([g, opt] {
    std::string path = "/api/v1/host-groups";
    if (opt->tenant > 0) path += "?tenant_id=" + std::to_string(opt->tenant);
    Json r = g->client().call("GET", path);
    if (printJsonIf(*g, r)) return;
    std::vector<std::vector<std::string>> rows;
    for (const auto& grp : r["items"]) {
      rows.push_back(
          {text(grp, "id"), text(grp, "tenant_id"), text(grp, "name"), joined(grp["hosts"])});
    }
    printTable(std::cout, {"ID", "TENANT", "NAME", "HOSTS"}, rows);
  });

  auto* create = groups->add_subcommand("create", "create a group in a tenant");
  create->add_option("--tenant", opt->tenant, "tenant id")->required();
  create->add_option("--name", opt->name, "group name, unique in the tenant")->required();
  create->callback([g, opt] {
    Json r = g->client().call("POST", "/api/v1/host-groups",
                              Json{{"tenant_id", opt->tenant}, {"name", opt->name}});
    if (printJsonIf(*g, r)) return;
    std::cout << "Group " << r["id"] << " created\n";
  });

  auto* remove = groups->add_subcommand("delete", "delete a group (and its rule overrides)");
  remove->add_option("id", opt->id, "group id")->required();
  remove->callback([g, opt] {
    Json r = g->client().call("DELETE", "/api/v1/host-groups/" + std::to_string(opt->id));
    if (printJsonIf(*g, r)) return;
    std::cout << "Group " << opt->id << " deleted\n";
  });

  auto* set = hosts.add_subcommand("set-groups", "set the groups of a host (none: leave all)");
  set->add_option("id", opt->id, "host id")->required();
  set->add_option("groups", opt->groups, "group ids");
  set->callback([g, opt] {
    Json ids = Json::array();
    for (long long id : opt->groups) ids.push_back(id);
    Json r = g->client().call("PUT", "/api/v1/hosts/" + std::to_string(opt->id) + "/groups",
                              Json{{"groups", ids}});
    if (printJsonIf(*g, r)) return;
    std::cout << "Host " << opt->id << " groups: " << joined(r["groups"]) << "\n";
  });
}

}  // namespace parc::cli
