#pragma once
// What the systemd watchdog asks before each keep-alive: did every watched part of the
// program come round recently? A keep-alive sent by a thread of its own proves only that
// this thread lives; a program whose event loop or delivery loop hangs would be kept
// alive forever. Parts register here; one gone quiet past its bound withholds the
// keep-alive (and is named in the log), so systemd restarts the program.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace parc {

class Liveness {
 public:
  using Clock = std::chrono::steady_clock;
  /// How far past its due time the part is (zero or negative: on time).
  using Overdue = std::function<Clock::duration()>;

  /// Unregisters on destruction (RAII: a part that ends stops being asked).
  class Watch {
   public:
    Watch() = default;
    Watch(Liveness* owner, int id) : owner_(owner), id_(id) {}
    Watch(Watch&& other) noexcept;
    Watch& operator=(Watch&& other) noexcept;
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;
    ~Watch();

   private:
    Liveness* owner_ = nullptr;
    int id_ = 0;
  };

  /// The part `name` is healthy while `overdue()` is not positive.
  [[nodiscard]] Watch watch(std::string name, Overdue overdue);
  /// True when no watched part is overdue; logs the overdue ones.
  bool healthy() const;
  /// The program's own registry, the one its Supervisor asks.
  static Liveness& process();

 private:
  struct Part {
    std::string name;
    Overdue overdue;
  };
  mutable std::mutex mutex_;
  std::map<int, Part> parts_;
  int nextId_ = 1;
};

/// For a loop that works, then waits: due back after each wait within that wait plus
/// `work` (the longest one round's work may legitimately take, timeouts included).
class Heartbeat {
 public:
  Heartbeat(Liveness& liveness, std::string name, Liveness::Clock::duration work);
  /// Said before each wait of the loop.
  void resting(Liveness::Clock::duration wait) noexcept {
    due_.store((Liveness::Clock::now() + wait + work_).time_since_epoch().count());
  }
  /// Said within a long round at each step done: the next is due within `work`.
  void progress() noexcept { resting(Liveness::Clock::duration::zero()); }

 private:
  Liveness::Clock::duration work_;
  std::atomic<Liveness::Clock::rep> due_;
  Liveness::Watch watch_;  // declared last: unregistered before due_ goes
};

}  // namespace parc
