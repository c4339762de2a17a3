// The liveness the systemd watchdog asks before each keep-alive (common/liveness): a loop
// that stops coming round makes it unhealthy (the event loop's probe: tests/net).
#include "common/liveness/liveness.h"

#include <gtest/gtest.h>

#include <thread>

namespace parc {
namespace {

using namespace std::chrono_literals;

TEST(Liveness, HealthyWithNothingWatched) {
  Liveness liveness;
  EXPECT_TRUE(liveness.healthy());
}

TEST(Liveness, ALoopPastItsWaitAndWorkIsOverdue) {
  Liveness liveness;
  Heartbeat heartbeat(liveness, "test loop", 50ms);
  EXPECT_TRUE(liveness.healthy());
  heartbeat.resting(100ms);  // due back within 150 ms
  std::this_thread::sleep_for(60ms);
  EXPECT_TRUE(liveness.healthy()) << "still within its wait";
  std::this_thread::sleep_for(150ms);
  EXPECT_FALSE(liveness.healthy()) << "past its wait plus its work";
  heartbeat.progress();  // it came round: due within its work again
  EXPECT_TRUE(liveness.healthy());
}

TEST(Liveness, OneOverduePartIsEnoughAndAnEndedPartIsNoLongerAsked) {
  Liveness liveness;
  Heartbeat moving(liveness, "moving loop", 10s);
  {
    Heartbeat stuck(liveness, "stuck loop", 1ms);
    std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(liveness.healthy());
  }
  EXPECT_TRUE(liveness.healthy()) << "the stuck loop ended: unregistered";
}

TEST(Liveness, WatchesMoveWithoutUnregisteringTwice) {
  Liveness liveness;
  Liveness::Watch kept;
  {
    auto w = liveness.watch("late part", [] { return 1s; });
    kept = std::move(w);
  }
  EXPECT_FALSE(liveness.healthy()) << "the moved-from watch must not unregister the part";
  kept = Liveness::Watch();
  EXPECT_TRUE(liveness.healthy());
}

}  // namespace
}  // namespace parc
