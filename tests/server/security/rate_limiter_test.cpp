#include "server/security/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"

namespace parc::server::security {
namespace {

using namespace std::chrono_literals;

/// A clock the test moves by hand; atomic so that threads may read it while it moves.
class FakeClock {
 public:
  std::chrono::steady_clock::time_point now() const {
    return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns_.load()));
  }
  void advance(std::chrono::nanoseconds d) { ns_ += d.count(); }
  RateLimiter::Clock fn() {
    return [this] { return now(); };
  }

 private:
  std::atomic<std::int64_t> ns_{1'000'000'000'000};
};

int allowedOf(RateLimiter& limiter, const std::string& key, int tries) {
  int allowed = 0;
  for (int i = 0; i < tries; ++i) allowed += limiter.allow(key) ? 1 : 0;
  return allowed;
}

TEST(RateLimiter, ABurstUpToCapacityThenRefusal) {
  FakeClock clock;
  RateLimiter limiter({.capacity = 5, .refillPerSecond = 1}, clock.fn());
  EXPECT_EQ(allowedOf(limiter, "192.0.2.1", 20), 5);
  EXPECT_FALSE(limiter.allow("192.0.2.1"));
}

TEST(RateLimiter, RefillsAtTheRateUpToCapacity) {
  FakeClock clock;
  RateLimiter limiter({.capacity = 5, .refillPerSecond = 2}, clock.fn());
  EXPECT_EQ(allowedOf(limiter, "a", 5), 5);
  clock.advance(499ms);
  EXPECT_FALSE(limiter.allow("a"));  // 0.998 tokens
  clock.advance(1ms);
  EXPECT_TRUE(limiter.allow("a"));  // one token after 0.5 s at 2/s
  EXPECT_FALSE(limiter.allow("a"));
  clock.advance(1h);
  EXPECT_EQ(allowedOf(limiter, "a", 100), 5);  // never more than capacity
}

TEST(RateLimiter, KeysAreIndependent) {
  FakeClock clock;
  RateLimiter limiter({.capacity = 3, .refillPerSecond = 1}, clock.fn());
  EXPECT_EQ(allowedOf(limiter, "a", 10), 3);
  EXPECT_EQ(allowedOf(limiter, "b", 10), 3);
  EXPECT_EQ(limiter.size(), 2u);
}

TEST(RateLimiter, AClockGoingBackwardsRefillsNothing) {
  FakeClock clock;
  RateLimiter limiter({.capacity = 2, .refillPerSecond = 1}, clock.fn());
  clock.advance(10s);
  EXPECT_EQ(allowedOf(limiter, "a", 5), 2);
  clock.advance(-5s);
  EXPECT_FALSE(limiter.allow("a"));
  clock.advance(5s);
  EXPECT_FALSE(limiter.allow("a"));  // back where it was: still nothing earned
  clock.advance(1s);
  EXPECT_TRUE(limiter.allow("a"));
}

TEST(RateLimiter, IdleKeysAreForgottenOnceTheirBucketWouldBeFull) {
  FakeClock clock;
  RateLimiter limiter({.capacity = 10, .refillPerSecond = 1}, clock.fn());
  for (int i = 0; i < 50; ++i) limiter.allow("idle-" + std::to_string(i));
  EXPECT_EQ(limiter.size(), 50u);
  clock.advance(9s);
  limiter.allow("fresh");
  EXPECT_EQ(limiter.size(), 51u);  // 9 s < 10 s to fill: kept
  clock.advance(1s);
  limiter.allow("fresh");
  EXPECT_EQ(limiter.size(), 1u);
}

TEST(RateLimiter, TheKeyCapEvictsTheLeastRecentlyUsed) {
  FakeClock clock;
  RateLimiter limiter({.capacity = 2, .refillPerSecond = 0.001, .maxKeys = 3}, clock.fn());
  EXPECT_EQ(allowedOf(limiter, "a", 2), 2);
  EXPECT_EQ(allowedOf(limiter, "b", 2), 2);
  EXPECT_EQ(allowedOf(limiter, "c", 2), 2);
  EXPECT_FALSE(limiter.allow("a"));  // a is now the most recent; b the oldest
  EXPECT_TRUE(limiter.allow("d"));   // evicts b
  EXPECT_EQ(limiter.size(), 3u);
  EXPECT_FALSE(limiter.allow("a"));  // a kept its empty bucket
  EXPECT_FALSE(limiter.allow("c"));
  EXPECT_TRUE(limiter.allow("b"));  // b was forgotten: a fresh bucket (the cap's price)
}

TEST(RateLimiter, InvalidOptionsAreRefused) {
  EXPECT_THROW(RateLimiter({.capacity = 0, .refillPerSecond = 1}), Error);
  EXPECT_THROW(RateLimiter({.capacity = 1, .refillPerSecond = 0}), Error);
  EXPECT_THROW(RateLimiter({.capacity = 1, .refillPerSecond = 1, .maxKeys = 0}), Error);
}

TEST(RateLimiter, ThreadsHammeringOneKeyGetExactlyTheCapacityWhenTimeStands) {
  FakeClock clock;
  RateLimiter limiter({.capacity = 100, .refillPerSecond = 10}, clock.fn());
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] { allowed += allowedOf(limiter, "shared", 1000); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 100);
}

TEST(RateLimiter, ThreadsHammeringWhileTimeMovesGetAtMostCapacityPlusRefill) {
  FakeClock clock;
  const double capacity = 50, rate = 100;
  RateLimiter limiter({.capacity = capacity, .refillPerSecond = rate}, clock.fn());
  std::atomic<int> allowed{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      while (!stop) {
        allowed += limiter.allow("shared") ? 1 : 0;
        // Another key per thread churns the map and the LRU list at the same time.
        limiter.allow("own-" + std::to_string(t));
      }
    });
  }
  // 2 s of fake time in 1 ms steps: at most 50 + 2 s × 100/s = 250 tokens.
  for (int i = 0; i < 2000; ++i) {
    clock.advance(1ms);
    std::this_thread::sleep_for(20us);
  }
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_LE(allowed.load(), capacity + 2 * rate);
  EXPECT_GE(allowed.load(), capacity);  // the first burst at least was served
}

}  // namespace
}  // namespace parc::server::security
