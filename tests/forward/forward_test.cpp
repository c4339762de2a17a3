// GLPI forwarding (server/forward): configuration, the zlib codec, GLPI's answers, the
// durable queue, and the forwarder delivering to a real local receiver that validates
// every body against GLPI's schema.
#include <gtest/gtest.h>

#include <thread>

#include "agent/collectors/glpi_format.h"
#include "common/config/toml_file.h"
#include "common/crypto/hash.h"
#include "common/error.h"
#include "server/forward/glpi_client.h"
#include "server/forward/glpi_forwarder.h"
#include "server/forward/queue.h"
#include "server/forward/settings_toml.h"
#include "server/forward/zlib_codec.h"
#include "server/store/sqlite/sqlite_store.h"
#include "tests/forward/receiver.h"

namespace parc::server::forward {
namespace {

using namespace std::chrono_literals;
using parc::testing::GlpiReceiver;
using parc::testing::TempDir;
using parc::testing::waitFor;

ForwardSettings parse(const std::string& toml) {
  ForwardSettings s;
  loadForwardSettings(config::parseToml(toml, "server.toml"), s);
  return s;
}

std::string parseError(const std::string& toml) {
  try {
    parse(toml);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadRequest);
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << toml;
  return {};
}

TEST(GlpiForwardSettings, BlocksPerTenant) {
  auto s = parse(R"(
[[glpi_forward]]
tenant_insee = "12202"
url = "https://glpi.mairie-rodez.fr/"

[[glpi_forward]]
tenant_id = 3
url = "http://10.0.0.5:8080/glpi/"
enabled = false
compress = false
retry_min_seconds = 0.5
retry_max_seconds = 60

[glpi_forward_queue]
max_megabytes = 64
)");
  ASSERT_EQ(s.targets.size(), 2u);
  EXPECT_EQ(s.targets[0].tenantInsee, "12202");
  EXPECT_FALSE(s.targets[0].tenantId);
  EXPECT_TRUE(s.targets[0].endpoint.tls);
  EXPECT_EQ(s.targets[0].endpoint.toString(),
            "https://glpi.mairie-rodez.fr:443/front/inventory.php");
  EXPECT_TRUE(s.targets[0].enabled);
  EXPECT_TRUE(s.targets[0].compress);
  EXPECT_EQ(*s.targets[1].tenantId, 3);
  EXPECT_EQ(s.targets[1].endpoint.toString(), "http://10.0.0.5:8080/glpi/front/inventory.php");
  EXPECT_FALSE(s.targets[1].enabled);
  EXPECT_FALSE(s.targets[1].compress);
  EXPECT_EQ(s.targets[1].retryMin, 500ms);
  EXPECT_EQ(s.targets[1].retryMax, 60s);
  EXPECT_EQ(s.maxQueueBytes, 64u * 1024 * 1024);
  EXPECT_TRUE(parse("").targets.empty());
}

TEST(GlpiForwardSettings, UrlsNameTheEndpoint) {
  EXPECT_EQ(parseGlpiUrl("https://glpi.example").path, "/front/inventory.php");
  EXPECT_EQ(parseGlpiUrl("HTTP://glpi.example/front/inventory.php").toString(),
            "http://glpi.example:80/front/inventory.php");
  EXPECT_EQ(parseGlpiUrl("https://[fd00::5]:8443/").toString(),
            "https://[fd00::5]:8443/front/inventory.php");
  EXPECT_EQ(parseGlpiUrl("https://glpi.example/marketplace/glpiinventory/index.php").path,
            "/marketplace/glpiinventory/index.php");
  for (const char* bad : {"ftp://glpi/", "glpi.example", "https://", "https://a:99999/",
                          "https://user:pw@glpi/", "https://glpi/ x", "http://[fd00::1/"}) {
    EXPECT_THROW(parseGlpiUrl(bad), Error) << bad;
  }
}

TEST(GlpiForwardSettings, MistakesAreNamed) {
  EXPECT_NE(parseError("[[glpi_forward]]\nurl = \"https://g/\"\n").find("exactly one of"),
            std::string::npos);
  EXPECT_NE(parseError("[[glpi_forward]]\ntenant_id = 1\ntenant_insee = \"12202\"\nurl = "
                       "\"https://g/\"\n")
                .find("exactly one of"),
            std::string::npos);
  EXPECT_NE(parseError("[[glpi_forward]]\ntenant_id = 1\n").find("'url' is required"),
            std::string::npos);
  EXPECT_NE(parseError("[[glpi_forward]]\ntenant_insee = \"ABCDE\"\nurl = \"https://g/\"\n")
                .find("INSEE"),
            std::string::npos);
  EXPECT_NE(parseError("[[glpi_forward]]\ntenant_id = 1\nurl = \"http://g/\"\nca_file = "
                       "\"/x.pem\"\n")
                .find("https://"),
            std::string::npos);
  EXPECT_NE(parseError("[[glpi_forward]]\ntenant_id = 1\nurl = \"https://g/\"\nurll = 1\n")
                .find("unknown key 'urll'"),
            std::string::npos);
  EXPECT_NE(parseError("[[glpi_forward]]\ntenant_id = 1\nurl = \"https://g/\"\n"
                       "[[glpi_forward]]\ntenant_id = 1\nurl = \"https://h/\"\n")
                .find("#2: tenant 1 already has"),
            std::string::npos);
  EXPECT_NE(parseError("[glpi_forward]\ntenant_id = 1\n").find("[[glpi_forward]]"),
            std::string::npos);
  EXPECT_NE(parseError("[[glpi_forward]]\ntenant_id = 1\nurl = \"https://g/\"\nenabled = \"yes\"\n")
                .find("true or false"),
            std::string::npos);
}

TEST(ZlibCodec, RoundTripAndBadInput) {
  std::string text(100000, 'a');
  for (size_t i = 0; i < text.size(); i += 7) text[i] = static_cast<char>('a' + i % 26);
  std::string packed = zlibCompress(text);
  EXPECT_LT(packed.size(), text.size() / 5);
  EXPECT_EQ(static_cast<unsigned char>(packed[0]), 0x78);  // RFC 1950 header, as gzcompress
  EXPECT_EQ(zlibInflate(packed, text.size()), text);
  try {
    zlibInflate(packed, text.size() - 1);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kTooLarge);
  }
  try {
    zlibInflate(packed.substr(0, packed.size() / 2), text.size());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadRequest);
  }
  EXPECT_THROW(zlibInflate("not zlib at all", 1000), Error);
}

net::Response answer(int status, std::string body, std::string type = "application/json") {
  net::Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers["content-type"] = std::move(type);
  return r;
}

TEST(GlpiAnswer, ReadLikeGlpiWritesThem) {
  using Kind = DeliveryOutcome::Kind;
  EXPECT_EQ(interpretGlpiAnswer(answer(200, R"({"status":"ok","expiration":24})")).kind,
            Kind::kDelivered);
  EXPECT_EQ(interpretGlpiAnswer(answer(200, zlibCompress(R"({"status":"ok","expiration":24})"),
                                       "application/x-compress-zlib"))
                .kind,
            Kind::kDelivered);
  auto refused = interpretGlpiAnswer(
      answer(400, R"({"status":"error","message":"JSON does not validate","expiration":24})"));
  EXPECT_EQ(refused.kind, Kind::kRefused);
  EXPECT_NE(refused.message.find("JSON does not validate"), std::string::npos);
  auto down = interpretGlpiAnswer(answer(500, "<html>Internal Server Error</html>", "text/html"));
  EXPECT_EQ(down.kind, Kind::kServerFailed);
  EXPECT_EQ(down.httpStatus, 500);
  EXPECT_NE(down.message.find("HTTP 500"), std::string::npos);
  auto garbage = interpretGlpiAnswer(answer(200, "<html>login page</html>", "text/html"));
  EXPECT_EQ(garbage.kind, Kind::kServerFailed);
  EXPECT_NE(garbage.message.find("without GLPI's JSON"), std::string::npos);
  EXPECT_EQ(
      interpretGlpiAnswer(answer(200, "\x78\x9c garbage", "application/x-compress-zlib")).kind,
      Kind::kServerFailed);
  EXPECT_EQ(interpretGlpiAnswer(answer(404, R"({"status":"error","message":"no"})")).kind,
            Kind::kServerFailed);  // a wrong URL is the tenant's problem, not the document's
}

TEST(GlpiRequest, HeadersAndCompressedBody) {
  GlpiTarget t;
  t.endpoint = parseGlpiUrl("http://glpi/");
  std::string json = R"({"action":"inventory","deviceid":"d","content":{}})";
  auto r = buildGlpiRequest(t, json, "3a609a2e-947f-4e6a-9af9-32c024ac3944");
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/front/inventory.php");
  EXPECT_EQ(r.headers["content-type"], "application/x-compress-zlib");
  EXPECT_EQ(r.headers["glpi-agent-id"], "3a609a2e-947f-4e6a-9af9-32c024ac3944");
  EXPECT_EQ(r.headers["user-agent"], std::string("Parc-Agent/") + PARC_VERSION);
  EXPECT_EQ(zlibInflate(r.body, 1 << 20), json);
  t.compress = false;
  r = buildGlpiRequest(t, json, "x");
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_EQ(r.body, json);
}

QueuedInventory item(Id host, const std::string& doc, Time at = 1000) {
  QueuedInventory q;
  q.hostId = host;
  q.tenantId = 1;
  q.hostUid = "uid-" + std::to_string(host);
  q.deviceId = "dev";
  q.hostname = "pc";
  q.document = doc;
  q.collectedAt = at;
  q.queuedAt = at;
  return q;
}

TEST(ForwardQueue, OnePerHostNewestWinsBoundedAndDurable) {
  TempDir tmp;
  auto file = tmp.path() / "glpi-forward.db";
  std::int64_t firstVersion = 0;
  {
    ForwardQueue q(file);
    EXPECT_EQ(q.enqueue(item(1, "{\"v\":1}"), 100), EnqueueResult::kQueued);
    firstVersion = q.load(1)->version;
    EXPECT_EQ(q.enqueue(item(1, "{\"v\":2}", 2000), 100), EnqueueResult::kReplaced);
    EXPECT_EQ(q.enqueue(item(2, std::string(95, ' ')), 100), EnqueueResult::kFull);
    EXPECT_EQ(q.queuedCount(), 1u);
    EXPECT_EQ(q.queuedBytes(), 7u);
    auto one = q.load(1);
    EXPECT_EQ(one->document, "{\"v\":2}");
    EXPECT_EQ(one->queuedAt, 1000);  // keeps its place in line
    EXPECT_GT(one->version, firstVersion);
    // A delivery of the older version does not remove the newer one.
    EXPECT_FALSE(q.markDelivered(1, 1, firstVersion, 3000, 200));
    EXPECT_EQ(q.queuedCount(), 1u);
    q.markFailed(1, 1, 3100, "GLPI answered HTTP 500", 500, true);
  }
  ForwardQueue q(file);  // reopened: nothing lost
  auto one = q.load(1);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->document, "{\"v\":2}");
  EXPECT_EQ(one->attempts, 1);
  EXPECT_EQ(q.queuedBytes(), 7u);
  auto hosts = q.hostStatus();
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0].replaced, 1);
  EXPECT_EQ(hosts[0].lastError, "GLPI answered HTTP 500");
  EXPECT_EQ(hosts[1].dropped, 1);
  EXPECT_NE(hosts[1].lastError.find("queue full"), std::string::npos);
  EXPECT_EQ(q.tenantStatus().at(0).consecutiveFailures, 1);
  EXPECT_TRUE(q.markDelivered(1, 1, one->version, 4000, 200));
  EXPECT_EQ(q.queuedCount(), 0u);
  EXPECT_EQ(q.queuedBytes(), 0u);
  EXPECT_EQ(q.tenantStatus().at(0).consecutiveFailures, 0);
  EXPECT_EQ(*q.hostStatus().at(0).lastSuccessAt, 4000);
}

// A Parc inventory whose GLPI form validates (as the agent's would).
std::string parcInventory(const std::string& hostname) {
  Json inv{{"system",
            {{"hostname", hostname},
             {"sys_vendor", "Dell Inc."},
             {"product_name", "OptiPlex 7010"},
             {"product_serial", "4XK2Z5J"},
             {"product_uuid", "4c4c4544-0058-4b10-8032-b4c04f5a354a"},
             {"chassis_type", "Desktop"}}},
           {"os",
            {{"pretty_name", "Debian GNU/Linux 12 (bookworm)"},
             {"name", "Debian GNU/Linux"},
             {"version_id", "12"},
             {"arch", "x86_64"},
             {"family", "Linux"},
             {"kernel_release", "6.1.0-18-amd64"}}},
           {"memory", {{"total_bytes", 8589934592LL}}},
           {"agent", {{"version", PARC_VERSION}}}};
  return inv.dump();
}

class Forwarder : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<store::SqliteStore>(tmp_.path() / "parc.db");
    rodez_ = store_->createTenant("Mairie de Rodez", "12202", 1000);
    albi_ = store_->createTenant("Mairie d'Albi", "81004", 1000);
  }

  store::Host enrol(const store::Tenant& tenant, const std::string& name) {
    store::EnrollmentToken t;
    t.tenantId = tenant.id;
    t.prefix = "parc_enr_x";
    t.createdAt = 1000;
    t.expiresAt = 9999999999;
    t.maxUses = 1;
    std::string secret = "secret-" + name;
    store_->createToken(t, secret);
    auto out =
        store_->enrollHost(secret, 2000,
                           store::NewHost{crypto::uuid4(), name, name + "-2024-01-01-00-00-00",
                                          "fp-" + name, "01", 9999999999});
    return *out.host;
  }

  // The store takes a full inventory; then the forwarder is told, as agent_routes does.
  void report(GlpiForwarder& f, const store::Host& h, const std::string& hostname) {
    store::InventoryWrite w;
    w.hostId = h.id;
    w.messageId = "m-" + std::to_string(++messages_);
    w.document = parcInventory(hostname);
    w.hash = "h" + std::to_string(messages_);
    w.receivedAt = 3000 + messages_;
    w.full = true;
    w.agentHash = w.hash;
    auto out = store_->storeMessages(
        h.id, {store::IncomingMessage{w.messageId, "inventory", 0, "", w}}, w.receivedAt);
    ASSERT_EQ(out.at(0), store::MessageOutcome::kStored);
    f.inventoryStored(h, w.receivedAt);
  }

  ForwardSettings settingsFor(const std::string& url, const std::string& extra = "") {
    return parse("[[glpi_forward]]\ntenant_insee = \"12202\"\nurl = \"" + url +
                 "\"\nretry_min_seconds = 0.2\nretry_max_seconds = 0.8\n" + extra);
  }

  // (The status is kept in a local: a range-for over a member of a temporary dangles.)
  Json hostStatus(GlpiForwarder& f, Id hostId) {
    Json status = f.status(store::TenantScope{});
    for (const auto& t : status["tenants"])
      for (const auto& h : t["hosts"])
        if (h["host_id"] == hostId) return h;
    return Json::object();
  }
  Json tenantStatus(GlpiForwarder& f, Id tenantId) {
    Json status = f.status(store::TenantScope{});
    for (const auto& t : status["tenants"])
      if (t["tenant_id"] == tenantId) return t;
    return Json::object();
  }

  TempDir tmp_;
  std::unique_ptr<store::SqliteStore> store_;
  store::Tenant rodez_, albi_;
  int messages_ = 0;
};

TEST_F(Forwarder, DeliversValidInventoryOfForwardedTenantOnly) {
  GlpiReceiver receiver(tmp_.path() / "glpi");
  GlpiForwarder f(*store_, tmp_.path(), settingsFor(receiver.url()));
  auto pc = enrol(rodez_, "pc-rodez");
  auto other = enrol(albi_, "pc-albi");
  report(f, pc, "pc-rodez");
  report(f, other, "pc-albi");
  ASSERT_TRUE(waitFor([&] { return f.idle(); }, 15s)) << receiver.log();
  auto got = receiver.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0]["valid"].get<bool>()) << got[0].dump();
  EXPECT_EQ(got[0]["agent_id"], pc.uid);
  EXPECT_EQ(got[0]["deviceid"], pc.deviceId);
  EXPECT_EQ(got[0]["hostname"], "pc-rodez");
  EXPECT_EQ(got[0]["content_type"], "application/x-compress-zlib");
  EXPECT_EQ(got[0]["path"], "/front/inventory.php");
  Json h = hostStatus(f, pc.id);
  EXPECT_EQ(h["state"], "delivered");
  EXPECT_TRUE(h["last_success_at"].is_number());
  EXPECT_TRUE(hostStatus(f, other.id).empty());
  // Scoped: a technician of Albi sees nothing of Rodez.
  store::TenantScope albiOnly{std::vector<Id>{albi_.id}};
  EXPECT_TRUE(f.status(albiOnly)["tenants"].empty());
  EXPECT_FALSE(f.status(albiOnly).contains("queue"));
}

TEST_F(Forwarder, ServerErrorsBackOffThenOnlyNewestIsSent) {
  GlpiReceiver receiver(tmp_.path() / "glpi");
  receiver.setMode("500");
  GlpiForwarder f(*store_, tmp_.path(), settingsFor(receiver.url()));
  auto pc = enrol(rodez_, "pc-a");
  report(f, pc, "pc-v1");
  ASSERT_TRUE(waitFor(
      [&] { return tenantStatus(f, rodez_.id).value("consecutive_failures", 0) >= 3; }, 20s));
  Json t = tenantStatus(f, rodez_.id);
  EXPECT_NE(t["last_error"].get<std::string>().find("HTTP 500"), std::string::npos) << t.dump();
  EXPECT_EQ(hostStatus(f, pc.id)["state"], "retrying");
  // The queue depth and the failures are in /metrics (docs/health.md).
  std::string metrics = f.prometheusText();
  EXPECT_NE(metrics.find("\nparc_glpi_forward_queued 1\n"), std::string::npos) << metrics;
  // Present, and not zero (a missing line would pass the two checks after these).
  EXPECT_NE(metrics.find("\nparc_glpi_forward_queued_bytes "), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("parc_glpi_forward_failures_total{reason=\"server\"} "), std::string::npos)
      << metrics;
  EXPECT_EQ(metrics.find("\nparc_glpi_forward_queued_bytes 0\n"), std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("parc_glpi_forward_failures_total{reason=\"server\"} 0\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("parc_glpi_forward_failures_total{reason=\"refused\"} 0\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("\nparc_glpi_forward_delivered_total 0\n"), std::string::npos);
  // Backoff: 0.2 s doubling to 0.8 s (jitter over the upper half) allows at most a
  // handful of tries in 2 s, never a tight loop.
  size_t before = receiver.received().size();
  std::this_thread::sleep_for(2s);
  size_t during = receiver.received().size() - before;
  EXPECT_GE(during, 1u);
  EXPECT_LE(during, 6u);

  receiver.setMode("garbage");
  ASSERT_TRUE(waitFor(
      [&] {
        return tenantStatus(f, rodez_.id)["last_error"].get<std::string>().find("GLPI's JSON") !=
               std::string::npos;
      },
      10s));
  // Two newer inventories while GLPI is sick: only the last one goes.
  report(f, pc, "pc-v2");
  report(f, pc, "pc-v3");
  EXPECT_EQ(hostStatus(f, pc.id)["replaced"], 2);
  receiver.setMode("ok");
  ASSERT_TRUE(waitFor([&] { return f.idle(); }, 10s));
  std::vector<Json> delivered;
  for (const auto& r : receiver.received())
    if (r["answered"] == "ok") delivered.push_back(r);
  ASSERT_EQ(delivered.size(), 1u) << "exactly one delivery once GLPI answers";
  EXPECT_EQ(delivered[0]["hostname"], "pc-v3");
  EXPECT_TRUE(delivered[0]["valid"].get<bool>());
  Json h = hostStatus(f, pc.id);
  EXPECT_EQ(h["state"], "delivered");
  EXPECT_EQ(tenantStatus(f, rodez_.id)["consecutive_failures"], 0);
  metrics = f.prometheusText();
  EXPECT_NE(metrics.find("\nparc_glpi_forward_queued 0\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\nparc_glpi_forward_delivered_total 1\n"), std::string::npos) << metrics;
}

TEST_F(Forwarder, PendingSurvivesRestartAndUnconfiguredTenantIsDropped) {
  std::uint16_t port = 0;
  store::Host pc;
  {
    GlpiReceiver down(tmp_.path() / "probe");
    port = down.port();
  }
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  {
    GlpiForwarder f(*store_, tmp_.path(), settingsFor(url));
    pc = enrol(rodez_, "pc-b");
    report(f, pc, "pc-b");
    ASSERT_TRUE(waitFor([&] { return hostStatus(f, pc.id).value("attempts", 0) >= 1; }, 10s));
    EXPECT_NE(hostStatus(f, pc.id)["last_error"].get<std::string>().find("cannot connect"),
              std::string::npos);
  }
  GlpiReceiver receiver(tmp_.path() / "glpi", port);
  {
    GlpiForwarder f(*store_, tmp_.path(), settingsFor(url));
    ASSERT_TRUE(waitFor([&] { return f.idle(); }, 10s));
    ASSERT_EQ(receiver.received().size(), 1u);
    EXPECT_EQ(receiver.received()[0]["agent_id"], pc.uid);
    receiver.stop();
    report(f, pc, "pc-b2");  // waits, then the configuration loses the tenant
  }
  GlpiForwarder f(*store_, tmp_.path(), ForwardSettings{});
  EXPECT_TRUE(f.idle());
  EXPECT_EQ(hostStatus(f, pc.id)["dropped"], 1);
}

TEST_F(Forwarder, BoundedQueueCountsWhatItDrops) {
  auto settings = settingsFor("http://127.0.0.1:9/");
  settings.maxQueueBytes = parcInventory("pc-c").size() + 10;
  GlpiForwarder f(*store_, tmp_.path(), settings);
  auto a = enrol(rodez_, "pc-c");
  auto b = enrol(rodez_, "pc-d");
  report(f, a, "pc-c");
  report(f, b, "pc-d");  // does not fit
  Json h = hostStatus(f, b.id);
  EXPECT_EQ(h["dropped"], 1);
  EXPECT_EQ(h["pending"], false);
  EXPECT_NE(h["last_error"].get<std::string>().find("queue full"), std::string::npos);
  EXPECT_EQ(hostStatus(f, a.id)["pending"], true);
}

TEST_F(Forwarder, HttpsWithConfiguredCaOnly) {
  // A certificate for 127.0.0.1, made by openssl as an administrator would.
  auto key = tmp_.path() / "glpi.key", cert = tmp_.path() / "glpi.pem";
  auto made = parc::testing::runProgram(
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
       "-nodes", "-keyout", key.string(), "-out", cert.string(), "-days", "2", "-subj",
       "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"});
  ASSERT_EQ(made.exitCode, 0) << made.err;
  GlpiReceiver receiver(tmp_.path() / "glpi", 0, {"--cert", cert.string(), "--key", key.string()});
  std::string url = "https://127.0.0.1:" + std::to_string(receiver.port()) + "/";
  auto pc = enrol(rodez_, "pc-e");
  {
    // Not trusted by the system store: refused at TLS, nothing sent.
    GlpiForwarder f(*store_, tmp_.path(), settingsFor(url));
    report(f, pc, "pc-e");
    ASSERT_TRUE(waitFor([&] { return !hostStatus(f, pc.id)["last_error"].is_null(); }, 10s));
    EXPECT_NE(hostStatus(f, pc.id)["last_error"].get<std::string>().find("not trusted"),
              std::string::npos)
        << hostStatus(f, pc.id).dump();
    EXPECT_TRUE(receiver.received().empty());
  }
  GlpiForwarder f(*store_, tmp_.path(), settingsFor(url, "ca_file = \"" + cert.string() + "\"\n"));
  ASSERT_TRUE(waitFor([&] { return f.idle(); }, 10s));
  ASSERT_EQ(receiver.received().size(), 1u);
  EXPECT_TRUE(receiver.received()[0]["valid"].get<bool>());
  EXPECT_EQ(tenantStatus(f, rodez_.id)["encrypted"], true);
  // A CA file that does not exist stops the start with a clear reason.
  try {
    GlpiForwarder bad(
        *store_, tmp_.path(),
        settingsFor(url, "ca_file = \"" + (tmp_.path() / "none.pem").string() + "\"\n"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot read ca_file"), std::string::npos);
  }
}

}  // namespace
}  // namespace parc::server::forward
