// "Tester" on a notification channel, through the real server: the test message reaches
// the real SMTP server and an HTTPS webhook receiver on 127.0.0.1; a channel pointing at
// a closed port answers 502 with the notifier's reason (no secret in it) and changes
// nothing; read-only users are refused, other communes' channels do not exist; and a
// channel whose address the allow-list no longer covers is refused by the SSRF guard.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/crypto/x509.h"
#include "common/error.h"
#include "common/files/files.h"
#include "common/net/client.h"
#include "common/net/server.h"
#include "server/alerts/health_service.h"
#include "server/alerts/notifiers/notifier.h"
#include "tests/alerts/smtp_server.h"
#include "tests/common/https_receiver.h"
#include "tests/common/test_pki.h"
#include "tests/integration/console_api.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kSmtpPassword = "s3cret-pass";
constexpr const char* kWebhookSecret = "webhook-secret-0123456789";
constexpr const char* kStrongPassword = "Canaux-Aveyron-2026!x";

const parc::testing::TestPki& pki() {
  return testPki();
}

// The real SMTP server of the e-mail tests (tests/alerts/smtp_server.h), with this
// file's password.
struct SmtpServer : parc::testing::SmtpServer {
  explicit SmtpServer(const fs::path& dir) : parc::testing::SmtpServer(dir, kSmtpPassword) {}
};

// An HTTPS receiver on 127.0.0.1 that records what it gets (tests/common).
using Receiver = parc::testing::HttpsReceiver;

class ChannelTest : public ::testing::Test, protected ConsoleApi {
 protected:
  void SetUp() override {
    // The receivers live on 127.0.0.1: allowed explicitly, as an administrator would.
    files::writeAtomic(tmp.path() / "server.toml",
                       "[health]\noutgoing_allow = [\"127.0.0.1/32\"]\n", 0600);
    server = std::make_unique<ServerFixture>(
        tmp.path() / "server", 0, 0,
        std::vector<std::string>{"--config", (tmp.path() / "server.toml").string()});
    connect(*server, 60s);
    admin = login("admin", server->adminPassword);
    millau = ok("POST", "/api/v1/tenants", admin,
                Json{{"name", "Mairie de Millau"}, {"insee_code", "12145"}})["id"];
    mende = ok("POST", "/api/v1/tenants", admin,
               Json{{"name", "Mairie de Mende"}, {"insee_code", "48095"}})["id"];
  }

  std::string userToken(const std::string& name, const std::string& role, const Json& tenants) {
    ok("POST", "/api/v1/users", admin,
       Json{{"username", name},
            {"password", kStrongPassword},
            {"role", role},
            {"tenants", tenants}});
    return login(name, kStrongPassword);
  }
  Json emailSettings(int port) {
    return Json{{"host", "127.0.0.1"},
                {"port", port},
                {"tls", "starttls"},
                {"username", "helpdesk"},
                {"password", kSmtpPassword},
                {"from", "parc@millau.example"},
                {"to", {"support@millau.example"}},
                {"ca_pem", pki().caPem}};
  }
  std::int64_t createChannel(std::int64_t tenant, const std::string& kind, const std::string& name,
                             const Json& settings) {
    return ok(
        "POST", "/api/v1/channels", admin,
        Json{{"tenant_id", tenant}, {"kind", kind}, {"name", name}, {"settings", settings}})["id"];
  }
  Json auditOf(const std::string& action) {
    return ok("GET", "/api/v1/audit?action=" + action + "&limit=20", admin)["items"];
  }
  std::string testPath(std::int64_t id) {
    return "/api/v1/channels/" + std::to_string(id) + "/test";
  }

  TempDir tmp;
  std::unique_ptr<ServerFixture> server;
  std::string admin;
  std::int64_t millau = 0, mende = 0;
};

TEST_F(ChannelTest, EmailTestMessageArrivesInFrenchAndIsAudited) {
  SmtpServer smtp(tmp.path());
  std::int64_t id = createChannel(millau, "email", "Support Millau", emailSettings(smtp.port()));
  std::string tech = userToken("tech", "technician", Json::array({millau}));

  net::Response r = call("POST", testPath(id), tech, Json::object());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parseJson(r.body), (Json{{"ok", true}}));
  // Synchronous: the message is there when the answer is.
  auto mails = smtp.messages();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0]["subject"], "Parc : notification de test");
  EXPECT_EQ(mails[0]["rcpt_tos"], Json::array({"support@millau.example"}));
  std::string body = mails[0]["body"];
  EXPECT_NE(body.find("notification de test du canal « Support Millau »"), std::string::npos)
      << body;
  EXPECT_NE(body.find("user:tech"), std::string::npos) << body;
  EXPECT_TRUE(mails[0]["tls"].get<bool>());
  EXPECT_TRUE(mails[0]["authenticated"].get<bool>());

  Json audit = auditOf("channel.test");
  ASSERT_EQ(audit.size(), 1u) << audit.dump();
  EXPECT_EQ(audit[0]["actor"], "user:tech");
  EXPECT_EQ(audit[0]["target"], "channel:" + std::to_string(id));
  EXPECT_EQ(audit[0]["result"], "ok");
  // A test is not an alert: nothing was queued, nothing opened.
  EXPECT_TRUE(ok("GET", "/api/v1/alerts?state=open", admin)["items"].empty());
}

TEST_F(ChannelTest, WebhookTestMessageIsSignedAndSaysItIsATest) {
  Receiver hook;
  std::int64_t id = createChannel(millau, "webhook", "Astreinte",
                                  Json{{"url", hook.url("/parc?source=millau")},
                                       {"secret", kWebhookSecret},
                                       {"ca_pem", pki().caPem}});
  net::Response r = call("POST", testPath(id), admin, Json::object());
  ASSERT_EQ(r.status, 200) << r.body;
  auto got = hook.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].target, "/parc?source=millau");
  EXPECT_EQ(got[0].header("x-parc-event"), "test");
  std::string ts = got[0].header("x-parc-timestamp");
  EXPECT_EQ(
      got[0].header("x-parc-signature"),
      "sha256=" + server::alerts::notifiers::hmacSha256Hex(kWebhookSecret, ts + "." + got[0].body));
  Json doc = parseJson(got[0].body);
  EXPECT_EQ(doc["event"], "test");
  EXPECT_EQ(doc["subject"], "Parc : notification de test");
  EXPECT_EQ(doc["tenant_id"], millau);
  EXPECT_FALSE(doc.contains("alert"));
}

TEST_F(ChannelTest, ClosedPortAnswers502WithTheReasonAndChangesNothing) {
  std::int64_t id =
      createChannel(millau, "email", "Relais éteint", emailSettings(freeLoopbackPort()));
  std::int64_t hookId =
      createChannel(millau, "webhook", "Webhook éteint",
                    Json{{"url", "https://127.0.0.1:" + std::to_string(freeLoopbackPort()) + "/x"},
                         {"secret", kWebhookSecret}});
  Json before = ok("GET", "/api/v1/channels", admin);

  net::Response r = call("POST", testPath(id), admin, Json::object());
  ASSERT_EQ(r.status, 502) << r.body;
  Json err = parseJson(r.body);
  EXPECT_EQ(err["ok"], false);
  EXPECT_EQ(err["error"], "channel_test_failed");
  std::string message = err["message"];
  EXPECT_NE(message.find("SMTP: cannot connect to 127.0.0.1"), std::string::npos) << message;
  EXPECT_EQ(r.body.find(kSmtpPassword), std::string::npos);

  net::Response h = call("POST", testPath(hookId), admin, Json::object());
  ASSERT_EQ(h.status, 502) << h.body;
  EXPECT_FALSE(parseJson(h.body)["message"].get<std::string>().empty());
  EXPECT_EQ(h.body.find(kWebhookSecret), std::string::npos);

  // The channels are as they were (not disabled, nothing stored), and the failures audited.
  EXPECT_EQ(ok("GET", "/api/v1/channels", admin), before);
  Json audit = auditOf("channel.test");
  ASSERT_EQ(audit.size(), 2u) << audit.dump();
  for (const auto& a : audit) {
    EXPECT_EQ(a["result"], "failed");
    EXPECT_EQ(a.dump().find(kSmtpPassword), std::string::npos);
  }
}

// A GLPI that echoes the tokens it was sent in its error: the answer and the audit log
// show "********" instead.
TEST_F(ChannelTest, GlpiErrorEchoingTheTokensIsScrubbed) {
  const std::string appToken = "app-token-tres-secret-42", userToken = "user-token-secret-43";
  Receiver glpi(
      401, "[\"ERROR_GLPI_LOGIN_USER_TOKEN\",\"refused: " + userToken + " for " + appToken + "\"]");
  std::int64_t id = createChannel(millau, "glpi", "GLPI coopérative",
                                  Json{{"url", glpi.url("/apirest.php")},
                                       {"app_token", appToken},
                                       {"user_token", userToken},
                                       {"ca_pem", pki().caPem}});
  net::Response r = call("POST", testPath(id), admin, Json::object());
  ASSERT_EQ(r.status, 502) << r.body;
  std::string message = parseJson(r.body)["message"];
  EXPECT_NE(message.find("GLPI GET /initSession answered HTTP 401"), std::string::npos) << message;
  EXPECT_NE(message.find("refused: ******** for ********"), std::string::npos) << message;
  EXPECT_EQ(r.body.find(userToken), std::string::npos);
  EXPECT_EQ(r.body.find(appToken), std::string::npos);
  ASSERT_EQ(glpi.requests().size(), 1u);  // initSession only: a test opens no ticket
  Json audit = auditOf("channel.test");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].dump().find(userToken), std::string::npos);
}

TEST_F(ChannelTest, GlpiTestOpensASessionAndNoTicket) {
  Receiver glpi(200, "{\"session_token\": \"s-1\"}");
  std::int64_t id = createChannel(millau, "glpi", "GLPI coopérative",
                                  Json{{"url", glpi.url("/apirest.php")},
                                       {"app_token", "app-token-0123456789"},
                                       {"user_token", "user-token-0123456789"},
                                       {"ca_pem", pki().caPem}});
  net::Response r = call("POST", testPath(id), admin, Json::object());
  ASSERT_EQ(r.status, 200) << r.body;
  auto got = glpi.requests();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].target, "/apirest.php/initSession");
  EXPECT_EQ(got[0].header("authorization"), "user_token user-token-0123456789");
  EXPECT_EQ(got[1].target, "/apirest.php/killSession");
  EXPECT_EQ(got[1].header("session-token"), "s-1");
}

TEST_F(ChannelTest, ReadOnlyIsRefusedAndOtherCommunesChannelsDoNotExist) {
  Receiver hook;
  std::int64_t id = createChannel(
      millau, "webhook", "Astreinte",
      Json{{"url", hook.url("/x")}, {"secret", kWebhookSecret}, {"ca_pem", pki().caPem}});
  std::string reader = userToken("lecteur", "read_only", nullptr);
  net::Response r = call("POST", testPath(id), reader, Json::object());
  EXPECT_EQ(r.status, 403) << r.body;
  // A technician of Mende: Millau's channel reads as missing, like an unknown id.
  std::string mendeTech = userToken("tech-mende", "technician", Json::array({mende}));
  EXPECT_EQ(call("POST", testPath(id), mendeTech, Json::object()).status, 404);
  EXPECT_EQ(call("POST", testPath(999999), admin, Json::object()).status, 404);
  EXPECT_TRUE(hook.requests().empty());
  EXPECT_TRUE(auditOf("channel.test").empty());
}

// Without the server (the guard is the notifiers' own): a channel saved while its
// address was allowed is refused once the administrator narrowed the allow-list.
TEST(ChannelTestGuard, AnInternalAddressNoLongerAllowedIsRefused) {
  Receiver hook;
  server::alerts::HealthSettings settings;  // empty allow-list
  auto health = server::alerts::HealthService::inMemory(settings);
  server::alerts::Channel c;
  c.tenantId = 1;
  c.kind = "webhook";
  c.name = "ancien";
  c.settings = Json{{"url", hook.url("/x")}, {"secret", kWebhookSecret}, {"ca_pem", pki().caPem}};
  c.id = health->alerts().createChannel(c);  // stored as it was when 127.0.0.1 was allowed
  try {
    health->testChannel(c, "user:admin", std::time(nullptr));
    ADD_FAILURE() << "a loopback webhook was tested";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kForbidden);
    EXPECT_NE(std::string(e.what()).find("internal address"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(hook.requests().empty());
}

}  // namespace
}  // namespace parc::testing
