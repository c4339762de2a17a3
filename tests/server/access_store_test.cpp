// The store's side of trust: tenant scopes, accounts, API tokens, the hosts query, the
// re-enrolment match, and the hash-chained audit log with its retention.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/crypto/hash.h"
#include "common/crypto/password.h"
#include "common/error.h"
#include "common/sqlite/database.h"
#include "server/auth/audit_log.h"
#include "server/auth/audit_retention.h"
#include "server/auth/sessions.h"
#include "server/security/totp.h"
#include "server/store/sqlite/sqlite_store.h"

namespace parc::server::store {
namespace {

class AccessStore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("parc-access-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = std::make_unique<SqliteStore>(dir_ / "parc.db");
    a_ = store_->createTenant("Mairie d'Espalion", "12096", 1000);
    b_ = store_->createTenant("Mairie de Laguiole", "12119", 1000);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  Host enrol(const Tenant& t, const std::string& uid, const std::string& device) {
    EnrollmentToken tok;
    tok.tenantId = t.id;
    tok.prefix = "p";
    tok.createdAt = 1000;
    tok.expiresAt = 99999;
    tok.maxUses = 1;
    store_->createToken(tok, "hash-" + uid);
    auto out = store_->enrollHost("hash-" + uid, 2000,
                                  NewHost{uid, "pc-" + uid, device, "fp-" + uid, "01", 99999});
    return *out.host;
  }

  void audit(const std::string& action, Time at, std::optional<Id> tenant = std::nullopt) {
    AuditEntry e;
    e.at = at;
    e.actor = "user:admin";
    e.action = action;
    e.result = "ok";
    e.tenantId = tenant;
    store_->appendAudit(e);
  }

  std::filesystem::path dir_;
  std::unique_ptr<SqliteStore> store_;
  Tenant a_, b_;
};

TEST_F(AccessStore, ScopedListingsShowOnlyTheirTenants) {
  enrol(a_, "a1", "da1");
  enrol(b_, "b1", "db1");
  TenantScope onlyA{std::vector<Id>{a_.id}};
  EXPECT_EQ(store_->listTenants(onlyA).size(), 1u);
  EXPECT_EQ(store_->listTenants(TenantScope{}).size(), 2u);
  EXPECT_EQ(store_->listTokens(onlyA).size(), 1u);
  HostQuery q;
  q.scope = onlyA;
  auto page = store_->queryHosts(q);
  ASSERT_EQ(page.total, 1);
  EXPECT_EQ(page.items[0].uid, "a1");
  q.scope = TenantScope{std::vector<Id>{}};  // staff without a tenant: nothing
  EXPECT_EQ(store_->queryHosts(q).total, 0);
}

TEST_F(AccessStore, HostsQueryPagesSortsAndSearchesInventoryTerms) {
  for (int i = 0; i < 25; ++i) enrol(a_, "h" + std::to_string(100 + i), "d" + std::to_string(i));
  HostQuery q;
  q.limit = 10;
  q.offset = 20;
  auto page = store_->queryHosts(q);
  EXPECT_EQ(page.total, 25);
  ASSERT_EQ(page.items.size(), 5u);
  EXPECT_EQ(page.items[0].hostname, "pc-h120");
  q.offset = 0;
  q.descending = true;
  EXPECT_EQ(store_->queryHosts(q).items[0].hostname, "pc-h124");

  // An inventory's people, addresses and software become searchable.
  Host h = store_->queryHosts(HostQuery{}).items[0];
  IncomingMessage m;
  m.id = "inv-1";
  m.type = "inventory";
  m.createdAt = 2000;
  m.payload = "{}";
  InventoryWrite w;
  w.hostId = h.id;
  w.messageId = "inv-1";
  w.document = R"({"system":{"hostname":"pc-h100","product_serial":"SN-4242"},
    "users":{"users":[{"name":"mdupont","full_name":"Marie Dupont","system":false},
                      {"name":"daemon","system":true}]},
    "network":[{"mac":"aa:bb:cc:dd:ee:ff","addresses":[{"address":"192.168.10.23"}]}],
    "software":[{"name":"LibreOffice"},{"name":"Berger-Levrault e.magnus"}]})";
  w.receivedAt = 2000;
  w.hostname = "pc-h100";
  m.inventory = w;
  store_->storeMessages(h.id, {m}, 2000);
  for (std::string text :
       {"dupont", "Marie", "192.168.10", "aa:bb:cc", "libreoff", "SN-4242", "magnus berger"}) {
    HostQuery s;
    s.text = text;
    EXPECT_EQ(store_->queryHosts(s).total, 1) << text;
  }
  HostQuery commune;
  commune.text = "Espalion";  // the tenant's name finds its PCs
  EXPECT_EQ(store_->queryHosts(commune).total, 25);
  HostQuery none;
  none.text = "daemon";  // system accounts are not people
  EXPECT_EQ(store_->queryHosts(none).total, 0);
  none.text = "\"unbalanced OR NEAR(";  // FTS syntax from a person is only text
  EXPECT_EQ(store_->queryHosts(none).total, 0);
}

TEST_F(AccessStore, ReinstalledPcIsMatchedAndMergedOnlyOnApproval) {
  Host old = enrol(a_, "old", "device-1");
  EXPECT_FALSE(old.matchHostId);
  Host other = enrol(b_, "other", "device-1");  // same device id in another tenant: no match
  EXPECT_FALSE(other.matchHostId);
  Host fresh = enrol(a_, "new", "device-1");
  ASSERT_TRUE(fresh.matchHostId);
  EXPECT_EQ(*fresh.matchHostId, old.id);
  EXPECT_FALSE(store_->approveHostMatch(old.id));  // the old one has nothing pending
  ASSERT_TRUE(store_->approveHostMatch(fresh.id));
  EXPECT_FALSE(store_->findHost(fresh.id));
  auto merged = store_->findHost(old.id);
  ASSERT_TRUE(merged);
  EXPECT_EQ(merged->uid, "new");
  EXPECT_EQ(merged->certFingerprint, "fp-new");
  EXPECT_EQ(store_->findHostByFingerprint("fp-new")->id, old.id);
  EXPECT_FALSE(store_->findHostByFingerprint("fp-old"));

  Host again = enrol(a_, "again", "device-1");
  ASSERT_TRUE(again.matchHostId);
  EXPECT_TRUE(store_->rejectHostMatch(again.id));
  EXPECT_FALSE(store_->findHost(again.id)->matchHostId);
  EXPECT_EQ(store_->queryHosts(HostQuery{}).total, 3);
}

TEST_F(AccessStore, RenewedCertificateOverlapsUntilForgotten) {
  Host h = enrol(a_, "r", "dev-r");
  store_->renewHostCertificate(h.id, "fp-r2", "02", 199999);
  EXPECT_EQ(store_->findHostByFingerprint("fp-r")->id, h.id);
  EXPECT_EQ(store_->findHostByFingerprint("fp-r2")->id, h.id);
  store_->forgetPreviousCertificate(h.id);
  EXPECT_FALSE(store_->findHostByFingerprint("fp-r"));
  EXPECT_TRUE(store_->revokeHost(h.id));
  EXPECT_TRUE(store_->findHost(h.id)->revoked);
}

TEST_F(AccessStore, UsersKeepScopeStateAndSecondFactor) {
  User u = store_->createUser("staff", "$argon2id$x", Role::kTownHallStaff, 1000);
  EXPECT_THROW(store_->createUser("staff", "h", Role::kReadOnly, 1000), Error);
  u.allTenants = false;
  u.tenants = {a_.id};
  u.totpSecret = "JBSWY3DPEHPK3PXP";
  u.totpLastStep = 42;
  store_->updateUser(u);
  User back = *store_->findUserByName("staff");
  EXPECT_EQ(back.tenants, std::vector<Id>{a_.id});
  EXPECT_FALSE(back.allTenants);
  EXPECT_EQ(back.totpSecret, "JBSWY3DPEHPK3PXP");
  EXPECT_EQ(back.totpLastStep, 42);
  EXPECT_EQ(TenantScope::of(back).tenants, std::vector<Id>{a_.id});
  // Town-hall staff are scoped even if the flag says all tenants.
  back.allTenants = true;
  EXPECT_TRUE(TenantScope::of(back).tenants.has_value());
  store_->createSession({"s1", u.id, 1000, 1000, 9000});
  store_->createSession({"s2", u.id, 1000, 1000, 9000});
  store_->deleteSessionsOfUser(u.id);
  EXPECT_FALSE(store_->findSession("s1"));
  EXPECT_FALSE(store_->findSession("s2"));
}

TEST_F(AccessStore, ApiTokensActWithTheLesserRoleAndStopWhenRevokedOrExpired) {
  auth::SessionManager sessions(*store_, 3600, 86400);
  User tech = store_->createUser("tech", "h", Role::kTechnician, 1000);
  ApiToken t;
  t.userId = tech.id;
  t.name = "script";
  t.prefix = "parc_api_x";
  t.role = Role::kAdministrator;  // more than its owner: capped at use
  t.createdAt = 1000;
  t.expiresAt = 5000;
  t = store_->createApiToken(t, crypto::hashSecret("parc_api_secret"));
  auto p = sessions.authenticateApiToken("parc_api_secret", 2000);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->user.role, Role::kTechnician);
  EXPECT_EQ(*p->apiTokenId, t.id);
  EXPECT_FALSE(sessions.authenticateApiToken("parc_api_secret", 5000));  // expired
  EXPECT_FALSE(sessions.authenticate("parc_api_secret", 2000));          // not a session
  store_->revokeApiToken(t.id);
  EXPECT_FALSE(sessions.authenticateApiToken("parc_api_secret", 2000));
}

TEST_F(AccessStore, LoginNeedsTheSecondFactorOnceEnabledAndRefusesReplays) {
  auth::SessionManager sessions(*store_, 3600, 86400);
  User u = store_->createUser("admin", crypto::hashPassword("Cassoulet-Aveyron-2026!"),
                              Role::kAdministrator, 1000);
  u.totpSecret = security::newTotpSecret();
  store_->updateUser(u);
  std::string key = security::base32Decode(u.totpSecret);
  auth::LoginRequest r{"admin", "Cassoulet-Aveyron-2026!", "", "10.0.0.1", 1'800'000'000};
  EXPECT_EQ(sessions.login(r).failure, auth::LoginFailure::kTotpRequired);
  r.totpCode = security::totp(key, r.now);
  auto ok = sessions.login(r);
  ASSERT_EQ(ok.failure, auth::LoginFailure::kNone);
  EXPECT_EQ(ok.csrfToken, auth::SessionManager::csrfTokenFor(ok.token));
  EXPECT_EQ(sessions.login(r).failure, auth::LoginFailure::kTotpInvalid);  // replayed
  r.password = "wrong";
  EXPECT_EQ(sessions.login(r).failure, auth::LoginFailure::kBadCredentials);
}

TEST_F(AccessStore, AuditChainVerifiesAndNamesTheTamperedRecord) {
  for (int i = 0; i < 5; ++i) audit("action." + std::to_string(i), 1000 + i);
  auto v = auth::verifyAuditLog(*store_);
  ASSERT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.records, 5);
  // Someone with the database file edits a record behind the triggers' back.
  {
    sqlite::Database raw = sqlite::Database::open(dir_ / "parc.db");
    raw.exec("DROP TRIGGER audit_log_no_update");
    raw.exec("UPDATE audit_log SET result = 'forged' WHERE id = 3");
  }
  v = auth::verifyAuditLog(*store_);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.firstBadId, 3);
}

TEST_F(AccessStore, AuditHeadKeptElsewhereCatchesRemovedNewestRecords) {
  for (int i = 0; i < 4; ++i) audit("a", 1000 + i);
  std::string head = auth::verifyAuditLog(*store_).head;
  EXPECT_TRUE(auth::verifyAuditLog(*store_, head).ok);
  audit("b", 2000);
  EXPECT_TRUE(auth::verifyAuditLog(*store_, head).ok);  // an older head is still in the chain
  {
    sqlite::Database raw = sqlite::Database::open(dir_ / "parc.db");
    raw.exec("UPDATE audit_gate SET open = 1");
    raw.exec("DELETE FROM audit_log WHERE id >= 4");
    raw.exec("UPDATE audit_gate SET open = 0");
  }
  EXPECT_TRUE(auth::verifyAuditLog(*store_).ok);  // a shorter chain is still a chain…
  EXPECT_FALSE(auth::verifyAuditLog(*store_, std::string(64, 'f')).ok);  // …but not the head
}

TEST_F(AccessStore, RetentionRemovesTheOldestAndTheChainStillVerifies) {
  for (int i = 0; i < 10; ++i) audit("a", 1000 + i * 100, a_.id);
  EXPECT_EQ(store_->purgeAudit(1500), 5);
  auto v = auth::verifyAuditLog(*store_);
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.records, 5);
  EXPECT_EQ(v.firstId, 6);
  EXPECT_EQ(store_->auditCheckpoint().lastId, 5);
  audit("after", 5000);
  EXPECT_TRUE(auth::verifyAuditLog(*store_).ok);
  // Deleting outside the purge is still refused.
  sqlite::Database raw = sqlite::Database::open(dir_ / "parc.db");
  EXPECT_THROW(raw.exec("DELETE FROM audit_log WHERE id = 7"), Error);
  // Scoped readers see only their tenant's entries.
  AuditQuery q;
  q.scope = TenantScope{std::vector<Id>{b_.id}};
  EXPECT_TRUE(store_->queryAudit(q).empty());
  q.scope = TenantScope{std::vector<Id>{a_.id}};
  EXPECT_EQ(store_->queryAudit(q).size(), 5u);
  // The retention worker purges by age and audits its own pass.
  auth::AuditRetention retention(*store_, 0);        // 0: no thread, one pass by hand below
  EXPECT_EQ(retention.purgeOnce(1'800'000'000), 0);  // 0 days: keep everything
  EXPECT_EQ(auth::verifyAuditLog(*store_).records, 6);
  // The export carries its checkpoint and head.
  std::string exported = auth::exportAuditLog(*store_);
  EXPECT_NE(exported.find("\"last_id\":5"), std::string::npos);
  EXPECT_NE(exported.find("\"head\""), std::string::npos);
}

}  // namespace
}  // namespace parc::server::store
