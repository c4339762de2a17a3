// Access features seen from the outside, with the real server and parcctl: the scripts'
// API tokens (PARC_API_TOKEN), the audit log's verification and export once a record
// was altered in the database, and a busy session's absolute expiry.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "common/files/files.h"
#include "common/sqlite/database.h"
#include "server/security/audit_chain.h"
#include "tests/integration/console_api.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
constexpr const char* kStrongPassword = "Cassoulet-Aveyron-2026!";

class CliAccess : public ::testing::Test, protected ConsoleApi {
 protected:
  virtual std::string securityToml() const { return ""; }

  void SetUp() override {
    files::writeAtomic(tmp.path() / "server.toml", securityToml(), 0600);
    server = std::make_unique<ServerFixture>(
        tmp.path() / "server", 0, 0,
        std::vector<std::string>{"--config", (tmp.path() / "server.toml").string()});
    connect(*server);
    ctl.login(*server);
  }

  // parcctl as a script runs it: the signed-in admin's session file is there, but the
  // token in PARC_API_TOKEN is what it must use.
  RunResult withToken(const std::string& token, std::vector<std::string> args) {
    args.insert(args.begin(), binary("parcctl"));
    return runProgram(
        args, {{"XDG_CONFIG_HOME", (tmp.path() / "home").string()}, {"PARC_API_TOKEN", token}});
  }

  sqlite::Database database() { return sqlite::Database::open(tmp.path() / "server" / "parc.db"); }

  TempDir tmp;
  std::unique_ptr<ServerFixture> server;
  Parcctl ctl{tmp.path() / "home"};
};

TEST_F(CliAccess, ParcctlActsWithItsApiTokenWithinItsRoleAndNotOnceExpiredOrRevoked) {
  ctl.json({"tenants", "create", "--name", "Mairie de Rodez", "--insee", "12202"});
  auto make = [&](const std::string& role) {
    Json t = ctl.json({"api-tokens", "create", "script-" + role, "--role", role});
    EXPECT_TRUE(t.contains("token")) << t.dump();
    return t;
  };
  Json reader = make("read_only"), tech = make("technician"), old = make("technician");
  // Scoped: a read-only token reads, and may not write (the admin's session would).
  RunResult list = withToken(reader["token"], {"--json", "tenants", "list"});
  EXPECT_EQ(list.exitCode, 0) << list.err;
  EXPECT_NE(list.out.find("Mairie de Rodez"), std::string::npos) << list.out;
  RunResult write = withToken(reader["token"], {"tokens", "create", "--tenant", "1"});
  EXPECT_EQ(write.exitCode, 1) << write.err;  // refused (403), not unauthenticated
  EXPECT_TRUE(ctl.json({"tokens", "list"})["items"].empty());
  // The technician's token writes, and the audit log names the token.
  RunResult made = withToken(tech["token"], {"--json", "tokens", "create", "--tenant", "1"});
  EXPECT_EQ(made.exitCode, 0) << made.err;
  Json created = ctl.json({"audit", "list", "--action", "token.create"});
  ASSERT_FALSE(created["items"].empty());
  EXPECT_EQ(created["items"][0]["actor"],
            "user:admin/api:" + std::to_string(tech["id"].get<int>()));
  // Expired (aged in the real database rather than waited for): refused.
  database().exec("UPDATE api_tokens SET expires_at = 1 WHERE id = " +
                  std::to_string(old["id"].get<int>()));
  RunResult expired = withToken(old["token"], {"tenants", "list"});
  EXPECT_EQ(expired.exitCode, 3) << expired.err;  // 401
  // Revoked: refused from the next call on.
  ASSERT_EQ(ctl.run({"api-tokens", "revoke", std::to_string(tech["id"].get<int>())}).exitCode, 0);
  RunResult revoked = withToken(tech["token"], {"tenants", "list"});
  EXPECT_EQ(revoked.exitCode, 3) << revoked.err;  // 401
  // A made-up token too; the admin's own session still works beside them.
  EXPECT_EQ(withToken("parc_api_" + std::string(43, 'Z'), {"tenants", "list"}).exitCode, 3);
  EXPECT_EQ(ctl.run({"tenants", "list"}).exitCode, 0);
}

// The export read back as an auditor would: every line's hash recomputed from the
// checkpoint, up to the head `audit verify` printed.
server::security::ChainCheck checkExport(const std::string& text, std::string* head) {
  std::vector<std::pair<server::security::AuditRecord, std::string>> records;
  std::string start = server::security::genesisHash(), line;
  std::istringstream in(text);
  while (std::getline(in, line)) {
    Json j = parseJson(line);
    if (j.contains("head")) {
      *head = j["head"];
      std::string last = j["checkpoint"]["last_hash"];
      if (!last.empty()) start = last;
      continue;
    }
    server::security::AuditRecord r{j["id"],     j["at"],     j["actor"],  j["action"],
                                    j["target"], j["source"], j["result"], j["detail"]};
    records.emplace_back(r, j["hash"]);
  }
  return server::security::verifyChain(records, start, *head);
}

TEST_F(CliAccess, AuditVerifyAndExportDetectATamperedRecord) {
  ctl.json({"tenants", "create", "--name", "Mairie de Millau", "--insee", "12145"});
  ctl.json({"tokens", "create", "--tenant", "1"});
  RunResult ok = ctl.run({"audit", "verify"});
  ASSERT_EQ(ok.exitCode, 0) << ok.err;
  EXPECT_NE(ok.out.find("Audit log intact"), std::string::npos) << ok.out;
  auto at = ok.out.find("Head: ");
  ASSERT_NE(at, std::string::npos);
  std::string head = ok.out.substr(at + 6, 64);
  RunResult exported = ctl.run({"audit", "export"});
  ASSERT_EQ(exported.exitCode, 0) << exported.err;
  std::string exportedHead;
  EXPECT_TRUE(checkExport(exported.out, &exportedHead).ok);
  // Reading the log is audited: the head verify printed is now inside the export, and
  // the export's head is what verify --head accepts.
  EXPECT_NE(exported.out.find("\"hash\":\"" + head + "\""), std::string::npos);
  RunResult pinned = ctl.run({"audit", "verify", "--head", exportedHead});
  EXPECT_EQ(pinned.exitCode, 0) << pinned.out << pinned.err;

  // Someone with the database edits who created the tenant, behind the trigger.
  Json rows = ctl.json({"audit", "list", "--action", "tenant.create"});
  ASSERT_EQ(rows["items"].size(), 1u);
  std::int64_t id = rows["items"][0]["id"];
  {
    auto db = database();
    db.exec("DROP TRIGGER audit_log_no_update");
    db.exec("UPDATE audit_log SET actor = 'user:intern' WHERE id = " + std::to_string(id));
  }
  RunResult bad = ctl.run({"audit", "verify"});
  EXPECT_EQ(bad.exitCode, 2) << bad.out << bad.err;
  EXPECT_NE(bad.out.find("AUDIT LOG TAMPERED"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find(std::to_string(id)), std::string::npos) << bad.out;
  // The export shows the altered row with its old hash: read back, it fails there.
  RunResult after = ctl.run({"audit", "export"});
  ASSERT_EQ(after.exitCode, 0) << after.err;
  EXPECT_NE(after.out.find("user:intern"), std::string::npos);
  std::string afterHead;
  server::security::ChainCheck check = checkExport(after.out, &afterHead);
  EXPECT_FALSE(check.ok);
  EXPECT_EQ(check.firstBadId, id) << check.reason;
}

// Idle expiry 2 s, absolute 4 s: a session used every half second never goes idle, and
// still ends at its absolute lifetime.
class SessionLifetime : public CliAccess {
 protected:
  std::string securityToml() const override {
    return "[security]\nsession_idle_seconds = 2\nsession_absolute_seconds = 4\n";
  }
};

TEST_F(SessionLifetime, ABusySessionEndsAtItsAbsoluteLifetime) {
  auto start = Clock::now();
  std::string token = login("admin", server->adminPassword);
  ASSERT_FALSE(token.empty());
  std::optional<Clock::duration> refusedAfter;
  while (Clock::now() - start < 10s) {
    int status = call("GET", "/api/v1/me", token).status;
    if (status == 401) {
      refusedAfter = Clock::now() - start;
      break;
    }
    EXPECT_EQ(status, 200);
    std::this_thread::sleep_for(500ms);
  }
  ASSERT_TRUE(refusedAfter) << "the session outlived its absolute lifetime";
  // Seconds are whole on the server: between 3 and 5 s after sign-in, never before the
  // idle expiry could have been the cause (it was used every 0.5 s).
  EXPECT_GE(*refusedAfter, 3s);
  EXPECT_LT(*refusedAfter, 6s);
  // Ended, not suspended: still refused after a pause.
  EXPECT_EQ(call("GET", "/api/v1/me", token).status, 401);
}

}  // namespace
}  // namespace parc::testing
