// parcctl users and api-tokens: accounts, roles, tenant scopes, tokens for scripts.
#include <iostream>

#include "cli/commands/commands.h"
#include "cli/table.h"
#include "common/error.h"

namespace parc::cli {

namespace {

struct UserOptions {
  std::string username, role, password;
  std::vector<long long> tenants;
  bool allTenants = false, disable = false, enable = false, removeTotp = false;
};

// --tenant 3 --tenant 4 → [3, 4]; --all-tenants → null; neither → not sent.
void addScope(Json& body, const UserOptions& o) {
  if (o.allTenants) body["tenants"] = nullptr;
  if (!o.tenants.empty()) body["tenants"] = o.tenants;
}

std::string scopeText(const Json& u) {
  if (u["tenants"].is_null()) return "all";
  std::string out;
  for (const auto& t : u["tenants"]) out += (out.empty() ? "" : ",") + t.dump();
  return out.empty() ? "none" : out;
}

}  // namespace

void addUserCommands(CLI::App& app, std::shared_ptr<Globals> g) {
  auto* users = app.add_subcommand("users", "technicians' and staff accounts");
  users->require_subcommand(1);
  users->add_subcommand("list", "list accounts")->callback([g] {
    Json r = g->client().call("GET", "/api/v1/users");
    if (printJsonIf(*g, r)) return;
    std::vector<std::vector<std::string>> rows;
    for (const auto& u : r["items"]) {
      rows.push_back({text(u, "id"), text(u, "username"), text(u, "role"), scopeText(u),
                      u["totp_enabled"].get<bool>() ? "yes" : "no",
                      u["disabled"].get<bool>() ? "disabled" : "active"});
    }
    printTable(std::cout, {"ID", "USER", "ROLE", "TENANTS", "TOTP", "STATE"}, rows);
  });

  auto c = std::make_shared<UserOptions>();
  auto* create = users->add_subcommand("create", "create an account (password from stdin)");
  create->add_option("username", c->username, "user name")->required();
  create
      ->add_option("--role", c->role,
                   "administrator, technician, helpdesk, read_only or town_hall_staff")
      ->required();
  create->add_option("--tenant", c->tenants, "limit to this tenant (repeatable)");
  create->callback([g, c] {
    std::string password;
    std::getline(std::cin, password);
    Json body{{"username", c->username}, {"role", c->role}, {"password", password}};
    addScope(body, *c);
    Json u = g->client().call("POST", "/api/v1/users", body);
    if (!printJsonIf(*g, u))
      std::cout << "User " << text(u, "username") << " (" << text(u, "role") << ") created\n";
  });

  auto m = std::make_shared<UserOptions>();
  auto id = std::make_shared<long long>(0);
  auto* update = users->add_subcommand("update", "change role, tenants, state or second factor");
  update->add_option("id", *id, "user id")->required();
  update->add_option("--role", m->role, "new role");
  update->add_option("--tenant", m->tenants, "limit to this tenant (repeatable)");
  update->add_flag("--all-tenants", m->allTenants, "see every tenant");
  update->add_flag("--disable", m->disable, "disable the account (ends its sessions)");
  update->add_flag("--enable", m->enable, "enable the account");
  update->add_flag("--remove-totp", m->removeTotp, "remove the second factor (lost phone)");
  update->callback([g, m, id] {
    Json body = Json::object();
    if (!m->role.empty()) body["role"] = m->role;
    addScope(body, *m);
    if (m->disable || m->enable) body["disabled"] = m->disable;
    if (m->removeTotp) body["totp_enabled"] = false;
    Json u = g->client().call("PUT", "/api/v1/users/" + std::to_string(*id), body);
    if (!printJsonIf(*g, u)) std::cout << "User " << text(u, "username") << " updated\n";
  });

  auto* tokens = app.add_subcommand("api-tokens", "API tokens for scripts (PARC_API_TOKEN)");
  tokens->require_subcommand(1);
  auto all = std::make_shared<bool>(false);
  auto* list = tokens->add_subcommand("list", "your tokens (--all: everyone's, administrators)");
  list->add_flag("--all", *all, "every user's tokens");
  list->callback([g, all] {
    Json r = g->client().call("GET", std::string("/api/v1/api-tokens") + (*all ? "?all=true" : ""));
    if (printJsonIf(*g, r)) return;
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : r["items"]) {
      rows.push_back({text(t, "id"), text(t, "user_id"), text(t, "name"), text(t, "role"),
                      text(t, "prefix") + "…", formatTime(t["expires_at"].get<long long>()),
                      t["revoked"].get<bool>() ? "revoked" : "active"});
    }
    printTable(std::cout, {"ID", "USER", "NAME", "ROLE", "TOKEN", "EXPIRES", "STATE"}, rows);
  });
  auto t = std::make_shared<UserOptions>();
  auto days = std::make_shared<int>(90);
  auto* create2 = tokens->add_subcommand("create", "create a token (shown once)");
  create2->add_option("name", t->username, "what it is for")->required();
  create2->add_option("--role", t->role, "act with at most this role (default: yours)");
  create2->add_option("--expires-days", *days, "validity in days (default 90)");
  create2->callback([g, t, days] {
    Json body{{"name", t->username}, {"expires_in_days", *days}};
    if (!t->role.empty()) body["role"] = t->role;
    Json r = g->client().call("POST", "/api/v1/api-tokens", body);
    if (printJsonIf(*g, r)) return;
    std::cout << "API token " << text(r, "id") << " (" << text(r, "role")
              << "), shown only now:\n\n  " << text(r, "token")
              << "\n\nUse it with: PARC_API_TOKEN=… parcctl …\n";
  });
  auto rid = std::make_shared<long long>(0);
  auto* revoke = tokens->add_subcommand("revoke", "revoke a token");
  revoke->add_option("id", *rid, "token id")->required();
  revoke->callback([g, rid] {
    g->client().call("POST", "/api/v1/api-tokens/" + std::to_string(*rid) + "/revoke");
    std::cout << "API token " << *rid << " revoked\n";
  });
}

}  // namespace parc::cli
