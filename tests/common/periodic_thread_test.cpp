#include "common/thread/periodic_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "common/thread/thread_name.h"
#include "tests/common/wait.h"

namespace parc {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using parc::testing::waitFor;

TEST(PeriodicThread, RunsAtOnceThenAtTheInterval) {
  std::atomic<int> rounds{0};
  auto start = Clock::now();
  Clock::time_point first{}, second{};
  {
    PeriodicThread t("test-round", 200ms, [&](const auto&) {
      int n = ++rounds;
      if (n == 1) first = Clock::now();
      if (n == 2) second = Clock::now();
    });
    ASSERT_TRUE(waitFor([&] { return rounds >= 2; }, 5000ms, 5ms));
  }
  EXPECT_LT(first - start, 150ms) << "the first round does not wait for the interval";
  EXPECT_GE(second - first, 190ms);
}

TEST(PeriodicThread, DestructionEndsALongRoundThroughKeepGoingAndSkipsTheWait) {
  std::atomic<bool> inRound{false}, sawStop{false};
  auto started = Clock::now();
  {
    PeriodicThread t("test-long", std::chrono::hours(1), [&](const auto& keepGoing) {
      inRound = true;
      while (keepGoing()) std::this_thread::sleep_for(1ms);
      sawStop = true;
    });
    ASSERT_TRUE(waitFor([&] { return inRound.load(); }, 5000ms, 5ms));
  }
  EXPECT_TRUE(sawStop);
  EXPECT_LT(Clock::now() - started, 5s) << "neither the round nor the hour is waited for";
}

TEST(PeriodicThread, ItsRoundsRunOnAThreadWithItsName) {
  std::string seen;
  std::atomic<bool> ran{false};
  {
    PeriodicThread t("message-purge", std::chrono::hours(1), [&](const auto&) {
      seen = thisThreadName();
      ran = true;
    });
    ASSERT_TRUE(waitFor([&] { return ran.load(); }, 5000ms, 5ms));
  }
  EXPECT_EQ(seen, "message-purge");
  EXPECT_NE(thisThreadName(), "message-purge") << "the caller's thread keeps its own name";
}

TEST(ThreadName, IsCutToTheFifteenCharactersLinuxKeeps) {
  std::string seen;
  std::thread([&] {
    nameThisThread("a-name-longer-than-fifteen");
    seen = thisThreadName();
  }).join();
  EXPECT_EQ(seen, "a-name-longer-t");
}

}  // namespace
}  // namespace parc
