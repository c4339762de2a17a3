// The end-to-end alert scenario with the real parc-agent process: the agent's
// disk sampler measures (statvfs) a real 4 MiB tmpfs that the test fills then empties;
// the agent's mount table is a recorded machine tree (`system_root`, the vm fixture)
// listing only that file system, so the test machine's own disks do not take part.
// The real server fires one alert, e-mails it to a real SMTP server (python3-aiosmtpd)
// and posts it to an HTTPS webhook whose HMAC signature is checked, and opens a GLPI
// ticket linked to the computer GLPI knows by the agent's UUID; acknowledging it
// stops the escalation channel; the emptied disk resolves it. Loopback only, every wait
// bounded, about 40 s. Needs root (mount(2)); skipped otherwise, saying so.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <thread>

#include "common/files/files.h"
#include "common/net/server.h"
#include "server/alerts/notifiers/notifier.h"
#include "tests/alerts/glpi_rest_receiver.h"
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
constexpr std::uint64_t kDiskBytes = 4 << 20;

// A small tmpfs mounted for the test's life.
class SmallDisk {
 public:
  explicit SmallDisk(const fs::path& where) : where_(where) {
    fs::create_directories(where_);
    std::string options = "size=" + std::to_string(kDiskBytes) + ",mode=0755";
    mounted_ = ::mount("tmpfs", where_.c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(where_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  // Writes a file of `fraction` of the disk (the PC's documents piling up).
  void fill(double fraction) const {
    std::ofstream out(where_ / "documents.bin", std::ios::binary | std::ios::trunc);
    std::string block(4096, 'x');
    for (std::uint64_t n = 0; n < std::uint64_t(kDiskBytes * fraction) / block.size(); ++n) {
      out.write(block.data(), std::streamsize(block.size()));
    }
  }
  void clean() const { fs::remove(where_ / "documents.bin"); }

 private:
  fs::path where_;
  bool mounted_ = false;
};

// An HTTPS receiver on 127.0.0.1 that records what it gets (tests/common).
using Receiver = parc::testing::HttpsReceiver;

// The events the webhook got, each signature checked as a receiver would.
std::vector<std::string> signedEvents(Receiver& hook) {
  std::vector<std::string> events;
  for (const auto& r : hook.requests()) {
    std::string ts = r.header("x-parc-timestamp");
    std::string expected =
        "sha256=" + server::alerts::notifiers::hmacSha256Hex(kWebhookSecret, ts + "." + r.body);
    EXPECT_EQ(r.header("x-parc-signature"), expected) << r.body;
    events.push_back(parseJson(r.body).value("event", ""));
  }
  return events;
}

std::vector<std::string> mailSubjects(const SmtpServer& smtp) {
  std::vector<std::string> subjects;
  for (const auto& m : smtp.messages()) subjects.push_back(m.value("subject", ""));
  return subjects;
}

class AlertsWithAgent : public ::testing::Test, protected ConsoleApi {
 protected:
  fs::path root() const { return tmp.path() / "machine"; }

  // The vm fixture as the agent's system_root, whose mount table lists only /data: the
  // small disk, mounted at <root>/data.
  void prepareMachine() {
    fs::copy(fs::path(PARC_SOURCE_DIR) / "tests/fixtures/machines/vm", root(),
             fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    fs::create_directories(root() / "proc/self");
    files::writeAtomic(root() / "proc/self/mounts",
                       "/dev/vda2 /data ext4 rw,relatime 0 0\n"
                       "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n",
                       0644);
  }

  std::int64_t createChannel(std::int64_t tenant, const std::string& kind, const std::string& name,
                             const Json& settings, int delaySeconds = 0) {
    return ok("POST", "/api/v1/channels", admin,
              Json{{"tenant_id", tenant},
                   {"kind", kind},
                   {"name", name},
                   {"delay_seconds", delaySeconds},
                   {"settings", settings}})["id"];
  }

  Json alerts(const std::string& state) {
    return ok("GET", "/api/v1/alerts?state=" + state, admin)["items"];
  }

  TempDir tmp;
  std::unique_ptr<ServerFixture> server;
  std::string admin;
};

TEST_F(AlertsWithAgent, FillingDiskFiresOnceMailsSignsStopsEscalationOnAckAndResolves) {
  SmallDisk disk(root() / "data");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  prepareMachine();
  SmtpServer smtp(tmp.path(), kSmtpPassword);
  Receiver hook, escalation;
  // GLPI knows two computers named "vm": only the UUID of the agent's machine (the vm
  // fixture's product_uuid, sent with its inventory) tells which one it is.
  GlpiRestReceiver glpi({{41, "vm", "OLD-SERIAL-41", "00000000-0000-0000-0000-000000000041"},
                         {42, "vm", "", "8a3f4c21-5d6e-4f70-9a1b-2c3d4e5f6071"}});

  files::writeAtomic(tmp.path() / "server.toml", "[health]\noutgoing_allow = [\"127.0.0.1/32\"]\n",
                     0600);
  server = std::make_unique<ServerFixture>(
      tmp.path() / "server", 0, 0,
      std::vector<std::string>{"--config", (tmp.path() / "server.toml").string()});
  connect(*server, 60s);
  admin = login("admin", server->adminPassword);
  std::int64_t tenant = ok("POST", "/api/v1/tenants", admin,
                           Json{{"name", "Mairie de Bozouls"}, {"insee_code", "12033"}})["id"];
  // Shortened for the test: resolved as soon as the disk is below 80 % (default 120 s).
  ok("PUT", "/api/v1/alert-rules", admin,
     Json{{"scope", "tenant"},
          {"scope_id", tenant},
          {"rule", "disk_usage"},
          {"settings", {{"clear_seconds", 0}}}});
  createChannel(tenant, "email", "Support",
                Json{{"host", "127.0.0.1"},
                     {"port", smtp.port()},
                     {"tls", "starttls"},
                     {"username", "helpdesk"},
                     {"password", kSmtpPassword},
                     {"from", "parc@bozouls.example"},
                     {"to", {"support@bozouls.example"}},
                     {"ca_pem", testPki().caPem}});
  createChannel(tenant, "webhook", "Astreinte",
                Json{{"url", hook.url()}, {"secret", kWebhookSecret}, {"ca_pem", testPki().caPem}});
  createChannel(tenant, "glpi", "GLPI de la communauté de communes",
                Json{{"url", glpi.url()},
                     {"app_token", "app-123"},
                     {"user_token", "tech-456"},
                     {"ca_pem", testPki().caPem}});
  constexpr int kEscalationDelay = 8;
  createChannel(
      tenant, "webhook", "Responsable (escalade)",
      Json{{"url", escalation.url()}, {"secret", kWebhookSecret}, {"ca_pem", testPki().caPem}},
      kEscalationDelay);
  std::string token = ok("POST", "/api/v1/tokens", admin, Json{{"tenant_id", tenant}})["token"];

  // The real agent: metrics every 10 s (the shortest allowed), its machine the fixture.
  files::writeAtomic(tmp.path() / "agent.toml",
                     "metrics_interval = 10\nsystem_root = \"" + root().string() + "\"\n", 0644);
  Process agent({binary("parc-agent"), "run", "--config", (tmp.path() / "agent.toml").string(),
                 "--data-dir", (tmp.path() / "agent").string(), "--server", server->agentUrl,
                 "--ca-fingerprint", server->caFingerprint, "--token", token},
                tmp.path() / "agent-log");

  // The disk fills up to 95 %: warning (> 90 %), not critical (> 98 %).
  disk.fill(0.95);
  Json open = Json::array();
  ASSERT_TRUE(waitFor(
      [&] {
        open = alerts("open");
        return !open.empty() && smtp.messages().size() >= 1 && hook.requests().size() >= 1;
      },
      30s))
      << open.dump() << agent.stderrText();
  ASSERT_EQ(open.size(), 1u) << open.dump();
  EXPECT_EQ(open[0]["rule"], "disk_usage");
  EXPECT_EQ(open[0]["subject"], "/data");
  EXPECT_EQ(open[0]["severity"], "warning");
  std::int64_t alertId = open[0]["id"];
  std::int64_t openedAt = open[0]["opened_at"];

  // Acknowledged before the escalation delay: the escalation channel never hears of it,
  // though the agent keeps reporting the full disk.
  ok("POST", "/api/v1/alerts/" + std::to_string(alertId) + "/acknowledge", admin, Json::object());
  EXPECT_LT(std::time(nullptr), openedAt + kEscalationDelay) << "acknowledged too late to test";
  while (std::time(nullptr) < openedAt + kEscalationDelay + 12) std::this_thread::sleep_for(500ms);
  EXPECT_TRUE(escalation.requests().empty()) << "escalated although acknowledged";

  // Cleaned: below 80 % at the next sample, and the alert resolves.
  disk.clean();
  ASSERT_TRUE(waitFor([&] { return alerts("open").empty(); }, 25s)) << agent.stderrText();
  ASSERT_TRUE(waitFor(
      [&] {
        auto events = signedEvents(hook);
        return !events.empty() && events.back() == "resolved";
      },
      10s));
  ASSERT_TRUE(waitFor(
      [&] {
        auto subjects = mailSubjects(smtp);
        return !subjects.empty() && subjects.back().rfind("[Parc] Résolu", 0) == 0;
      },
      10s));

  // Once each: fired once (many samples at 95 %), acknowledged, resolved.
  EXPECT_EQ(signedEvents(hook), (std::vector<std::string>{"firing", "acknowledged", "resolved"}));
  auto subjects = mailSubjects(smtp);
  ASSERT_EQ(subjects.size(), 3u) << Json(subjects).dump();
  EXPECT_EQ(subjects[0].rfind("[Parc] Alerte", 0), 0u) << subjects[0];
  EXPECT_NE(subjects[0].find("vm : disque /data rempli à 9"), std::string::npos) << subjects[0];
  EXPECT_EQ(subjects[1].rfind("[Parc] Pris en charge", 0), 0u) << subjects[1];
  auto mails = smtp.messages();
  EXPECT_TRUE(mails[0]["tls"].get<bool>());
  EXPECT_TRUE(mails[0]["authenticated"].get<bool>());
  EXPECT_TRUE(escalation.requests().empty());
  // GLPI: the computer found by its UUID, the ticket linked to it, then a follow-up for
  // the acknowledgement and a solution for the resolution.
  ASSERT_TRUE(waitFor([&] { return glpi.updates().size() >= 2; }, 10s));
  EXPECT_TRUE(glpi.problems().empty()) << glpi.problems().front();
  ASSERT_EQ(glpi.tickets().size(), 1u);
  ASSERT_EQ(glpi.links().size(), 1u);
  EXPECT_EQ(glpi.links()[0],
            (Json{{"itemtype", "Computer"}, {"items_id", 42}, {"tickets_id", 301}}));
  auto updates = glpi.updates();
  EXPECT_EQ(updates[0].first, "ITILFollowup");
  EXPECT_EQ(updates[1].first, "ITILSolution");
  Json resolved = ok("GET", "/api/v1/alerts/" + std::to_string(alertId), admin);
  EXPECT_EQ(resolved["state"], "resolved") << resolved.dump();
  EXPECT_EQ(resolved["acknowledged_by"], "user:admin");
}

}  // namespace
}  // namespace parc::testing
