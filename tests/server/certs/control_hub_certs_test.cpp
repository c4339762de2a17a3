// The control hub against revocation, expiry and renewal, with a real SQLite store and
// a recording connection in place of the network.
#include <gtest/gtest.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>

#include "server/control/control_hub.h"
#include "server/store/sqlite/sqlite_store.h"

namespace parc::server::control {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class RecordingConnection : public net::WsConnection {
 public:
  void send(std::string text) override { sent.push_back(std::move(text)); }
  void close() override { ++closes; }
  std::vector<std::string> sent;
  int closes = 0;
};

class HubCertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("parc-hubcerts-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    store_ = std::make_unique<store::SqliteStore>(dir_ / "parc.db");
    auto tenant = store_->createTenant("Mairie de Rodez", "12202", 1000);
    store::EnrollmentToken t;
    t.tenantId = tenant.id;
    t.prefix = "parc_enr_x";
    t.createdAt = 1000;
    t.expiresAt = now() + 3600;
    t.maxUses = 5;
    store_->createToken(t, "hash");
    host_ =
        *store_->enrollHost("hash", now(), {"uid-1", "pc-1", "dev-1", "fp-1", "01", now() + 3600})
             .host;
    // Sweeps only when the test asks (an hour between automatic ones).
    hub_ = std::make_unique<ControlHub>(*store_, 1h, 60s, 1h);
  }
  void TearDown() override {
    hub_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  static store::Time now() { return static_cast<store::Time>(std::time(nullptr)); }

  // Upgrades and opens a channel as the holder of `fingerprint`.
  std::shared_ptr<RecordingConnection> connect(const std::string& fingerprint) {
    net::Request req;
    req.method = "GET";
    req.target = "/api/v1/control";
    req.peer = {true, true, fingerprint, "uid-1", "01"};
    auto decision = hub_->upgrade(req);
    if (!decision.accept) return nullptr;
    handlers_ = *decision.accept;
    auto c = std::make_shared<RecordingConnection>();
    handlers_.onOpen(c);
    return c;
  }

  fs::path dir_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<ControlHub> hub_;
  store::Host host_;
  net::WsHandlers handlers_;
};

TEST_F(HubCertsTest, BrowsersCannotOpenTheControlChannel) {
  net::Request req;
  req.method = "GET";
  req.target = "/api/v1/control";
  req.peer = {true, true, "fp-1", "uid-1", "01"};
  req.headers["origin"] = "https://evil.example";
  auto decision = hub_->upgrade(req);
  EXPECT_FALSE(decision.accept);
  EXPECT_EQ(decision.refusal.status, 403);
  req.headers.erase("origin");
  EXPECT_TRUE(hub_->upgrade(req).accept);  // the same agent without an Origin is accepted
}

TEST_F(HubCertsTest, SweepClosesTheChannelOfARevokedHost) {
  auto c = connect("fp-1");
  ASSERT_TRUE(c);
  EXPECT_EQ(hub_->sweep(), 0u);
  EXPECT_EQ(c->closes, 0);
  ASSERT_TRUE(store_->revokeHost(host_.id));
  EXPECT_EQ(hub_->sweep(), 1u);
  EXPECT_EQ(c->closes, 1);
  // And a new channel is refused.
  EXPECT_FALSE(connect("fp-1"));
}

TEST_F(HubCertsTest, SweepClosesAChannelWhoseCertificateExpired) {
  auto expired =
      store_->enrollHost("hash", now(), {"uid-2", "pc-2", "dev-2", "fp-old", "09", now() - 1}).host;
  ASSERT_TRUE(expired);
  auto c = connect("fp-old");
  ASSERT_TRUE(c);
  auto live = connect("fp-1");
  EXPECT_EQ(hub_->sweep(), 1u);
  EXPECT_EQ(c->closes, 1);
  EXPECT_EQ(live->closes, 0);
}

TEST_F(HubCertsTest, SweepClosesAChannelWhoseCertificateIsNoLongerTheHosts) {
  auto c = connect("fp-1");
  ASSERT_TRUE(c);
  store_->renewHostCertificate(host_.id, "fp-2", "02", now() + 3600);
  store_->renewHostCertificate(host_.id, "fp-3", "03", now() + 3600);  // fp-1 now unknown
  EXPECT_EQ(hub_->sweep(), 1u);
  EXPECT_EQ(c->closes, 1);
}

TEST_F(HubCertsTest, DisconnectClosesOnlyALiveChannel) {
  EXPECT_FALSE(hub_->disconnect(host_.id));
  auto c = connect("fp-1");
  EXPECT_TRUE(hub_->disconnect(host_.id));
  EXPECT_EQ(c->closes, 1);
}

TEST_F(HubCertsTest, FirstUseOfTheRenewedCertificateEndsTheOverlap) {
  store_->renewHostCertificate(host_.id, "fp-2", "02", now() + 3600);
  ASSERT_TRUE(connect("fp-1"));  // the previous one, during the overlap
  EXPECT_EQ(store_->findHost(host_.id)->previousFingerprint, "fp-1");
  ASSERT_TRUE(connect("fp-2"));
  EXPECT_EQ(store_->findHost(host_.id)->previousFingerprint, "");
  EXPECT_FALSE(connect("fp-1"));
}

TEST_F(HubCertsTest, HelloReportsTheAnchorsTheAgentKnows) {
  ASSERT_TRUE(connect("fp-1"));
  handlers_.onMessage(R"({"v":1,"type":"hello","agent_version":"1.0",)"
                      R"("trust_anchors":["aa","bb"]})");
  auto reported = hub_->reportedAnchors();
  ASSERT_EQ(reported.count(host_.id), 1u);
  EXPECT_EQ(reported[host_.id], (std::vector<std::string>{"aa", "bb"}));
}

}  // namespace
}  // namespace parc::server::control
