// The turns a busy server gives refused reports: at the pace it stores, one behind the
// other, from the room each needs; bounded; idle time is not counted as slowness.
#include "server/control/report_turns.h"

#include <gtest/gtest.h>

namespace parc::server::control {
namespace {

using namespace std::chrono_literals;
using Clock = ReportTurns::Clock;
constexpr std::size_t kMB = 1000 * 1000;

// Workers busy since twenty seconds before t0, storing 1 MB every 100 ms: 10 MB/s.
class ReportTurnsTest : public ::testing::Test {
 protected:
  ReportTurnsTest() { turns_.busy(fed_); }
  // t0 + d, with what the workers stored until then recorded.
  Clock::time_point at(Clock::duration d) {
    for (; fed_ + 100ms <= t0_ + d; fed_ += 100ms) turns_.stored(kMB, fed_ + 50ms);
    return t0_ + d;
  }
  std::chrono::milliseconds turnFor(std::size_t bytes, std::size_t held, Clock::duration d) {
    return turns_.turnFor(bytes, held, 64 * kMB, at(d));
  }

  ReportTurns turns_;
  Clock::time_point t0_ = Clock::now();
  Clock::time_point fed_ = t0_ - 20s;
};

TEST_F(ReportTurnsTest, TheRateIsWhatWasStoredOverTheWindow) {
  EXPECT_DOUBLE_EQ(turns_.bytesPerSecond(at(0s)), 10.0 * kMB);
  // Twenty seconds later, nothing stored since: the window holds nothing, the assumed
  // rate stands in (a stalled disk shows in the queue's bound, not here).
  EXPECT_DOUBLE_EQ(turns_.bytesPerSecond(t0_ + 20s), ReportTurns::Settings{}.assumedBytesPerSecond);
}

TEST(ReportTurns, IdleTimeBeforeTheQueueFilledIsNotSlowness) {
  auto now = Clock::now();
  ReportTurns turns;
  turns.busy(now - 2s);  // idle until two seconds ago, then 20 MB stored
  turns.stored(20 * kMB, now - 1ms);
  EXPECT_DOUBLE_EQ(turns.bytesPerSecond(now), 10.0 * kMB);
  // What was stored before an idle spell does not count for the next busy one.
  turns.busy(now + 60s);
  turns.stored(1 * kMB, now + 60s + 500ms);
  EXPECT_DOUBLE_EQ(turns.bytesPerSecond(now + 61s), 1.0 * kMB);
}

TEST_F(ReportTurnsTest, EachRefusedReportComesBackBehindTheOnesRefusedBeforeIt) {
  // 64 MB bound, 60 MB held, a 10 MB inventory: room for it in 0.6 s (the shortest, 1 s).
  EXPECT_EQ(turnFor(10 * kMB, 60 * kMB, 0s), 1s);
  // The next ones, refused the same instant, each 1 s (10 MB) behind the one before.
  EXPECT_EQ(turnFor(10 * kMB, 60 * kMB, 0s), 1600ms);
  EXPECT_EQ(turnFor(10 * kMB, 60 * kMB, 0s), 2600ms);
  // Half a second on, the line is half a second shorter.
  EXPECT_EQ(turnFor(10 * kMB, 60 * kMB, 500ms), 3100ms);
  // A small report refused on the count of reports needs no room: just behind the line.
  EXPECT_EQ(turnFor(1000, 1 * kMB, 500ms), 3101ms);
}

TEST_F(ReportTurnsTest, OnceTheTurnsGivenHavePassedOnlyTheRoomCounts) {
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(turnFor(10 * kMB, 64 * kMB, 0s), i * 1s);
  // Ten seconds on, the five have had their turns: one needing 30 MB of room waits 3 s.
  EXPECT_EQ(turnFor(10 * kMB, 84 * kMB, 10s), 3s);
}

TEST_F(ReportTurnsTest, TurnsAreBoundedSoALongLineDoesNotParkAgentsForHours) {
  std::chrono::milliseconds last{0};
  for (int i = 0; i < 1000; ++i) last = turnFor(10 * kMB, 64 * kMB, 0s);
  EXPECT_EQ(last, 5min);
  // The line itself is cut at the bound: a minute on, the next turn is 4 min 1 s away,
  // not the 15 min 41 s that a thousand turns of a second each would make.
  EXPECT_EQ(turnFor(10 * kMB, 64 * kMB, 1min), 4min + 1s);
}

}  // namespace
}  // namespace parc::server::control
