#pragma once
// The programs' side of systemd's service protocol (sd_notify): readiness, watchdog
// keep-alives and reloads. Every call is a no-op when NOTIFY_SOCKET is unset (tests,
// a foreground run, a system without systemd), so callers never need to ask.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace parc::systemd {

/// READY=1 (with an optional STATUS= line shown by `systemctl status`).
void notifyReady(const std::string& status = {});
/// STOPPING=1: the service is shutting down on purpose.
void notifyStopping();
/// STATUS=…: a one-line state for `systemctl status`.
void notifyStatus(const std::string& status);
/// The keep-alive interval systemd expects (half of WatchdogSec=), or 0 when disabled.
std::chrono::microseconds watchdogInterval();

/// Owns the process-wide systemd plumbing of one program run:
/// - SIGHUP (what `systemctl reload` sends) is blocked in every thread and handled by one
///   thread of its own: RELOADING=1, then `reload()`, then READY=1 — a failed reload is
///   logged and keeps the running configuration;
/// - WATCHDOG=1 is sent every half WatchdogSec= while `healthy()` says so; when it stops
///   saying so, the keep-alives stop and systemd restarts the service. Without a hook it
///   asks parc::Liveness::process() (common/liveness): the keep-alive then proves that
///   the program's watched loops move, not merely that this thread lives.
/// Construct it in main() before any other thread starts: threads inherit the signal mask.
class Supervisor {
 public:
  struct Hooks {
    std::function<void()> reload;   // may throw: logged, the old settings stay
    std::function<bool()> healthy;  // empty: Liveness::process().healthy()
  };
  explicit Supervisor(Hooks hooks);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  /// Sends READY=1 from a thread of its own once `condition` holds (polled every
  /// 100 ms, for at most `timeout`); for services whose readiness is observed from outside.
  void readyWhen(std::function<bool()> condition, const std::string& status,
                 std::chrono::milliseconds timeout);

 private:
  void signalLoop();
  void watchdogLoop(std::chrono::microseconds interval);
  void readyLoop(std::function<bool()> condition, std::string status,
                 std::chrono::milliseconds timeout);

  Hooks hooks_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread signals_, watchdog_, ready_;
};

}  // namespace parc::systemd
