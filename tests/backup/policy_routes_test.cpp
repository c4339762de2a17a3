// The console routes of backup policies and verification, called through the router
// with a caller (authentication is the dispatcher's, tested elsewhere): permissions by
// role, tenant scope, legal hold lifted by administrators only, bad input changes
// nothing, audit.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/crypto/hash.h"
#include "common/error.h"
#include "server/api/backup_routes.h"
#include "server/app/config.h"
#include "server/auth/sessions.h"
#include "server/backup/backup_service.h"
#include "server/ca/internal_ca.h"
#include "server/control/control_hub.h"
#include "server/security/rate_limiter.h"
#include "server/store/sqlite/sqlite_store.h"

namespace parc::server::api {
namespace {

namespace fs = std::filesystem;
using store::Role;
constexpr store::Time kT0 = 1795950000;

struct Server {
  fs::path dir = fs::temp_directory_path() / ("parc-backup-routes-" + std::to_string(getpid()));
  std::unique_ptr<store::SqliteStore> store;
  std::unique_ptr<ca::InternalCa> ca;
  ServerConfig config;
  std::unique_ptr<auth::SessionManager> sessions;
  std::unique_ptr<control::ControlHub> hub;
  security::RateLimiter limiterA{{1000, 1000}}, limiterB{{1000, 1000}};
  std::unique_ptr<Services> services;
  std::unique_ptr<backup::Repositories> repos;
  std::unique_ptr<backup::BackupService> backups;
  Router router;
  store::Id tenantA = 0, tenantB = 0, hostA = 0, hostB = 0;

  Server() {
    fs::remove_all(dir);
    fs::create_directories(dir);
    store = std::make_unique<store::SqliteStore>(dir / "parc.db");
    ca = std::make_unique<ca::InternalCa>(ca::InternalCa::openOrCreate(dir / "tls", {}));
    sessions = std::make_unique<auth::SessionManager>(*store, 3600, 86400);
    hub = std::make_unique<control::ControlHub>(*store, std::chrono::milliseconds(5000));
    services = std::make_unique<Services>(
        Services{*store, *ca, config, *sessions, *hub, limiterA, limiterB});
    repos = std::make_unique<backup::Repositories>(dir / "backups");
    backups = std::make_unique<backup::BackupService>(*store, *repos, dir / "parc.db");
    services->backups = repos.get();
    services->backupPolicies = &backups->policies();
    services->backupJobs = &backups->maintenance();
    addBackupConsoleRoutes(router, *services);
    tenantA = store->createTenant("Mairie de Saint-Affrique", "12208", kT0).id;
    tenantB = store->createTenant("Mairie de Millau", "12145", kT0).id;
    hostA = enrol(tenantA, "pc-a");
    hostB = enrol(tenantB, "pc-b");
  }
  ~Server() {
    backups.reset();
    hub.reset();
    fs::remove_all(dir);
  }

  store::Id enrol(store::Id tenant, const std::string& name) {
    store::EnrollmentToken t;
    t.tenantId = tenant;
    t.createdAt = kT0;
    t.expiresAt = kT0 + (1LL << 30);
    t.maxUses = 1;
    std::string secret = crypto::hashSecret(name + "-token");
    store->createToken(t, secret);
    store::NewHost h;
    h.uid = crypto::uuid4();
    h.hostname = name;
    h.deviceId = name;
    h.certFingerprint = crypto::sha256Hex(name);
    h.certSerial = name;
    h.certNotAfter = kT0 + 86400 * 365;
    auto out = store->enrollHost(secret, kT0, h);
    if (!out.host) throw std::runtime_error("enrolment failed");
    return out.host->id;
  }

  std::pair<int, Json> call(const std::string& method, const std::string& target, Role role,
                            std::optional<std::vector<store::Id>> tenants = std::nullopt,
                            const Json& body = nullptr) {
    net::Request req;
    req.method = method;
    req.target = target;
    req.body = body.is_null() ? "" : body.dump();
    req.remoteAddress = "127.0.0.1";
    Match m = router.match(method, req.path());
    if (!m.route) return {404, Json()};
    store::User user;
    user.id = 1;
    user.username = "tech";
    user.role = role;
    if (!auth::roleAllows(role, m.route->permission)) return {403, Json()};
    Caller caller;
    caller.user = user;
    caller.scope.tenants = tenants;
    Context ctx{req, m.params, caller, kT0 + 100};
    try {
      net::Response r = m.route->handler(ctx);
      return {r.status, r.body.empty() ? Json() : Json::parse(r.body)};
    } catch (const Error& e) {
      return {httpStatus(e.kind()), Json{{"message", e.what()}}};
    }
  }

  std::string tenantPath(store::Id t) const {
    return "/api/v1/tenants/" + std::to_string(t) + "/backup-policy";
  }
  std::string hostPath(store::Id h) const {
    return "/api/v1/hosts/" + std::to_string(h) + "/backup-policy";
  }
};

Json enabledPolicy() {
  return Json{{"enabled", true}, {"include", {"/home/secretariat"}}};
}

TEST(BackupPolicyRoutes, WritesNeedBackupsWrite) {
  Server s;
  for (Role role : {Role::kHelpdesk, Role::kReadOnly, Role::kTownHallStaff}) {
    EXPECT_EQ(s.call("PUT", s.tenantPath(s.tenantA), role, std::nullopt, enabledPolicy()).first,
              403);
    EXPECT_EQ(s.call("PUT", s.hostPath(s.hostA), role, std::nullopt, Json::object()).first, 403);
    EXPECT_EQ(s.call("DELETE", s.hostPath(s.hostA), role).first, 403);
    EXPECT_EQ(s.call("GET", s.tenantPath(s.tenantA), role, std::vector<store::Id>{s.tenantA}).first,
              200);
  }
  EXPECT_EQ(s.call("PUT", s.tenantPath(s.tenantA), Role::kTechnician, std::nullopt, enabledPolicy())
                .first,
            200);
}

TEST(BackupPolicyRoutes, ScopedToTheCallersTenants) {
  Server s;
  std::vector<store::Id> onlyA{s.tenantA};
  EXPECT_EQ(s.call("GET", s.tenantPath(s.tenantB), Role::kTechnician, onlyA).first, 404);
  EXPECT_EQ(s.call("GET", s.hostPath(s.hostB), Role::kTechnician, onlyA).first, 404);
  EXPECT_EQ(s.call("PUT", s.tenantPath(s.tenantB), Role::kTechnician, onlyA, enabledPolicy()).first,
            404);
  EXPECT_EQ(s.call("PUT", s.hostPath(s.hostB), Role::kTechnician, onlyA,
                   Json{{"schedule", {{"kind", "every"}, {"hours", 2}}}})
                .first,
            404);
  EXPECT_FALSE(s.backups->policies().store().tenantPolicy(s.tenantB).has_value());
  EXPECT_FALSE(s.backups->policies().store().hostPolicy(s.hostB).has_value());
}

TEST(BackupPolicyRoutes, BadInputChangesNothing) {
  Server s;
  ASSERT_EQ(s.call("PUT", s.tenantPath(s.tenantA), Role::kTechnician, std::nullopt, enabledPolicy())
                .first,
            200);
  auto before = s.backups->policies().store().tenantPolicy(s.tenantA);
  Json bad = enabledPolicy();
  bad["retention"] = Json{{"daily", 14}, {"weekly", -1}};
  auto [status, body] =
      s.call("PUT", s.tenantPath(s.tenantA), Role::kTechnician, std::nullopt, bad);
  EXPECT_EQ(status, 400);
  EXPECT_NE(body["message"].get<std::string>().find("retention.weekly"), std::string::npos);
  EXPECT_EQ(s.backups->policies().store().tenantPolicy(s.tenantA)->policy, before->policy);
  // A host override that would enable backups without folders on a tenant without any.
  EXPECT_EQ(
      s.call("PUT", s.hostPath(s.hostB), Role::kTechnician, std::nullopt, Json{{"enabled", true}})
          .first,
      400);
  EXPECT_FALSE(s.backups->policies().store().hostPolicy(s.hostB).has_value());
  EXPECT_EQ(s.call("DELETE", s.hostPath(s.hostA), Role::kTechnician).first, 404);
}

TEST(BackupPolicyRoutes, OnlyAnAdministratorLiftsALegalHold) {
  Server s;
  Json held = enabledPolicy();
  held["legal_hold"] = true;
  ASSERT_EQ(s.call("PUT", s.tenantPath(s.tenantA), Role::kTechnician, std::nullopt, held).first,
            200);
  Json lifted = enabledPolicy();
  EXPECT_EQ(s.call("PUT", s.tenantPath(s.tenantA), Role::kTechnician, std::nullopt, lifted).first,
            403);
  EXPECT_TRUE(s.backups->policies().tenantPolicy(s.tenantA).legalHold);
  EXPECT_EQ(
      s.call("PUT", s.tenantPath(s.tenantA), Role::kAdministrator, std::nullopt, lifted).first,
      200);
  EXPECT_FALSE(s.backups->policies().tenantPolicy(s.tenantA).legalHold);
  store::AuditQuery q;
  q.action = "backup.policy.tenant";
  auto audit = s.store->queryAudit(q);
  ASSERT_EQ(audit.size(), 3u);
  EXPECT_EQ(audit[1].result, "refused");
}

TEST(BackupPolicyRoutes, VerifyNeedsARepositoryAndReports) {
  Server s;
  const std::string path = "/api/v1/tenants/" + std::to_string(s.tenantA) + "/backups/verify";
  EXPECT_EQ(s.call("POST", path, Role::kTechnician).first, 404);
  EXPECT_EQ(s.call("POST", path, Role::kHelpdesk).first, 403);
  s.repos->create(s.tenantA, "check");
  auto [status, body] = s.call("POST", path, Role::kTechnician, std::nullopt, Json{{"seconds", 5}});
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_TRUE(body["ok"].get<bool>());
  EXPECT_TRUE(body["complete"].get<bool>());
  EXPECT_EQ(s.call("POST", path, Role::kTechnician, std::nullopt, Json{{"seconds", 0}}).first, 400);
}

}  // namespace
}  // namespace parc::server::api
