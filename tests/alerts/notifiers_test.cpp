// The three channels against real receivers on 127.0.0.1: an SMTP server (Debian's
// python3-aiosmtpd, STARTTLS and AUTH required), an HTTPS webhook receiver that checks
// the signature, and an HTTPS receiver that checks each request against GLPI's REST
// API; plus the SSRF guard, and a notifier that is down (delayed, nothing lost).
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/crypto/x509.h"
#include "common/error.h"
#include "common/net/server.h"
#include "server/alerts/health_service.h"
#include "server/alerts/notifiers/outgoing.h"
#include "tests/alerts/glpi_rest_receiver.h"
#include "tests/alerts/smtp_server.h"
#include "tests/common/https_receiver.h"
#include "tests/common/test_pki.h"

namespace parc::server::alerts {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
constexpr Time kT0 = 1795950000;

using parc::testing::testPki;
const parc::testing::TestPki& pki() {
  return testPki();
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("parc-alerts-" + std::to_string(getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

// The real SMTP server of the e-mail tests (tests/alerts/smtp_server.h), with this
// file's password.
struct SmtpServer : parc::testing::SmtpServer {
  explicit SmtpServer(const fs::path& dir) : parc::testing::SmtpServer(dir, "s3cret-pass") {}
};

// An HTTPS receiver on 127.0.0.1 that records what it gets (tests/common).
using Receiver = parc::testing::HttpsReceiver;

net::Response json(int status, const Json& body) {
  net::Response r;
  r.status = status;
  r.headers["content-type"] = "application/json";
  r.body = body.dump();
  return r;
}

Json diskBatch(Time t, double pct) {
  return Json{{"version", 1},
              {"collected_at", t},
              {"interval_seconds", 60},
              {"metrics", {{{"name", "disk.used_pct"}, {"subject", "/"}, {"value", pct}}}}};
}

HealthSettings settings() {
  HealthSettings s;
  s.consoleUrl = "https://parc.example.fr:8444/";
  s.outgoingAllow = {"127.0.0.1/32"};
  return s;
}

// The per-kind counters of /metrics (kChannelKinds) cover every notifier, in its order:
// a notifier added without its counters would have its failures counted nowhere.
TEST(Channels, EveryNotifierHasItsFailureCounters) {
  std::vector<std::string> kinds;
  for (const auto& n : notifiers::allNotifiers({})) kinds.emplace_back(n->kind());
  EXPECT_EQ(kinds, std::vector<std::string>(kChannelKinds.begin(), kChannelKinds.end()));
}

TEST(OutgoingGuard, InternalAddressesAreRecognised) {
  for (const char* ip : {"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
                         "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00::1",
                         "::ffff:127.0.0.1", "::ffff:10.0.0.1", "224.0.0.1", "not-an-ip"}) {
    EXPECT_TRUE(notifiers::isInternalAddress(ip)) << ip;
  }
  for (const char* ip : {"8.8.8.8", "172.32.0.1", "193.51.24.1", "2001:4860:4860::8888"}) {
    EXPECT_FALSE(notifiers::isInternalAddress(ip)) << ip;
  }
}

TEST(OutgoingGuard, RefusesInternalTargetsUnlessAllowed) {
  auto refused = [](const std::string& host, const notifiers::OutgoingPolicy& p) {
    try {
      notifiers::checkOutgoing({host, 443}, p);
      return false;
    } catch (const Error& e) {
      return e.kind() == ErrorKind::kForbidden;
    }
  };
  notifiers::OutgoingPolicy none;
  EXPECT_TRUE(refused("127.0.0.1", none));
  EXPECT_TRUE(refused("localhost", none));  // by name too: the resolved address counts
  EXPECT_TRUE(refused("169.254.169.254", none));
  EXPECT_TRUE(refused("::ffff:192.168.0.10", none));
  EXPECT_FALSE(refused("127.0.0.1", {{"127.0.0.0/8"}}));
  EXPECT_FALSE(refused("localhost", {{"localhost"}}));
  EXPECT_TRUE(refused("10.0.0.5", {{"10.1.0.0/16"}}));
  EXPECT_THROW(notifiers::parseHttpsUrl("http://hooks.example.org/x"), Error);
  EXPECT_THROW(notifiers::parseHttpsUrl("https://user:pw@hooks.example.org/x"), Error);
  EXPECT_EQ(notifiers::parseHttpsUrl("https://hooks.example.org:8443/a?b=1").path, "/a?b=1");

  auto svc = HealthService::inMemory(HealthSettings{});  // no allow-list
  Channel c;
  c.tenantId = 1;
  c.kind = "webhook";
  c.name = "interne";
  c.settings = {{"url", "https://127.0.0.1:9/hook"}, {"secret", "0123456789abcdef"}};
  try {
    svc->createChannel(c);
    ADD_FAILURE() << "a loopback webhook was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kForbidden);
  }
  Channel mail;
  mail.tenantId = 1;
  mail.kind = "email";
  mail.name = "relais interne";
  mail.settings = {{"host", "127.0.0.1"},
                   {"port", 25},
                   {"from", "parc@example.fr"},
                   {"to", {"support@example.fr"}}};
  try {
    svc->createChannel(mail);  // the SMTP relay is behind the same guard
    ADD_FAILURE() << "a loopback SMTP relay was accepted without the allow-list";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kForbidden);
  }
  EXPECT_TRUE(svc->alerts().channels(std::nullopt).empty());  // nothing stored
}

TEST(Channels, BadSettingsAreRefusedAndSecretsNeverShown) {
  auto svc = HealthService::inMemory(settings());
  Channel c;
  c.tenantId = 1;
  c.kind = "email";
  c.name = "support";
  c.settings = {{"host", "smtp.example.fr"}, {"from", "parc@example.fr"}, {"to", Json::array()}};
  EXPECT_THROW(svc->createChannel(c), Error);
  c.settings["to"] = {"support@example.fr\r\nBcc: x@y"};
  EXPECT_THROW(svc->createChannel(c), Error);
  c.settings["to"] = {"support@example.fr"};
  c.settings["tls"] = "none";
  c.settings["username"] = "u";
  EXPECT_THROW(svc->createChannel(c), Error);  // no password in clear text
  c.settings.erase("tls");
  c.settings["password"] = "hunter2";
  Channel made = svc->createChannel(c);
  EXPECT_GT(made.id, 0);
  EXPECT_EQ(made.toJson()["settings"]["password"], "********");
  c.kind = "pager";
  EXPECT_THROW(svc->createChannel(c), Error);
}

struct Scenario {
  TempDir dir;
  std::unique_ptr<SmtpServer> smtp;
  std::unique_ptr<HealthService> svc;
  Id emailChannel = 0;

  Channel emailChannelFor(int port) {
    Channel c;
    c.tenantId = 10;
    c.kind = "email";
    c.name = "support";
    c.minSeverity = Severity::kWarning;
    c.settings = {{"host", "127.0.0.1"},
                  {"port", port},
                  {"tls", "starttls"},
                  {"username", "helpdesk"},
                  {"password", "s3cret-pass"},
                  {"from", "parc@cooperative.example"},
                  {"to", {"support@cooperative.example"}},
                  {"ca_pem", pki().caPem}};
    return c;
  }
};

TEST(Notifications, EmailOverStartTlsWithAuthInFrench) {
  Scenario s;
  s.smtp = std::make_unique<SmtpServer>(s.dir.path());
  s.svc = HealthService::inMemory(settings());
  s.svc->createChannel(s.emailChannelFor(s.smtp->port()));
  s.svc->setHost({1, 10, "pc-accueil", {}, {}});
  ASSERT_TRUE(s.svc->ingestMetrics(1, 10, "m1", diskBatch(kT0, 95.2), kT0));
  s.svc->evaluate(kT0);
  EXPECT_EQ(s.svc->deliver(kT0), 1);
  auto mails = s.smtp->messages();
  ASSERT_EQ(mails.size(), 1u);
  const Json& m = mails[0];
  EXPECT_TRUE(m["tls"].get<bool>());
  EXPECT_TRUE(m["authenticated"].get<bool>());
  EXPECT_EQ(m["mail_from"], "parc@cooperative.example");
  EXPECT_EQ(m["rcpt_tos"][0], "support@cooperative.example");
  EXPECT_EQ(m["subject"], "[Parc] Alerte avertissement : pc-accueil : disque / rempli à 95,2 %");
  std::string body = m["body"];
  EXPECT_NE(body.find("Parc a détecté un problème"), std::string::npos) << body;
  EXPECT_NE(body.find("https://parc.example.fr:8444/alerts/"), std::string::npos) << body;
  EXPECT_EQ(s.svc->deliver(kT0 + 1), 0);  // sent once
}

// A channel with digest_hour gets one e-mail a day listing what is still open in its
// commune (docs/health.md, "Daily digest"), whatever else it was sent that day.
TEST(Notifications, DailyDigestOnceADayInFrench) {
  Scenario s;
  s.smtp = std::make_unique<SmtpServer>(s.dir.path());
  s.svc = HealthService::inMemory(settings());
  Channel c = s.emailChannelFor(s.smtp->port());
  c.settings["digest_hour"] = 0;  // due from midnight: due now
  s.svc->createChannel(c);
  s.svc->setHost({1, 10, "pc-accueil", {}, {}});
  ASSERT_TRUE(s.svc->ingestMetrics(1, 10, "m1", diskBatch(kT0, 95.2), kT0));
  s.svc->evaluate(kT0);
  EXPECT_EQ(s.svc->deliver(kT0), 2);  // the alert, and the day's digest
  auto digests = [&] {
    std::vector<Json> out;
    for (const auto& m : s.smtp->messages()) {
      if (m["subject"].get<std::string>().rfind("[Parc] Résumé du ", 0) == 0) out.push_back(m);
    }
    return out;
  };
  ASSERT_EQ(digests().size(), 1u);
  const Json d = digests()[0];
  EXPECT_NE(d["subject"].get<std::string>().find(": 1 alerte ouverte (1 avertissement)"),
            std::string::npos)
      << d["subject"];
  std::string body = d["body"];
  EXPECT_NE(body.find("- [avertissement] pc-accueil : disque / rempli à 95,2 %"), std::string::npos)
      << body;
  EXPECT_NE(body.find("https://parc.example.fr:8444/alerts/"), std::string::npos) << body;
  EXPECT_EQ(s.svc->deliver(kT0 + 600), 0);  // once a day
  EXPECT_EQ(digests().size(), 1u);
  EXPECT_EQ(s.svc->deliver(kT0 + 86400), 1);  // the next day, again
  EXPECT_EQ(digests().size(), 2u);
  // Webhooks and GLPI have no digest: the setting is refused rather than ignored.
  Channel hook;
  hook.tenantId = 10;
  hook.kind = "webhook";
  hook.name = "hook";
  hook.settings = {
      {"url", "https://example.org/hook"}, {"secret", "0123456789abcdef"}, {"digest_hour", 8}};
  EXPECT_THROW(s.svc->createChannel(hook), Error);
  c.settings["digest_hour"] = 24;
  EXPECT_THROW(s.svc->createChannel(c), Error);
}

TEST(Notifications, NotifierDownDelaysButLosesNothing) {
  Scenario s;
  s.svc = HealthService::inMemory(settings());
  // Nothing listens on this port yet (a freshly closed ephemeral port).
  int port;
  {
    auto probe = std::make_unique<SmtpServer>(s.dir.path());
    port = probe->port();
  }
  Channel c = s.emailChannelFor(port);
  s.svc->createChannel(c);
  s.svc->setHost({1, 10, "pc-accueil", {}, {}});
  s.svc->ingestMetrics(1, 10, "m1", diskBatch(kT0, 99), kT0);
  s.svc->evaluate(kT0);
  EXPECT_EQ(s.svc->deliver(kT0), 0);
  EXPECT_EQ(s.svc->alerts().countNotifications("pending"), 1);
  EXPECT_EQ(s.svc->counters().notificationFailures.load(), 1);
  EXPECT_EQ(s.svc->deliver(kT0 + 5), 0);  // backing off: not retried at once
  EXPECT_EQ(s.svc->counters().notificationFailures.load(), 1);
  // The server comes up (on another port: the channel is corrected by its admin).
  s.smtp = std::make_unique<SmtpServer>(s.dir.path());
  Channel fixed = s.svc->alerts().channels(std::nullopt).at(0);
  fixed.settings["port"] = s.smtp->port();
  s.svc->updateChannel(fixed);
  EXPECT_EQ(s.svc->deliver(kT0 + 60), 1);
  EXPECT_EQ(s.smtp->messages().size(), 1u);
  EXPECT_EQ(s.svc->alerts().countNotifications("pending"), 0);
}

TEST(Notifications, SignedWebhookAndItsLifecycle) {
  std::string secret = "webhook-secret-0123456789";
  Receiver hook([](const net::Request&) {
    net::Response r;
    r.status = 204;  // no content: what many receivers answer
    return r;
  });
  auto svc = HealthService::inMemory(settings());
  Channel c;
  c.tenantId = 10;
  c.kind = "webhook";
  c.name = "teams";
  c.settings = {
      {"url", hook.url("/hooks/parc?canal=1")}, {"secret", secret}, {"ca_pem", pki().caPem}};
  svc->createChannel(c);
  svc->setHost({1, 10, "pc-accueil", {}, {}});
  svc->ingestMetrics(1, 10, "m1", diskBatch(kT0, 99), kT0);
  svc->evaluate(kT0);
  ASSERT_EQ(svc->deliver(kT0), 1);
  Id alertId = svc->alerts().openAlerts().at(0).id;
  svc->engine().acknowledge(alertId, "user:tech", kT0 + 10, std::nullopt);
  svc->ingestMetrics(1, 10, "m2", diskBatch(kT0 + 60, 40), kT0 + 60);
  svc->evaluate(kT0 + 60);
  svc->evaluate(kT0 + 200);
  EXPECT_EQ(svc->deliver(kT0 + 200), 2);  // acknowledged, resolved
  auto reqs = hook.requests();
  ASSERT_EQ(reqs.size(), 3u);
  std::vector<std::string> events;
  for (const auto& r : reqs) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/hooks/parc?canal=1");
    std::string ts = r.header("x-parc-timestamp");
    std::string expected = "sha256=" + notifiers::hmacSha256Hex(secret, ts + "." + r.body);
    EXPECT_EQ(r.header("x-parc-signature"), expected);
    EXPECT_NE(notifiers::hmacSha256Hex("wrong-secret-000000", ts + "." + r.body),
              r.header("x-parc-signature").substr(7));
    Json body = Json::parse(r.body);
    EXPECT_EQ(body["alert"]["id"], alertId);
    events.push_back(body["event"]);
  }
  EXPECT_EQ(events, (std::vector<std::string>{"firing", "acknowledged", "resolved"}));
}

TEST(Notifications, WebhookErrorStatusIsRetried) {
  std::atomic<int> calls{0};
  Receiver hook(
      [&](const net::Request&) { return json(++calls == 1 ? 503 : 200, Json::object()); });
  auto svc = HealthService::inMemory(settings());
  Channel c;
  c.tenantId = 10;
  c.kind = "webhook";
  c.name = "n8n";
  c.settings = {{"url", hook.url("/")}, {"secret", "0123456789abcdef"}, {"ca_pem", pki().caPem}};
  svc->createChannel(c);
  svc->setHost({1, 10, "pc", {}, {}});
  svc->ingestMetrics(1, 10, "m1", diskBatch(kT0, 99), kT0);
  svc->evaluate(kT0);
  EXPECT_EQ(svc->deliver(kT0), 0);
  // /metrics shows the failure and the notification waiting, on the webhook's line.
  std::string metrics = svc->prometheusText();
  for (const char* line : {"parc_notification_failures_by_kind_total{kind=\"webhook\"} 1\n",
                           "parc_notification_failures_by_kind_total{kind=\"glpi\"} 0\n",
                           "parc_notifications_pending_by_kind{kind=\"webhook\"} 1\n",
                           "parc_notifications_pending_by_kind{kind=\"email\"} 0\n"}) {
    EXPECT_NE(metrics.find(line), std::string::npos) << line << metrics;
  }
  EXPECT_EQ(svc->deliver(kT0 + 31), 1);
  EXPECT_EQ(calls.load(), 2);
  metrics = svc->prometheusText();
  EXPECT_NE(metrics.find("parc_notifications_pending_by_kind{kind=\"webhook\"} 0\n"),
            std::string::npos)
      << metrics;
}

// GLPI's REST API as documented (apirest.md): every call but initSession needs
// Session-Token and App-Token; bodies are {"input": {...}}.
TEST(Notifications, GlpiTicketFollowupAndSolution) {
  std::mutex m;
  std::vector<std::string> calls;
  std::vector<std::string> problems;
  Receiver glpi([&](const net::Request& r) {
    std::lock_guard lock(m);
    std::string path = r.path();
    calls.push_back(r.method + " " + path);
    if (r.header("app-token") != "app-123") problems.push_back("no App-Token on " + path);
    if (path == "/apirest.php/initSession") {
      if (r.method != "GET" || r.header("authorization") != "user_token tech-456") {
        problems.push_back("bad initSession");
        return json(401, Json::array({"ERROR_LOGIN_PARAMETERS_MISSING", ""}));
      }
      return json(200, {{"session_token", "sess-789"}});
    }
    if (r.header("session-token") != "sess-789") {
      problems.push_back("no Session-Token on " + path);
      return json(401, Json::array({"ERROR_SESSION_TOKEN_INVALID", ""}));
    }
    if (path == "/apirest.php/killSession") return json(200, Json::object());
    Json body = Json::parse(r.body);
    if (!body.contains("input")) problems.push_back("no input on " + path);
    const Json& in = body["input"];
    if (path == "/apirest.php/Ticket") {
      if (!in.contains("name") || !in.contains("content") || in.value("type", 0) != 1) {
        problems.push_back("bad Ticket");
      }
      return json(201, {{"id", 321}, {"message", ""}});
    }
    if (path == "/apirest.php/Item_Ticket") {
      if (in.value("itemtype", "") != "Computer" || in.value("items_id", 0) != 42 ||
          in.value("tickets_id", 0) != 321) {
        problems.push_back("bad Item_Ticket " + in.dump());
      }
      return json(201, {{"id", 1}});
    }
    if (path == "/apirest.php/ITILFollowup" || path == "/apirest.php/ITILSolution") {
      if (in.value("itemtype", "") != "Ticket" || in.value("items_id", 0) != 321) {
        problems.push_back("bad " + path);
      }
      return json(201, {{"id", 5}});
    }
    problems.push_back("unexpected " + path);
    return json(400, Json::array({"ERROR", ""}));
  });
  auto svc = HealthService::inMemory(settings());
  Channel c;
  c.tenantId = 10;
  c.kind = "glpi";
  c.name = "GLPI de la coopérative";
  c.settings = {{"url", glpi.url("/apirest.php")},
                {"app_token", "app-123"},
                {"user_token", "tech-456"},
                {"entities_id", 3},
                {"ca_pem", pki().caPem}};
  svc->createChannel(c);
  svc->setHost({1, 10, "pc-accueil", {}, std::string("42")});
  svc->ingestMetrics(1, 10, "m1", diskBatch(kT0, 95), kT0);
  svc->evaluate(kT0);
  ASSERT_EQ(svc->deliver(kT0), 1);
  Id alertId = svc->alerts().openAlerts().at(0).id;
  svc->engine().acknowledge(alertId, "user:tech", kT0 + 10, std::nullopt);
  ASSERT_EQ(svc->deliver(kT0 + 10), 1);
  svc->ingestMetrics(1, 10, "m2", diskBatch(kT0 + 60, 40), kT0 + 60);
  svc->evaluate(kT0 + 60);
  svc->evaluate(kT0 + 200);
  ASSERT_EQ(svc->deliver(kT0 + 200), 1);
  std::lock_guard lock(m);
  EXPECT_TRUE(problems.empty()) << problems.front();
  EXPECT_EQ(calls, (std::vector<std::string>{
                       "GET /apirest.php/initSession", "POST /apirest.php/Ticket",
                       "POST /apirest.php/Item_Ticket", "GET /apirest.php/killSession",
                       "GET /apirest.php/initSession", "POST /apirest.php/ITILFollowup",
                       "GET /apirest.php/killSession", "GET /apirest.php/initSession",
                       "POST /apirest.php/ITILSolution", "GET /apirest.php/killSession"}));
  EXPECT_EQ(svc->alerts().channelRef(alertId, 1)["ticket_id"], 321);
}

// GLPI opened the ticket, then refused to link it to the computer: the retry links that
// ticket, and neither opens a second one nor adds a follow-up repeating the firing.
TEST(Notifications, GlpiRetryAfterAFailedLinkOpensNoSecondTicket) {
  std::mutex m;
  std::vector<std::string> calls;
  int linkAttempts = 0;
  Receiver glpi([&](const net::Request& r) {
    std::lock_guard lock(m);
    std::string path = r.path();
    calls.push_back(r.method + " " + path);
    if (path == "/apirest.php/initSession") return json(200, {{"session_token", "sess-1"}});
    if (path == "/apirest.php/killSession") return json(200, Json::object());
    if (path == "/apirest.php/Ticket") return json(201, {{"id", 321}, {"message", ""}});
    if (path == "/apirest.php/Item_Ticket") {
      Json in = Json::parse(r.body)["input"];
      if (in.value("tickets_id", 0) != 321) return json(400, Json::array({"ERROR", "bad"}));
      if (++linkAttempts == 1) return json(500, Json::array({"ERROR", "base occupée"}));
      return json(201, {{"id", 1}});
    }
    return json(201, {{"id", 5}});
  });
  auto svc = HealthService::inMemory(settings());
  Channel c;
  c.tenantId = 10;
  c.kind = "glpi";
  c.name = "GLPI";
  c.settings = {{"url", glpi.url("/apirest.php")},
                {"app_token", "app-123"},
                {"user_token", "tech-456"},
                {"ca_pem", pki().caPem}};
  svc->createChannel(c);
  svc->setHost({1, 10, "pc-accueil", {}, std::string("42")});
  svc->ingestMetrics(1, 10, "m1", diskBatch(kT0, 95), kT0);
  svc->evaluate(kT0);
  EXPECT_EQ(svc->deliver(kT0), 0);  // the link failed: retried later
  Id alertId = svc->alerts().openAlerts().at(0).id;
  EXPECT_EQ(svc->alerts().channelRef(alertId, 1)["ticket_id"], 321);
  ASSERT_EQ(svc->deliver(kT0 + 3600), 1);
  std::lock_guard lock(m);
  EXPECT_EQ(calls, (std::vector<std::string>{
                       "GET /apirest.php/initSession", "POST /apirest.php/Ticket",
                       "POST /apirest.php/Item_Ticket", "GET /apirest.php/killSession",
                       "GET /apirest.php/initSession", "POST /apirest.php/Item_Ticket",
                       "GET /apirest.php/killSession"}));
  EXPECT_EQ(svc->alerts().channelRef(alertId, 1), (Json{{"ticket_id", 321}}));
}

using GlpiWithComputers = parc::testing::GlpiRestReceiver;

Channel glpiChannel(const std::string& url) {
  Channel c;
  c.tenantId = 10;
  c.kind = "glpi";
  c.name = "GLPI";
  c.settings = {
      {"url", url}, {"app_token", "app-123"}, {"user_token", "tech-456"}, {"ca_pem", pki().caPem}};
  return c;
}

Json twoDisksBatch(Time t, double root, double home) {
  return Json{{"version", 1},
              {"collected_at", t},
              {"interval_seconds", 60},
              {"metrics",
               {{{"name", "disk.used_pct"}, {"subject", "/"}, {"value", root}},
                {{"name", "disk.used_pct"}, {"subject", "/home"}, {"value", home}}}}};
}

// The host's GLPI id is unknown: its computer is searched once (UUID unknown to GLPI,
// then the serial number from the inventory, which matches), the ticket linked, and the
// id remembered: the second ticket for the host is linked without a second search.
TEST(Notifications, GlpiTicketLinkedToTheComputerFoundOnceBySearch) {
  GlpiWithComputers glpi({{41, "pc-mairie", "SN-MAI-02", "4c4c4544-0000-0000-0000-000000000002"},
                          {42, "pc-accueil", "SN-ACC-01", "4c4c4544-0000-0000-0000-000000000001"}});
  auto svc = HealthService::inMemory(settings());
  Id channelId = svc->createChannel(glpiChannel(glpi.url())).id;
  svc->setHost({1, 10, "pc-accueil", {}, {}});  // what the rules know: no serial yet
  svc->setIdentitySource([](Id hostId) -> std::optional<HostInfo> {
    HostInfo h{hostId, 10, "pc-accueil", {}, {}};
    h.serial = "SN-ACC-01";
    h.uuid = "03000200-0400-0500-0006-000700080009";  // a board GLPI has not inventoried
    return h;
  });
  svc->ingestMetrics(1, 10, "m1", twoDisksBatch(kT0, 95, 50), kT0);
  svc->evaluate(kT0);
  ASSERT_EQ(svc->deliver(kT0), 1);
  EXPECT_EQ(svc->alerts().channelHostRef(channelId, 1), (Json{{"computer_id", 42}}));
  svc->ingestMetrics(1, 10, "m2", twoDisksBatch(kT0 + 60, 95, 96), kT0 + 60);
  svc->evaluate(kT0 + 60);
  ASSERT_EQ(svc->deliver(kT0 + 60), 1);
  EXPECT_TRUE(glpi.problems().empty()) << glpi.problems().front();
  EXPECT_EQ(glpi.calls(), (std::vector<std::string>{
                              "GET /apirest.php/initSession",
                              "GET /apirest.php/search/Computer",  // UUID: none
                              "GET /apirest.php/search/Computer",  // serial: pc-accueil
                              "POST /apirest.php/Ticket", "POST /apirest.php/Item_Ticket",
                              "GET /apirest.php/killSession", "GET /apirest.php/initSession",
                              "POST /apirest.php/Ticket", "POST /apirest.php/Item_Ticket",
                              "GET /apirest.php/killSession"}));
  auto links = glpi.links();
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0], (Json{{"itemtype", "Computer"}, {"items_id", 42}, {"tickets_id", 301}}));
  EXPECT_EQ(links[1], (Json{{"itemtype", "Computer"}, {"items_id", 42}, {"tickets_id", 302}}));
  EXPECT_EQ(glpi.tickets().at(0)["content"].get<std::string>().find("non lié"), std::string::npos);
}

// No single computer in GLPI answers to the host (no serial number, two of its name):
// the ticket is opened all the same, unlinked, and says which searches failed; nothing
// is remembered (the PC may be added to GLPI, or the duplicate fixed).
TEST(Notifications, GlpiTicketUnlinkedWhenNoComputerMatches) {
  // Two computers named like the host (which one?), none with its serial number.
  GlpiWithComputers glpi(
      {{41, "pc-accueil", "SN-OLD-41", ""}, {43, "pc-accueil", "SN-OLD-43", ""}});
  auto svc = HealthService::inMemory(settings());
  Id channelId = svc->createChannel(glpiChannel(glpi.url())).id;
  HostInfo host{1, 10, "pc-accueil", {}, {}};
  host.serial = "SN-ACC-01";
  svc->setHost(host);
  svc->ingestMetrics(1, 10, "m1", diskBatch(kT0, 95), kT0);
  svc->evaluate(kT0);
  ASSERT_EQ(svc->deliver(kT0), 1);
  EXPECT_TRUE(glpi.problems().empty()) << glpi.problems().front();
  EXPECT_EQ(glpi.calls(),
            (std::vector<std::string>{"GET /apirest.php/initSession",
                                      "GET /apirest.php/search/Computer",  // serial
                                      "GET /apirest.php/search/Computer",  // name
                                      "POST /apirest.php/Ticket", "GET /apirest.php/killSession"}));
  EXPECT_TRUE(glpi.links().empty());
  std::string content = glpi.tickets().at(0)["content"];
  EXPECT_NE(content.find("Ticket non lié à un ordinateur GLPI : numéro de série « SN-ACC-01 » : "
                         "aucun ordinateur ; nom « pc-accueil » : 2 ordinateurs."),
            std::string::npos)
      << content;
  EXPECT_EQ(svc->alerts().channelHostRef(channelId, 1), Json::object());
}

// From the agent's own batch to the support desk's mailbox and webhook: fires once,
// escalates until acknowledged, resolves when the disk is cleaned.
TEST(Notifications, EndToEndFillingDisk) {
  Scenario s;
  s.smtp = std::make_unique<SmtpServer>(s.dir.path());
  s.svc = HealthService::inMemory(settings());
  s.svc->createChannel(s.emailChannelFor(s.smtp->port()));
  Receiver hook([](const net::Request&) { return json(200, Json::object()); });
  Channel escalation;
  escalation.tenantId = 10;
  escalation.kind = "webhook";
  escalation.name = "responsable (après 30 min)";
  escalation.delaySeconds = 1800;
  escalation.settings = {
      {"url", hook.url("/")}, {"secret", "0123456789abcdef"}, {"ca_pem", pki().caPem}};
  s.svc->createChannel(escalation);
  s.svc->setHost({1, 10, "pc-accueil", {}, {}});
  s.svc->setHost({2, 10, "pc-mairie", {}, {}});
  Time t = kT0;
  for (int minute = 0; minute < 40; ++minute, t += 60) {
    s.svc->ingestMetrics(1, 10, "a" + std::to_string(minute), diskBatch(t, 93 + minute * 0.1), t);
    s.svc->ingestMetrics(2, 10, "b" + std::to_string(minute), diskBatch(t, 96), t);
    s.svc->evaluate(t);
    s.svc->deliver(t);
    if (minute == 10) {
      for (auto& a : s.svc->alerts().openAlerts()) {
        if (a.hostId == 2) s.svc->engine().acknowledge(a.id, "user:tech", t, std::nullopt);
      }
    }
  }
  auto mails = s.smtp->messages();
  ASSERT_EQ(mails.size(), 3u);            // host 1 firing, host 2 firing, host 2 acknowledged
  ASSERT_EQ(hook.requests().size(), 1u);  // escalation for host 1 only
  EXPECT_EQ(Json::parse(hook.requests()[0].body)["host"]["name"], "pc-accueil");
  for (int minute = 0; minute < 5; ++minute, t += 60) {
    s.svc->ingestMetrics(1, 10, "c" + std::to_string(minute), diskBatch(t, 60), t);
    s.svc->ingestMetrics(2, 10, "d" + std::to_string(minute), diskBatch(t, 60), t);
    s.svc->evaluate(t);
    s.svc->deliver(t);
  }
  EXPECT_TRUE(s.svc->alerts().openAlerts().empty());
  mails = s.smtp->messages();
  ASSERT_EQ(mails.size(), 5u);
  EXPECT_EQ(mails[3]["subject"].get<std::string>().rfind("[Parc] Résolu", 0), 0u);
  EXPECT_EQ(hook.requests().size(), 2u);  // the escalated channel hears of the resolution
}

}  // namespace
}  // namespace parc::server::alerts
