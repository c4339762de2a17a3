#include "agent/service/service.h"

#include <malloc.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <ctime>
#include <mutex>
#include <random>
#include <thread>

#include "agent/backup/control_commands.h"
#include "agent/backup/scheduler.h"
#include "agent/collectors/collector.h"
#include "agent/collectors/sections.h"
#include "agent/collectors/selection.h"
#include "agent/collectors/stable.h"
#include "agent/config/agent_config.h"
#include "agent/control/control_channel.h"
#include "agent/health/monitor.h"
#include "agent/remote/one_shot.h"
#include "agent/remote/stream_manager.h"
#include "agent/service/clone_guard.h"
#include "agent/service/idle_memory.h"
#include "agent/service/inventory_state.h"
#include "agent/service/sandbox_paths.h"
#include "agent/service/system_root.h"
#include "agent/service/watchdog.h"
#include "agent/transport/identity.h"
#include "agent/transport/outbox.h"
#include "agent/transport/renewal.h"
#include "agent/transport/uplink.h"
#include "agent/update/updater.h"
#include "common/crypto/hash.h"
#include "common/error.h"
#include "common/files/files.h"
#include "common/liveness/liveness.h"
#include "common/protocol/messages.h"
#include "common/thread/backoff.h"
#include "common/thread/thread_name.h"
#include "common/version.h"

namespace parc::agent::service {

namespace {

using namespace std::chrono_literals;

constexpr auto kBackoffBase = 1s;
constexpr std::chrono::milliseconds kInventoryRetry = 15s;
// The longest one round of a loop may legitimately take (every step in it has its own
// timeout); past it plus its wait, the loop is hung and the systemd watchdog is let go
// (common/liveness). Deliberately loose: a restart is the last resort.
constexpr auto kInventoryWorkBound = 30min;
constexpr auto kSampleWorkBound = 10min;
constexpr auto kDeliveryWorkBound = 10min;  // per batch: a long backlog drains in many

// Wakes the service's loops early on SIGTERM/SIGINT.
class StopSignal {
 public:
  StopSignal() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    waiter_ = namedThread("signals", [this, set] {
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
  /// Sleeps for `d` or until poked; returns false when asked to stop.
  bool sleepFor(std::chrono::milliseconds d, const std::function<bool()>& poked = {}) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, d, [&] { return stopped_ || (poked && poked()); });
    return !stopped_;
  }
  void poke() { cv_.notify_all(); }
  bool stopped() {
    std::lock_guard lock(mutex_);
    return stopped_;
  }
  std::mutex& mutex() { return mutex_; }

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

std::chrono::milliseconds backoff(int attempt, std::chrono::milliseconds cap = 15min) {
  return backoffWithFullJitter(attempt, kBackoffBase, cap);
}

// A report the server refused for now (503, its queue full), with the turn it gave the
// batch to come back (docs/protocol.md, "Busy"): waited for instead of our own doubling.
class ServerBusy : public Error {
 public:
  ServerBusy(const std::string& message, std::chrono::milliseconds retryAfter)
      : Error(ErrorKind::kUnavailable, message), retryAfter_(retryAfter) {}
  std::chrono::milliseconds retryAfter() const { return retryAfter_; }

 private:
  std::chrono::milliseconds retryAfter_;
};

std::chrono::milliseconds retryHint(const Error& e) {
  const auto* busy = dynamic_cast<const ServerBusy*>(&e);
  return busy != nullptr ? busy->retryAfter() : std::chrono::milliseconds(0);
}

// The interval ±10 %, so that PCs switched on together do not report together.
std::chrono::milliseconds jittered(std::chrono::seconds interval) {
  std::uniform_real_distribution<double> dist(0.9, 1.1);
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(interval.count() * 1000 * dist(rng())));
}

// The outbox, waiting while another process (e.g. `parc-agent emit`) holds it longer than
// SQLite's busy timeout: a busy database at start is no reason for the service to exit.
transport::Outbox openOutbox(const std::filesystem::path& file, StopSignal& stop) {
  for (int attempt = 0;; ++attempt) {
    try {
      return transport::Outbox(file);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kUnavailable) throw;
      auto wait = backoff(attempt, 10s);
      spdlog::warn("outbox unavailable: {} (retrying in {} ms)", e.what(), wait.count());
      if (!stop.sleepFor(wait))
        throw Error(ErrorKind::kUnavailable, "stopped before the outbox opened");
    }
  }
}

transport::Identity ensureEnrolled(const AgentConfig& config, StopSignal& stop) {
  for (int attempt = 0;; ++attempt) {
    if (auto id = transport::loadIdentity(config.dataDir)) return *id;
    try {
      auto id = transport::enroll(config);
      forgetSpentToken(config);
      return id;
    } catch (const Error& e) {
      auto wait = backoff(attempt);
      spdlog::error("enrolment failed: {} (retrying in {} s)", e.what(), wait.count() / 1000);
      if (!stop.sleepFor(wait)) throw Error(ErrorKind::kUnavailable, "stopped before enrolment");
    }
  }
}

// Runs below normal priority: the secretary's work comes first.
void lowerPriority() {
  setpriority(PRIO_PROCESS, 0, 10);
  constexpr int kIoprioWhoProcess = 1, kIoprioClassIdle = 3, kIoprioClassShift = 13;
  syscall(SYS_ioprio_set, kIoprioWhoProcess, 0, kIoprioClassIdle << kIoprioClassShift);
}

// The service: an inventory loop that writes to the outbox, a sender that drains it,
// and the control channel. Settings pushed by the server apply without a restart.
class Service {
 public:
  Service(AgentConfig config, transport::Identity identity, StopSignal& stop,
          IdleMemory& idleMemory)
      : config_(std::move(config)),
        identity_(std::move(identity)),
        stop_(stop),
        idleMemory_(idleMemory),
        outbox_(openOutbox(config_.dataDir / "outbox.db", stop)),
        uplink_(std::make_unique<transport::Uplink>(identity_)),
        inventoryState_(config_.dataDir / "inventory-state.json", identity_.hostId,
                        identity_.server) {
    applyRemoteConfig(loadRemoteConfig());
  }

  int run() {
    auto commands = control::builtinCommands(hooks());
    // Actions and signed scripts, under the PC's [remote] policy (docs/remote-support.md).
    remote::OneShotCommands oneShot(config_.dataDir, config_.configFile, identity_.hostId,
                                    hooks().inventoryNow);
    oneShot.addTo(commands);
    // Browse and restore from the console (docs/backups.md), with this PC's tenant key.
    backup::BackupControlCommands backupCommands(config_.dataDir, config_.configFile);
    backupCommands.addTo(commands);
    // retry_max_seconds caps the channel's redial backoff too (default 5 min there).
    control::ChannelTiming timing;
    timing.maxRetry = std::min<std::chrono::milliseconds>(timing.maxRetry, config_.retryMax);
    control::ControlChannel channel(identity_, std::move(commands), timing);
    // Terminal, files and desktop streams, under the same [remote] table.
    remote::StreamManager streams(remote::loadRemoteSettings(config_.configFile));
    warnReadOnlyFolders();
    channel.setStreamHandler(&streams);
    // Certificate renewal and trust anchors: a new identity reaches both channels.
    // Signed agent releases offered by the server (docs/operations.md, "Agent self-update").
    update::Updater updater(config_.dataDir, config_.configFile, identity_,
                            update::loadUpdateSettings(config_.configFile));
    // Backups on schedule and on demand (docs/backups.md, "Schedule").
    backup::Scheduler backups(backup::SchedulerSettings(config_.dataDir, config_.configFile),
                              identity_, outbox_, [this] { stop_.poke(); });
    transport::Renewer renewer(config_.dataDir, identity_,
                               [this, &channel, &updater, &backups](const auto& id) {
                                 channel.setIdentity(id);
                                 updater.setIdentity(id);
                                 backups.setIdentity(id);
                                 std::lock_guard lock(stop_.mutex());
                                 nextIdentity_ = id;
                               });
    channel.start();
    renewer.start();
    updater.start();
    backups.start();
    channel_ = &channel;
    std::thread sender = namedThread("sender", [this] { senderLoop(); });
    // Health metrics on their own thread: a slow inventory never delays a sample.
    std::thread health = namedThread("health", [this] { healthLoop(); });
    inventoryLoop();
    backups.stop();
    updater.stop();
    renewer.stop();
    channel.stop();
    health.join();
    sender.join();
    channel_ = nullptr;
    return 0;
  }

 private:
  control::AgentHooks hooks() {
    control::AgentHooks h;
    h.inventoryNow = [this] {
      std::lock_guard lock(stop_.mutex());
      inventoryRequested_ = true;
      stop_.poke();
    };
    h.configure = [this](const Json& c) {
      Json applied = applyRemoteConfig(c);
      // "accepted_hardware" (docs/inventory.md, "Cloned PCs"): a full inventory at once.
      if (cloneGuard_.configured(c)) hooks().inventoryNow();
      files::writeAtomic(config_.dataDir / "remote-config.json", applied.dump() + "\n", 0600);
      spdlog::info("settings from the server applied: {}", applied.dump());
      return applied;
    };
    h.status = [this] {
      return Json{{"agent_version", parc::version()},
                  {"outbox_messages", outbox_.count()},
                  {"rss_bytes", residentBytes()},
                  {"inventory_interval", intervalSeconds()},
                  {"batches_over_channel", batchesOverChannel_.load()},
                  {"batches_over_https", batchesOverHttps_.load()}};
    };
    return h;
  }

  Json loadRemoteConfig() {
    auto text = files::tryRead(config_.dataDir / "remote-config.json");
    if (!text) return Json::object();
    try {
      return parseJson(*text);
    } catch (const Error&) {
      return Json::object();
    }
  }

  // Applies the known settings, ignores the rest; returns what was applied.
  Json applyRemoteConfig(const Json& c) {
    Json applied = Json::object();
    std::lock_guard lock(configMutex_);
    if (auto it = c.find("inventory_interval");
        it != c.end() && it->is_number_integer() && it->get<int>() >= 60) {
      config_.inventoryInterval = std::chrono::seconds(it->get<int>());
      applied["inventory_interval"] = it->get<int>();
    }
    if (auto it = c.find("disabled_collectors"); it != c.end() && it->is_array()) {
      config_.disabledCollectors.clear();
      for (const auto& n : *it) {
        if (n.is_string()) config_.disabledCollectors.push_back(n.get<std::string>());
      }
      applied["disabled_collectors"] = config_.disabledCollectors;
    }
    stop_.poke();
    return applied;
  }

  // Uploads and restores need these folders writable; under the packaged unit that takes
  // a daemon-reload after a configuration change (docs/operations.md, "Hardening").
  void warnReadOnlyFolders() {
    try {
      for (const auto& p : readOnlyPaths(writablePaths(config_.configFile, config_.dataDir)))
        spdlog::warn(
            "{} is read-only for the agent: uploads and restores there will fail until "
            "`systemctl daemon-reload && systemctl restart parc-agent`",
            p.string());
    } catch (const Error& e) {
      spdlog::warn("cannot check the writable folders: {}", e.what());
    }
  }

  std::int64_t intervalSeconds() {
    std::lock_guard lock(configMutex_);
    return config_.inventoryInterval.count();
  }

  // Collects the inventory and queues it when it changed or a full one is due: whole, or
  // only the sections that changed since the view the server acknowledged.
  void queueInventory() {
    std::vector<std::string> disabled;
    int every = 0;
    {
      std::lock_guard lock(configMutex_);
      disabled = config_.disabledCollectors;
      every = config_.fullInventoryEvery;
    }
    Json inventory =
        localInventory(transport::deviceId(config_.dataDir), disabled, config_.systemRoot);
    std::string hash =
        crypto::sha256Hex(protocol::canonical(collectors::withoutVolatileFields(inventory)));
    std::int64_t now = std::time(nullptr);
    InventoryBase base = inventoryState_.next(every, now);
    base.full |= cloneGuard_.takeFullInventoryDue();
    Json sections = collectors::sectionHashes(inventory);
    if (hash == lastHash_ && !base.full) {
      spdlog::debug("inventory unchanged; not queued");
      inventoryState_.recordRun([] { return std::string(); }, hash, sections, false, now);
      return;
    }
    Json document = collectors::deltaDocument(inventory, base.sections, base.full);
    std::string described = describeSections(document, base.full);
    Json payload{{"collected_at", protocol::nowRfc3339()},
                 {"agent_version", parc::version()},
                 {"hash", hash},
                 {"full", base.full},
                 {"sections", std::move(sections)},
                 {"inventory", std::move(document)}};
    if (!base.full) payload["base"] = base.hash;
    cloneGuard_.annotate(payload, inventory);
    inventoryState_.recordRun([&] { return outbox_.enqueue("inventory", payload, now); }, hash,
                              payload["sections"], base.full, now);
    spdlog::info("inventory queued: {}", described);
    lastHash_ = hash;
    files::writeAtomic(config_.dataDir / "last-inventory.json",
                       Json{{"hash", hash}, {"queued_at", now}}.dump() + "\n", 0644);
    stop_.poke();  // wake the sender
  }

  // "full" or "delta: os, software, system" (for the log: what went on the wire).
  static std::string describeSections(const Json& document, bool full) {
    if (full) return "full";
    std::string out = "delta:";
    for (const auto& [name, value] : document.items())
      out += (out.back() == ':' ? " " : ", ") + name;
    return out;
  }

  void inventoryLoop() {
    if (auto text = files::tryRead(config_.dataDir / "last-inventory.json")) {
      try {
        lastHash_ = parseJson(*text).value("hash", "");
      } catch (const Error&) {
        lastHash_.clear();  // unreadable: send again rather than never
      }
    }
    Heartbeat heartbeat(Liveness::process(), "the inventory loop", kInventoryWorkBound);
    while (!stop_.stopped()) {
      // A failed run (e.g. the outbox busy past SQLite's timeout) is tried again soon, not
      // an interval later.
      auto wait = kInventoryRetry;
      try {
        queueInventory();
        wait = jittered(std::chrono::seconds(intervalSeconds()));
      } catch (const std::exception& e) {
        spdlog::error("inventory failed: {} (retrying in {} s)", e.what(),
                      std::chrono::duration_cast<std::chrono::seconds>(wait).count());
      }
      // Give the collection's memory back: the agent idles between runs (its code goes
      // after the delivery that follows).
      idleMemory_.trim();
      watchdog_.check();
      heartbeat.resting(wait);
      if (!stop_.sleepFor(wait, [this] { return std::exchange(inventoryRequested_, false); }))
        break;
    }
  }

  // A refused delta (the server's view is not the one it was based on) is replaced by a
  // full inventory at once rather than at the next interval.
  void inventoryDelivered(const transport::BatchResult& result) {
    if (!inventoryState_.delivered(result.done, result.rejected)) return;
    std::lock_guard lock(stop_.mutex());
    inventoryRequested_ = true;
    stop_.poke();
  }

  const transport::Uplink& currentUplink() {
    std::optional<transport::Identity> next;
    {
      std::lock_guard lock(stop_.mutex());
      next.swap(nextIdentity_);
    }
    if (next) uplink_ = std::make_unique<transport::Uplink>(*next);
    return *uplink_;
  }

  // Health (docs/health.md): a metrics batch every metrics_interval, and the local
  // thresholds' events at once, through the outbox like everything else. The slow
  // samplers (SMART, apt) first run 5 minutes after start, not with the boot's rush.
  void healthLoop() {
    if (config_.metricsInterval.count() == 0) return;
    auto context = health::HealthContext::underRoot(config_.systemRoot);
    context.stateDir = config_.dataDir;
    health::HealthMonitor monitor(std::move(context), health::allSamplers(),
                                  config_.metricsInterval, std::chrono::hours(1),
                                  health::defaultLocalThresholds(), std::chrono::minutes(5));
    Heartbeat heartbeat(Liveness::process(), "the health loop", kSampleWorkBound);
    while (!stop_.stopped()) {
      try {
        health::HealthSample s = monitor.sample();
        std::int64_t now = std::time(nullptr);
        if (!s.events.empty()) outbox_.enqueueMany("event", s.events, now);
        outbox_.enqueue("metrics", s.metrics, now);
        stop_.poke();  // wake the sender
      } catch (const std::exception& e) {
        spdlog::warn("health sampling failed: {}", e.what());
      }
      // As after an inventory: what a sample read (apt, smartctl, /proc) goes back to the
      // system, or the freed heap stays resident for nothing (the code: after delivery).
      idleMemory_.trim();
      heartbeat.resting(config_.metricsInterval);
      if (!stop_.sleepFor(config_.metricsInterval)) break;
    }
  }

  // Over the open control channel when it is up (no new TLS connection per batch), over
  // HTTPS otherwise or when the channel gives no answer; ids make a resend harmless.
  transport::BatchResult send(const std::vector<transport::OutboxMessage>& batch,
                              const std::map<std::string, std::int64_t>& evicted) {
    Json body = transport::batchBody(batch, evicted);
    if (auto ack = channel_->report(body, 30s)) {
      if (ack->error.empty()) {
        ++batchesOverChannel_;
        return transport::batchResult(ack->results);
      }
      if (ack->status == 503 && ack->retryAfter.count() > 0)
        throw ServerBusy("server refused a report: " + ack->error, ack->retryAfter);
      if (ack->status != 413)
        throw Error(kindFromHttpStatus(ack->status), "server refused a report: " + ack->error);
    }
    auto result = currentUplink().sendBody(body);
    ++batchesOverHttps_;
    return result;
  }

  // Messages waiting; -1 when the outbox cannot say (busy): never a reason to stop sending.
  std::int64_t queued() noexcept {
    try {
      return outbox_.count();
    } catch (const std::exception&) {
      return -1;
    }
  }

  void senderLoop() {
    int failures = 0;
    Heartbeat heartbeat(Liveness::process(), "the delivery loop", kDeliveryWorkBound);
    while (!stop_.stopped()) {
      std::chrono::milliseconds wait = 60s;
      try {
        std::size_t sent = transport::drainOutbox(
            outbox_,
            [this, &heartbeat](const auto& batch, const auto& evicted) {
              heartbeat.progress();
              return send(batch, evicted);
            },
            [this](const transport::BatchResult& r) { inventoryDelivered(r); });
        if (sent > 0) {
          spdlog::info("{} message(s) delivered", sent);
          // The batch, its JSON, compression, TLS, the outbox's pages: until the next one.
          outbox_.releaseMemory();
          idleMemory_.release();
        }
        failures = 0;
      } catch (const Error& e) {
        wait = retryDelay(failures++, kBackoffBase, config_.retryMax, retryHint(e));
        spdlog::warn("delivery failed: {} ({} queued; retrying in {:.1f} s)", e.what(), queued(),
                     static_cast<double>(wait.count()) / 1000);
      }
      // Woken early when something new is queued (unless backing off).
      bool backingOff = failures > 0;
      heartbeat.resting(wait);
      if (!stop_.sleepFor(wait, [this, backingOff] { return !backingOff && queued() > 0; })) break;
    }
  }

  AgentConfig config_;
  std::mutex configMutex_;
  transport::Identity identity_;
  StopSignal& stop_;
  IdleMemory& idleMemory_;  // shared by the loops (agent/service/idle_memory.h)
  transport::Outbox outbox_;
  control::ControlChannel* channel_ = nullptr;  // set while run() runs
  std::atomic<std::int64_t> batchesOverChannel_{0}, batchesOverHttps_{0};
  std::unique_ptr<transport::Uplink> uplink_;        // replaced when the renewer changes identity
  std::optional<transport::Identity> nextIdentity_;  // guarded by stop_.mutex()
  Watchdog watchdog_;
  bool inventoryRequested_ = false;  // guarded by stop_.mutex()
  InventoryState inventoryState_;
  // Checks the hardware at start (docs/inventory.md, "Cloned PCs").
  CloneGuard cloneGuard_{config_.dataDir, config_.systemRoot};
  std::string lastHash_;  // of the last inventory queued
};

}  // namespace

Json localInventory(const std::string& deviceId, const std::vector<std::string>& disabled,
                    const std::filesystem::path& systemRoot) {
  collectors::CollectContext context = systemContext(systemRoot);
  Json doc = collectors::collectInventory(
      context, collectors::withoutCollectors(collectors::allCollectors(), disabled));
  doc["agent"] = Json{{"version", parc::version()}, {"device_id", deviceId}};
  return doc;
}

int run(const AgentConfig& config) {
  // One malloc arena: collectors run on short-lived threads, and per-thread arenas would
  // keep their peak memory resident for nothing.
  mallopt(M_ARENA_MAX, 1);
  // The program's and its libraries' segments, taken before anything is loaded at run time.
  IdleMemory idleMemory;
  StopSignal stop;
  lowerPriority();
  files::ensureDirectory(config.dataDir, 0700);
  transport::Identity identity;
  try {
    identity = ensureEnrolled(config, stop);
  } catch (const Error& e) {
    spdlog::info("{}", e.what());
    return 0;
  }
  spdlog::info("parc-agent {} running: host {} reporting to {}", parc::version(), identity.hostId,
               identity.server);
  int rc = Service(config, identity, stop, idleMemory).run();
  spdlog::info("parc-agent stopped");
  return rc;
}

}  // namespace parc::agent::service
