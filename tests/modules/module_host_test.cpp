// The module host: per-module migrations, activation, module roles, reference checks.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "common/error.h"
#include "server/console/embedded_assets.h"
#include "server/modules/registry.h"
#include "tests/modules/store_fixture.h"

namespace parc::modules {
namespace {

using facturation::testing::Database;

// The names of server/modules/modules.cmake's one list, in order (comments dropped).
std::vector<std::string> listedModules() {
  std::ifstream in(PARC_SOURCE_DIR "/server/modules/modules.cmake");
  std::stringstream text;
  text << in.rdbuf();
  std::string body = text.str();
  std::smatch block;
  EXPECT_TRUE(std::regex_search(body, block, std::regex(R"(set\(PARC_MODULES([^)]*)\))")));
  std::vector<std::string> names;
  std::istringstream lines(block[1].str());
  for (std::string line; std::getline(lines, line);) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    for (std::string w; words >> w;) names.push_back(w);
  }
  return names;
}

// "A folder and a line": from its line in modules.cmake alone, a module is in the
// server's registry with its roles, numbered migrations and routes (whose permissions
// name its own roles), and its console pages are embedded where the console loads them.
TEST(ModuleRegistry, OneLineRegistersRoutesPermissionsMigrationsAndPages) {
  std::vector<std::string> listed = listedModules();
  ASSERT_FALSE(listed.empty());
  std::vector<std::string> registered;
  for (const auto& m : registry()) registered.push_back(m.name);
  EXPECT_EQ(registered, listed) << "the registry is generated from modules.cmake";
  std::set<std::string_view> assets;
  for (const auto& a : server::console::embeddedAssets()) assets.insert(a.path);
  for (const auto& m : registry()) {
    SCOPED_TRACE(m.name);
    EXPECT_TRUE(std::regex_match(m.name, std::regex("[a-z]+")));
    EXPECT_FALSE(m.title.empty());
    EXPECT_EQ(findModule(m.name), &m);
    std::set<std::string> roles;
    for (const auto& r : m.roles) roles.insert(r.name);
    EXPECT_FALSE(roles.empty());
    ASSERT_FALSE(m.migrations.empty());
    for (size_t i = 0; i < m.migrations.size(); ++i)
      EXPECT_EQ(m.migrations[i].version, static_cast<int>(i + 1)) << "numbered from 1, no gap";
    auto routes = m.routes();
    EXPECT_FALSE(routes.empty());
    std::set<std::string> seen;
    for (const auto& r : routes) {
      EXPECT_EQ(r.path.rfind('/', 0), 0u) << r.path;
      EXPECT_TRUE(seen.insert(r.method + " " + r.path).second) << r.method << " " << r.path;
      EXPECT_FALSE(r.roles.empty()) << r.path;
      for (const auto& role : r.roles) EXPECT_TRUE(roles.count(role)) << r.path << ": " << role;
      EXPECT_TRUE(r.handler) << r.path;
    }
    EXPECT_TRUE(assets.count("/js/pages/modules/" + m.name + "/index.js"))
        << "console pages from server/modules/" << m.name << "/console/";
  }
  EXPECT_EQ(findModule("etatcivil"), nullptr);
}

// The facturation module, as its one line registers it: what docs/modules.md lists.
TEST(ModuleRegistry, FacturationRoutesAndPermissions) {
  const Module* m = findModule("facturation");
  ASSERT_NE(m, nullptr);
  std::map<std::string, std::vector<std::string>> routes;
  for (const auto& r : m->routes()) routes[r.method + " " + r.path] = r.roles;
  using V = std::vector<std::string>;
  EXPECT_EQ(routes.at("POST /billing/runs"), V{"ordonnateur"});
  EXPECT_EQ(routes.at("POST /sepa/files/{id}/settlement"), (V{"regisseur", "ordonnateur"}));
  EXPECT_EQ(routes.at("POST /refunds"), (V{"regisseur", "ordonnateur"}));
  EXPECT_EQ(routes.at("PUT /services/{id}"), (V{"secretaire", "ordonnateur"}));
  EXPECT_EQ(routes.at("GET /invoices").size(), 3u) << "every role reads";
  EXPECT_EQ(m->migrations.size(), 4u);
}

TEST(ModuleHost, EveryModuleIsMigratedToItsNewestVersionOnce) {
  Database base;
  for (const auto& m : registry()) {
    ASSERT_FALSE(m.migrations.empty());
    EXPECT_EQ(ModuleHost::moduleVersion(base.db, m.name), m.migrations.back().version);
  }
  EXPECT_EQ(ModuleHost::moduleVersion(base.db, "host"), 1);
  ModuleHost::migrateAll(base.db);  // idempotent
  // A newer schema than this program knows is refused, not silently used.
  base.db.exec("UPDATE mod_schema SET version = 99 WHERE module = 'facturation'");
  EXPECT_THROW(ModuleHost::migrateAll(base.db), Error);
}

TEST(ModuleHost, ModuleTablesArePrefixed) {
  Database base;
  sqlite::Statement q(base.db,
                      "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'mod_%'");
  int n = 0;
  while (q.step()) {
    std::string name = q.text(0);
    ++n;
    bool owned = name.rfind("mod_host_", 0) == 0 || name == "mod_schema";
    for (const auto& m : registry()) owned = owned || name.rfind("mod_" + m.name + "_", 0) == 0;
    EXPECT_TRUE(owned) << name << ": a module's tables are prefixed mod_<name>_";
  }
  EXPECT_GT(n, 10);
}

TEST(ModuleHost, ActivationPerTenant) {
  Database base;
  EXPECT_FALSE(ModuleHost::isActive(base.db, base.tenant1, "facturation"));
  ModuleHost::setActive(base.db, base.tenant1, "facturation", true, 5);
  EXPECT_TRUE(ModuleHost::isActive(base.db, base.tenant1, "facturation"));
  EXPECT_FALSE(ModuleHost::isActive(base.db, base.tenant2, "facturation"));
  EXPECT_THROW(ModuleHost::setActive(base.db, base.tenant1, "etat_civil", true, 5), Error);
  ModuleHost::setActive(base.db, base.tenant1, "facturation", false, 6);
  EXPECT_TRUE(ModuleHost::activeModules(base.db, base.tenant1).empty());
}

TEST(ModuleHost, RolesAreValidatedAndReplacedAsAWhole) {
  Database base;
  auto user = base.core->createUser("secretaire", "x", server::store::Role::kTownHallStaff, 1);
  ModuleHost::setGrants(
      base.db, user.id,
      {{base.tenant1, "facturation", "secretaire"}, {base.tenant1, "facturation", "regisseur"}});
  EXPECT_EQ(ModuleHost::rolesOf(base.db, user.id, base.tenant1, "facturation"),
            (std::set<std::string>{"regisseur", "secretaire"}));
  EXPECT_TRUE(ModuleHost::rolesOf(base.db, user.id, base.tenant2, "facturation").empty());
  EXPECT_THROW(ModuleHost::setGrants(base.db, user.id, {{base.tenant1, "facturation", "maire"}}),
               Error);
  EXPECT_EQ(ModuleHost::grantsOf(base.db, user.id).size(), 2u)
      << "a refused change changes nothing";
  ModuleHost::setGrants(base.db, user.id, {{base.tenant1, "facturation", "ordonnateur"}});
  EXPECT_EQ(ModuleHost::rolesOf(base.db, user.id, base.tenant1, "facturation"),
            (std::set<std::string>{"ordonnateur"}));
}

TEST(ModuleHost, TenantProfileRoundTrip) {
  Database base;
  auto p = facturation::testing::profile(base.tenant1);
  ModuleHost::saveProfile(base.db, p);
  auto back = ModuleHost::profile(base.db, base.tenant1);
  EXPECT_EQ(back.siret, p.siret);
  EXPECT_EQ(back.ordonnateurName, "Marie Dupont");
  EXPECT_EQ(ModuleHost::profile(base.db, base.tenant2).legalName, "");
}

TEST(ModuleHostReference, Identifiers) {
  EXPECT_TRUE(validSiret("21120202300019"));  // Rodez's SIREN, a valid NIC
  EXPECT_FALSE(validSiret("21120202300018"));
  EXPECT_FALSE(validSiret("2112020230001"));
  EXPECT_TRUE(validSiret("35600000000001"));  // La Poste's rule
  EXPECT_TRUE(validIban("FR7630001007941234567890185"));
  EXPECT_FALSE(validIban("FR7630001007941234567890186"));
  EXPECT_FALSE(validIban("FR76 3000 1007 9412 3456 7890 185"));
  EXPECT_TRUE(validIban("DE89370400440532013000"));
  EXPECT_TRUE(validBic("BDFEFRPPCCT"));
  EXPECT_FALSE(validBic("BDFE"));
  EXPECT_TRUE(validVatIdFr("FR44211202023"));
  EXPECT_FALSE(validVatIdFr("FR45211202023"));
  EXPECT_TRUE(validCreditorId("FR72ZZZ123456"));
  EXPECT_FALSE(validCreditorId("FR73ZZZ123456"));
}

TEST(ModuleHostReference, InseeCommunes) {
  Communes cog(PARC_SOURCE_DIR
               "/../shared/reference/admin/common/cog-2026-etalab-decoupage-administratif/"
               "communes.csv");
  if (!cog.available()) GTEST_SKIP() << "the COG reference file is not present here";
  EXPECT_GT(cog.size(), 34000u);
  EXPECT_EQ(cog.name("12202").value_or(""), "Rodez");
  EXPECT_EQ(cog.name("2A004").value_or(""), "Ajaccio");
  EXPECT_FALSE(cog.name("99999").has_value());
  Communes none("/nonexistent/communes.csv");
  EXPECT_FALSE(none.available());
}

}  // namespace
}  // namespace parc::modules
