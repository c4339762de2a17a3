#include "agent/backup/scheduler.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <ctime>

#include "agent/backup/schedule.h"
#include "agent/remote/child_process.h"
#include "common/error.h"
#include "common/files/files.h"
#include "common/net/client.h"

namespace parc::agent::backup {

namespace {

using namespace std::chrono_literals;

std::atomic<Scheduler*> g_current{nullptr};

std::int64_t nowSeconds() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

// systemd sets INVOCATION_ID for the services it starts: then it can also start our
// transient backup unit.
bool underSystemd() {
  return std::getenv("INVOCATION_ID") != nullptr;
}

}  // namespace

Scheduler::Scheduler(SchedulerSettings settings, transport::Identity identity,
                     transport::Outbox& outbox, std::function<void()> outboxChanged)
    : settings_(std::move(settings)),
      outbox_(outbox),
      outboxChanged_(std::move(outboxChanged)),
      identity_(std::move(identity)) {
  // Resolved now: under nice or systemd-run, /proc/self/exe would name them instead.
  std::error_code ec;
  auto self = std::filesystem::read_symlink(settings_.agentBinary, ec);
  if (!ec) settings_.agentBinary = self;
}

Scheduler::~Scheduler() {
  stop();
}

Scheduler* Scheduler::current() {
  return g_current.load();
}

void Scheduler::start() {
  thread_ = std::thread([this] { loop(); });
  g_current = this;
}

void Scheduler::stop() {
  Scheduler* self = this;
  g_current.compare_exchange_strong(self, nullptr);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::setIdentity(const transport::Identity& identity) {
  std::lock_guard lock(mutex_);
  identity_ = identity;
}

Json Scheduler::requestNow() {
  std::lock_guard lock(mutex_);
  if (running_) return Json{{"started", false}, {"reason", "a backup is running already"}};
  auto policy = loadPolicy(settings_.dataDir);
  if (!policy || !policy->value("enabled", false))
    return Json{{"started", false}, {"reason", "backups are off in this PC's policy"}};
  requested_ = true;
  cv_.notify_all();
  return Json{{"started", true}};
}

void Scheduler::refreshPolicy() {
  transport::Identity identity;
  {
    std::lock_guard lock(mutex_);
    identity = identity_;
  }
  net::HttpsClient client(net::parseUrl(identity.server), transport::clientTls(identity), 30s);
  net::Request req;
  req.method = "GET";
  req.target = "/api/v1/backup/policy";
  auto res = client.send(req);
  if (res.status != 200) {
    throw Error(kindFromHttpStatus(res.status),
                "the server refused the backup policy (" + std::to_string(res.status) + ")");
  }
  Json policy = parseJson(res.body);
  if (!policy.is_object()) throw Error(ErrorKind::kBadRequest, "backup policy: not an object");
  auto previous = loadPolicy(settings_.dataDir);
  if (!previous || *previous != policy) {
    files::writeAtomic(policyFile(settings_.dataDir), policy.dump() + "\n", 0600);
    spdlog::info("backup policy from the server: {}",
                 policy.value("enabled", false) ? "backups on" : "backups off");
  }
}

std::vector<std::string> Scheduler::childArgv() const {
  std::vector<std::string> child = {settings_.agentBinary.string()};
  std::error_code ec;
  if (!settings_.configFile.empty() && std::filesystem::exists(settings_.configFile, ec))
    child.insert(child.end(), {"--config", settings_.configFile.string()});
  child.insert(child.end(), {"backup", "--scheduled", "--data-dir", settings_.dataDir.string()});
  bool ownUnit = settings_.ownUnit.value_or(underSystemd());
  if (!ownUnit) {
    // A plain child, below the agent's own priority: the secretary's work comes first.
    std::vector<std::string> argv = {"nice", "-n", "15"};
    argv.insert(argv.end(), child.begin(), child.end());
    return argv;
  }
  // Its own transient unit: systemd accounts and limits it apart from the agent, and
  // stops it at the time limit even if this agent is gone.
  auto maxSec = std::chrono::duration_cast<std::chrono::seconds>(settings_.maxRun).count();
  std::vector<std::string> argv = {"systemd-run",
                                   "--quiet",
                                   "--collect",
                                   "--wait",
                                   "--service-type=exec",
                                   "--unit=parc-backup-" + std::to_string(nowSeconds()),
                                   "--description=Parc scheduled backup",
                                   "--property=CPUWeight=20",
                                   "--property=IOWeight=20",
                                   "--property=Nice=15",
                                   "--property=IOSchedulingClass=idle",
                                   "--property=RuntimeMaxSec=" + std::to_string(maxSec)};
  argv.insert(argv.end(), child.begin(), child.end());
  return argv;
}

int Scheduler::runChild(const std::vector<std::string>& argv) {
  remote::ChildProcess child(argv);
  auto deadline = std::chrono::steady_clock::now() + settings_.maxRun;
  while (true) {
    if (auto rc = child.wait(1s)) return *rc;
    std::lock_guard lock(mutex_);
    if (stopping_) {
      child.stop(10s);
      throw Error(ErrorKind::kUnavailable, "the agent stopped during the backup");
    }
    if (std::chrono::steady_clock::now() > deadline) {
      child.stop(10s);
      throw Error(ErrorKind::kUnavailable, "the backup ran past its time limit and was stopped");
    }
  }
}

void Scheduler::report(const std::string& result, const std::string& error, std::int64_t at) {
  // The server learns of failures as it learns of everything: through the outbox.
  Json event{{"kind", "backup_failed"}, {"result", result}, {"error", error}, {"at", at}};
  outbox_.enqueue("event", event, nowSeconds());
  if (outboxChanged_) outboxChanged_();
}

void Scheduler::runBackup(std::int64_t now, const char* why) {
  auto state = loadState(settings_.dataDir);
  state.lastAttempt = now;
  saveState(settings_.dataDir, state);  // persisted before: a crash does not loop at once
  std::error_code ec;
  std::filesystem::remove(runFile(settings_.dataDir), ec);
  spdlog::info("backup starting ({})", why);
  std::string result = "failed", error;
  try {
    int rc = runChild(childArgv());
    Json run = Json::object();
    if (auto text = files::tryRead(runFile(settings_.dataDir))) {
      try {
        run = parseJson(*text);
      } catch (const Error&) {
      }
    }
    result = run.value("result", rc == 0 ? "ok" : "failed");
    error =
        run.value("error", rc == 0 ? "" : "the backup exited with status " + std::to_string(rc));
    if (rc == 0 && result == "ok") {
      spdlog::info("backup done: snapshot {}", run.value("snapshot", "?"));
    }
  } catch (const Error& e) {
    error = e.what();
  }
  state = loadState(settings_.dataDir);
  state.lastResult = result;
  state.lastError = error;
  if (result == "ok") {
    state.lastSuccess = now;
  } else {
    spdlog::error("backup failed: {}", error);
    report(result, error, now);
  }
  saveState(settings_.dataDir, state);
}

void Scheduler::loop() {
  std::int64_t nextFetch = 0;
  int fetchFailures = 0;
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    std::int64_t now = nowSeconds();
    if (now >= nextFetch) {
      try {
        refreshPolicy();
        fetchFailures = 0;
        nextFetch = now + settings_.policyRefresh.count();
      } catch (const std::exception& e) {
        // Offline: the stored policy keeps the schedule; ask again sooner.
        nextFetch = now + std::min<std::int64_t>(60LL << std::min(fetchFailures++, 4),
                                                 settings_.policyRefresh.count());
        spdlog::warn("backup policy not refreshed: {} (the stored one applies)", e.what());
      }
    }
    auto policy = loadPolicy(settings_.dataDir).value_or(Json::object());
    auto state = loadState(settings_.dataDir);
    if (policy.value("enabled", false) && !state.enabledSeen) {
      state.enabledSeen = now;
      saveState(settings_.dataDir, state);
    }
    auto due = nextDue(policy, state, now);
    bool requested = false, run = false;
    {
      std::lock_guard lock(mutex_);
      requested = std::exchange(requested_, false);
      run = running_ = requested || (due && *due <= now);
    }
    if (run) {
      try {
        runBackup(now, requested ? "asked from the console" : "scheduled");
      } catch (const std::exception& e) {
        spdlog::error("backup scheduler: {}", e.what());
      }
      std::lock_guard lock(mutex_);
      running_ = false;
      continue;
    }
    std::int64_t wake = std::min<std::int64_t>(nextFetch, now + settings_.tick.count());
    if (due) wake = std::min(wake, *due);
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, std::chrono::seconds(std::max<std::int64_t>(1, wake - now)),
                 [this] { return stopping_ || requested_; });
  }
}

}  // namespace parc::agent::backup
