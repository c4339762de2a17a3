#include "common/systemd/notify.h"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <csignal>
#include <ctime>

#include "common/liveness/liveness.h"
#include "common/thread/thread_name.h"

namespace parc::systemd {

namespace {

void send(const std::string& message) {
  // Returns 0 without NOTIFY_SOCKET; a failure to reach systemd is not worth stopping for.
  if (sd_notify(0, message.c_str()) < 0) spdlog::debug("sd_notify failed for {}", message);
}

std::uint64_t monotonicMicroseconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000 +
         static_cast<std::uint64_t>(ts.tv_nsec) / 1000;
}

// Our threads take no process-directed signal: SIGTERM must reach the program's own
// handler, not kill the process by default action in a thread that never expected it.
template <typename F>
std::thread spawnWithSignalsBlocked(std::string name, F&& f) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  std::thread t = namedThread(std::move(name), std::forward<F>(f));
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return t;
}

}  // namespace

void notifyReady(const std::string& status) {
  send(status.empty() ? "READY=1" : "READY=1\nSTATUS=" + status);
}

void notifyStopping() {
  send("STOPPING=1");
}

void notifyStatus(const std::string& status) {
  send("STATUS=" + status);
}

std::chrono::microseconds watchdogInterval() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0) return std::chrono::microseconds(0);
  return std::chrono::microseconds(usec / 2);
}

Supervisor::Supervisor(Hooks hooks) : hooks_(std::move(hooks)) {
  // Blocked here, in main, before other threads exist: every later thread inherits it, so
  // SIGHUP never takes its default action (terminate) and only signalLoop() sees it.
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &hup, nullptr);
  signals_ = spawnWithSignalsBlocked("sd-signals", [this] { signalLoop(); });
  if (auto interval = watchdogInterval(); interval.count() > 0) {
    watchdog_ =
        spawnWithSignalsBlocked("sd-watchdog", [this, interval] { watchdogLoop(interval); });
  }
}

Supervisor::~Supervisor() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  pthread_kill(signals_.native_handle(), SIGHUP);  // wakes sigwait; stopping_ says why
  signals_.join();
  if (watchdog_.joinable()) watchdog_.join();
  if (ready_.joinable()) ready_.join();
}

void Supervisor::readyWhen(std::function<bool()> condition, const std::string& status,
                           std::chrono::milliseconds timeout) {
  ready_ = spawnWithSignalsBlocked(
      "sd-ready", [this, condition = std::move(condition), status, timeout]() mutable {
        readyLoop(std::move(condition), std::move(status), timeout);
      });
}

void Supervisor::signalLoop() {
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  for (;;) {
    int sig = 0;
    sigwait(&hup, &sig);
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    spdlog::info("SIGHUP received: reloading the configuration");
    send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonicMicroseconds()));
    try {
      if (hooks_.reload) hooks_.reload();
      spdlog::info("configuration reloaded");
    } catch (const std::exception& e) {
      spdlog::error("reload failed, the running configuration is kept: {}", e.what());
    }
    send("READY=1");
  }
}

void Supervisor::watchdogLoop(std::chrono::microseconds interval) {
  std::unique_lock lock(mutex_);
  while (!cv_.wait_for(lock, interval, [this] { return stopping_; })) {
    lock.unlock();
    bool ok = hooks_.healthy ? hooks_.healthy() : Liveness::process().healthy();
    if (ok) {
      send("WATCHDOG=1");
    } else {
      spdlog::warn("health check failed: watchdog keep-alive withheld");
    }
    lock.lock();
  }
}

void Supervisor::readyLoop(std::function<bool()> condition, std::string status,
                           std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mutex_);
  while (!stopping_ && std::chrono::steady_clock::now() < deadline) {
    lock.unlock();
    bool ready = false;
    try {
      ready = condition();
    } catch (const std::exception& e) {
      spdlog::debug("readiness check: {}", e.what());
    }
    if (ready) {
      notifyReady(status);
      return;
    }
    lock.lock();
    cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stopping_; });
  }
}

}  // namespace parc::systemd
