// An earlier release's databases opened by this build (tests/fixtures/releases/: written
// by parc-server built at that commit, with a real agent of that release enrolled): every
// migration since runs on real data in place, every record stays readable through the
// API, and the audit chain — hashes over rows the migrations may touch — still verifies.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "common/compress/zstd.h"
#include "common/files/files.h"
#include "common/sqlite/database.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

namespace fs = std::filesystem;
const fs::path kRelease = fs::path(PARC_SOURCE_DIR) / "tests/fixtures/releases/214e575";

// A dump (plain or zstd) into a new SQLite file: the file as the release left it.
void restore(const fs::path& dump, const fs::path& file) {
  std::string sql = files::read(dump);
  if (dump.extension() == ".zst") sql = compress::zstdDecompress(sql, 64 * 1024 * 1024);
  auto db = sqlite::Database::open(file);
  db.exec(sql);
}

std::int64_t schemaVersion(const fs::path& file) {
  auto db = sqlite::Database::open(file);
  sqlite::Statement s(db, "PRAGMA user_version");
  s.step();
  return s.int64(0);
}

TEST(UpgradeFromRelease, DatabasesOf214e575AreMigratedWithEverythingKept) {
  TempDir tmp;
  auto data = tmp.path() / "server";
  files::ensureDirectory(data, 0700);
  restore(kRelease / "parc.sql.zst", data / "parc.db");
  restore(kRelease / "alerts.sql", data / "alerts.sqlite");
  restore(kRelease / "metrics.sql", data / "metrics.sqlite");
  ASSERT_EQ(schemaVersion(data / "parc.db"), 9);
  // The release's administrator (fixture README): the server makes no new one.
  files::writeAtomic(data / "initial-admin-password", "yZHMJrsrMDRsTCKjnRbw\n", 0600);

  // The release's events are from November 2026: kept whatever today's date, so that
  // this test checks the migrations, not the year-long retention of messages.
  files::writeAtomic(tmp.path() / "server.toml", "[messages]\nlog_days = 0\n", 0600);
  ServerFixture server(data, 0, 0, {"--config", (tmp.path() / "server.toml").string()});
  EXPECT_GT(schemaVersion(data / "parc.db"), 9);
  EXPECT_GT(schemaVersion(data / "alerts.sqlite"), 2);
  EXPECT_GT(schemaVersion(data / "metrics.sqlite"), 2);
  Parcctl ctl(tmp.path() / "home");
  ctl.login(server);

  Json tenants = ctl.json({"tenants", "list"});
  ASSERT_EQ(tenants["items"].size(), 2u) << tenants.dump();
  std::map<std::string, std::string> insee;
  for (const auto& t : tenants["items"]) insee[t["name"]] = t["insee_code"];
  EXPECT_EQ(insee, (std::map<std::string, std::string>{{"Mairie de Laguiole", "12119"},
                                                       {"Mairie d'Espalion", "12096"}}));

  Json hosts = ctl.json({"hosts", "list"});
  ASSERT_EQ(hosts["count"], 1) << hosts.dump();
  EXPECT_EQ(hosts["items"][0]["hostname"], "vm");
  EXPECT_EQ(hosts["items"][0]["os"], "Debian GNU/Linux 12 (bookworm)");
  EXPECT_TRUE(hosts["items"][0]["inventory_at"].is_number());
  Json host = ctl.json({"hosts", "show", "1"});
  EXPECT_EQ(host["inventory"]["cpu"]["vendor"], "GenuineIntel") << host.dump().substr(0, 500);
  EXPECT_FALSE(host["inventory"]["software"].empty());

  Json users = ctl.json({"users", "list"});
  std::string names;
  for (const auto& u : users["items"])
    names += u["username"].get<std::string>() + ":" + u["role"].get<std::string>() + " ";
  EXPECT_EQ(names, "admin:administrator jdupont:technician msecretaire:town_hall_staff ")
      << users.dump();
  EXPECT_EQ(ctl.json({"tokens", "list"})["items"].size(), 3u);
  Json scripts = ctl.json({"scripts", "list"});
  ASSERT_EQ(scripts["items"].size(), 1u) << scripts.dump();
  EXPECT_EQ(scripts["items"][0]["name"], "etat-impression");
  {
    auto db = sqlite::Database::open(data / "parc.db");
    sqlite::Statement s(db, "SELECT COUNT(*) FROM agent_messages WHERE type = 'event'");
    s.step();
    EXPECT_EQ(s.int64(0), 5) << "the agent's events";
  }

  // The release's chained records and this run's (the login above) verify as one chain.
  RunResult verify = ctl.run({"audit", "verify"});
  EXPECT_EQ(verify.exitCode, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("intact"), std::string::npos) << verify.out;
  // And the new server writes where the release's tables were migrated: a tenant more.
  ctl.json({"tenants", "create", "--name", "Mairie de Rodez", "--insee", "12202"});
  EXPECT_EQ(ctl.json({"tenants", "list"})["items"].size(), 3u);
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace parc::testing
