#include "agent/service/service.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <ctime>
#include <mutex>
#include <random>
#include <thread>

#include "agent/collectors/collector.h"
#include "agent/collectors/selection.h"
#include "agent/collectors/stable.h"
#include "agent/transport/identity.h"
#include "agent/transport/uplink.h"
#include "common/crypto/hash.h"
#include "common/error.h"
#include "common/files/files.h"
#include "common/protocol/messages.h"

namespace parc::agent::service {

namespace {

using namespace std::chrono_literals;

constexpr auto kBackoffBase = 5s;
constexpr auto kBackoffCap = 15min;
// Sent again even when unchanged, so the server's copy (free space, uptime) stays fresh.
constexpr std::int64_t kRefreshSeconds = 24 * 3600;

// Wakes the service loop early on SIGTERM/SIGINT.
class StopSignal {
 public:
  StopSignal() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    waiter_ = std::thread([this, set] {
      int sig = 0;
      sigwait(&set, &sig);
      if (sig == SIGUSR2) return;  // our own wake-up at destruction
      spdlog::info("signal {} received: stopping", sig);
      stop();
    });
  }
  ~StopSignal() {
    stop();
    pthread_kill(waiter_.native_handle(), SIGUSR2);
    waiter_.join();
  }

  void stop() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    cv_.notify_all();
  }
  /// Sleeps for `d`; returns false when asked to stop meanwhile.
  bool sleepFor(std::chrono::milliseconds d) {
    std::unique_lock lock(mutex_);
    return !cv_.wait_for(lock, d, [this] { return stopped_; });
  }
  bool stopped() {
    std::lock_guard lock(mutex_);
    return stopped_;
  }

 private:
  std::thread waiter_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopped_ = false;
};

std::mt19937_64& rng() {
  static thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen;
}

// Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^attempt)].
std::chrono::milliseconds backoff(int attempt) {
  auto ceiling = std::min<std::chrono::milliseconds>(kBackoffCap,
                                                     kBackoffBase * (1LL << std::min(attempt, 20)));
  std::uniform_int_distribution<std::int64_t> dist(0, ceiling.count());
  return std::chrono::milliseconds(dist(rng()));
}

// The interval ±10 %, so that PCs switched on together do not report together.
std::chrono::milliseconds jittered(std::chrono::seconds interval) {
  std::uniform_real_distribution<double> dist(0.9, 1.1);
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(interval.count() * 1000 * dist(rng())));
}

transport::Identity ensureEnrolled(const AgentConfig& config, StopSignal& stop) {
  for (int attempt = 0;; ++attempt) {
    if (auto id = transport::loadIdentity(config.dataDir)) return *id;
    try {
      return transport::enroll(config);
    } catch (const Error& e) {
      auto wait = backoff(attempt);
      spdlog::error("enrolment failed: {} (retrying in {} s)", e.what(), wait.count() / 1000);
      if (!stop.sleepFor(wait)) throw Error(ErrorKind::kUnavailable, "stopped before enrolment");
    }
  }
}

struct LastSent {
  std::string hash;
  std::int64_t at = 0;
};

LastSent readLastSent(const std::filesystem::path& dataDir) {
  auto text = files::tryRead(dataDir / "last-inventory.json");
  if (!text) return {};
  try {
    Json j = parseJson(*text);
    return {j.value("hash", ""), j.value("sent_at", std::int64_t{0})};
  } catch (const Error&) {
    return {};  // a torn or corrupt file only costs one resend
  }
}

// Collects and, when changed or stale, sends the inventory. Throws on send failure.
void reportInventory(const transport::Uplink& uplink, const AgentConfig& config) {
  Json inventory = localInventory(transport::deviceId(config.dataDir), config.disabledCollectors);
  std::string hash = crypto::sha256Hex(protocol::canonical(collectors::withoutVolatileFields(inventory)));
  LastSent last = readLastSent(config.dataDir);
  std::int64_t now = std::time(nullptr);
  if (hash == last.hash && now - last.at < kRefreshSeconds) {
    spdlog::debug("inventory unchanged; not sent");
    return;
  }
  protocol::InventoryReport report{crypto::uuid4(), protocol::nowRfc3339(), PARC_VERSION, hash,
                                   inventory};
  auto ack = uplink.sendInventory(report);
  files::writeAtomic(
      config.dataDir / "last-inventory.json",
      Json{{"hash", hash}, {"sent_at", now}, {"message_id", ack.messageId}}.dump() + "\n", 0644);
  spdlog::info("inventory sent ({}){}", report.messageId, ack.duplicate ? " (already stored)" : "");
}

}  // namespace

Json localInventory(const std::string& deviceId, const std::vector<std::string>& disabled) {
  collectors::CollectContext context;
  Json doc = collectors::collectInventory(
      context, collectors::withoutCollectors(collectors::allCollectors(), disabled));
  doc["agent"] = Json{{"version", PARC_VERSION}, {"device_id", deviceId}};
  return doc;
}

int run(const AgentConfig& config) {
  StopSignal stop;
  files::ensureDirectory(config.dataDir, 0700);
  transport::Identity identity;
  try {
    identity = ensureEnrolled(config, stop);
  } catch (const Error& e) {
    spdlog::info("{}", e.what());
    return 0;
  }
  transport::Uplink uplink(identity);
  spdlog::info("parc-agent {} running: host {} reporting to {}", PARC_VERSION, identity.hostId,
               identity.server);

  int failures = 0;
  while (!stop.stopped()) {
    std::chrono::milliseconds wait;
    try {
      reportInventory(uplink, config);
      failures = 0;
      wait = jittered(config.inventoryInterval);
    } catch (const Error& e) {
      wait = backoff(failures++);
      spdlog::warn("inventory not delivered: {} (retrying in {} s)", e.what(), wait.count() / 1000);
    }
    if (!stop.sleepFor(wait)) break;
  }
  spdlog::info("parc-agent stopped");
  return 0;
}

}  // namespace parc::agent::service
