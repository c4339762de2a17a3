#pragma once
// When a report refused for a full queue should come back (docs/protocol.md, "Busy").
// Without a hint, refused agents came back after their own backoff, 1 s doubling: a
// refused PC sent its 352 KB inventory again within a second or two, many times over,
// while the queue drained at the disk's pace (docs/benchmarks.md). The server knows that
// pace: it gives each refused report a turn — when the reports held before it, and the
// ones refused before it, will have been stored — so the refused come back spread out at
// the rate the workers store, not in waves.
#include <chrono>
#include <cstddef>
#include <deque>
#include <utility>

namespace parc::server::control {

class ReportTurns {
 public:
  using Clock = std::chrono::steady_clock;
  struct Settings {
    double assumedBytesPerSecond = 8.0 * 1024 * 1024;   // until something has been stored
    Clock::duration window = std::chrono::seconds(10);  // the storing rate's
    std::chrono::milliseconds shortest = std::chrono::seconds(1);
    std::chrono::milliseconds longest = std::chrono::minutes(5);  // the agent's retry_max
  };

  ReportTurns() : ReportTurns(Settings{}) {}
  explicit ReportTurns(Settings settings) : settings_(settings) {}

  /// The queue went from empty to holding something at `now`: the rate counts time from
  /// here (idle time is not slowness).
  void busy(Clock::time_point now);
  /// `bytes` of reports stored and answered at `now`.
  void stored(std::size_t bytes, Clock::time_point now);

  /// The wait to tell a report of `bytes` refused at `now`, while `heldBytes` are queued
  /// or being stored against a bound of `boundBytes`: until the room it needs has been
  /// freed, behind the turns given before it. Books the turn.
  std::chrono::milliseconds turnFor(std::size_t bytes, std::size_t heldBytes,
                                    std::size_t boundBytes, Clock::time_point now);

  /// Bytes stored per second while busy, over the last window (the assumed rate before
  /// anything was stored).
  double bytesPerSecond(Clock::time_point now);

 private:
  Settings settings_;
  std::deque<std::pair<Clock::time_point, std::size_t>> recent_;  // stored, within the window
  std::size_t recentBytes_ = 0;
  Clock::time_point busySince_{};
  Clock::time_point booked_{};  // when the turns given so far end
};

}  // namespace parc::server::control
