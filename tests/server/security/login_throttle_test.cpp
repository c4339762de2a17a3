#include "server/security/login_throttle.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/error.h"

namespace parc::server::security {
namespace {

using namespace std::chrono_literals;
using TimePoint = LoginThrottle::TimePoint;

const TimePoint kStart = TimePoint(1000h);

/// Records `n` failures one second apart (each after the wait has passed).
TimePoint failTimes(LoginThrottle& t, const std::string& account, const std::string& source, int n,
                    TimePoint at) {
  for (int i = 0; i < n; ++i) {
    at += t.retryAfter(account, source, at);
    t.recordFailure(account, source, at);
  }
  return at;
}

TEST(LoginThrottle, TheFirstFiveFailuresCostNothing) {
  LoginThrottle t;
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(t.retryAfter("marie", "192.0.2.1", kStart), 0s);
    t.recordFailure("marie", "192.0.2.1", kStart);
  }
  // The fifth failure is the last free one; the sixth will cost 1 s.
  EXPECT_EQ(t.retryAfter("marie", "192.0.2.1", kStart), 0s);
  t.recordFailure("marie", "192.0.2.1", kStart);
  EXPECT_EQ(t.retryAfter("marie", "192.0.2.1", kStart), 1s);
}

TEST(LoginThrottle, DelaysDoubleAndStopAtFifteenMinutes) {
  LoginThrottle t;
  TimePoint now = failTimes(t, "marie", "192.0.2.1", 5, kStart);
  std::vector<std::chrono::seconds> waits;
  for (int i = 0; i < 14; ++i) {
    t.recordFailure("marie", "192.0.2.1", now);
    auto wait = t.retryAfter("marie", "192.0.2.1", now);
    waits.push_back(wait);
    now += wait;
  }
  std::vector<std::chrono::seconds> expected = {1s,   2s,   4s,   8s,   16s,  32s,  64s,
                                                128s, 256s, 512s, 900s, 900s, 900s, 900s};
  EXPECT_EQ(waits, expected);
}

TEST(LoginThrottle, RetryAfterCountsDownAndRoundsUp) {
  LoginThrottle t;
  TimePoint now = failTimes(t, "marie", "s", 7, kStart);  // 7th failure: 2 s
  EXPECT_EQ(t.retryAfter("marie", "s", now), 2s);
  EXPECT_EQ(t.retryAfter("marie", "s", now + 500ms), 2s);  // 1.5 s -> 2 s
  EXPECT_EQ(t.retryAfter("marie", "s", now + 1s), 1s);
  EXPECT_EQ(t.retryAfter("marie", "s", now + 2s), 0s);
}

TEST(LoginThrottle, SuccessResetsTheAccount) {
  LoginThrottle t;
  TimePoint now = failTimes(t, "marie", "192.0.2.1", 8, kStart);
  EXPECT_GT(t.retryAfter("marie", "192.0.2.9", now), 0s);
  t.recordSuccess("marie", "192.0.2.1", now);
  EXPECT_EQ(t.retryAfter("marie", "192.0.2.9", now), 0s);
  // Counting starts again from zero: five free failures.
  now = failTimes(t, "marie", "192.0.2.9", 5, now);
  EXPECT_EQ(t.retryAfter("marie", "192.0.2.9", now), 0s);
}

TEST(LoginThrottle, SuccessDoesNotResetTheSource) {
  LoginThrottle t;
  TimePoint now = kStart;
  // Spraying: one failure on each of 25 accounts from one address.
  for (int i = 0; i < 25; ++i) {
    now += t.retryAfter("user" + std::to_string(i), "203.0.113.5", now);
    t.recordFailure("user" + std::to_string(i), "203.0.113.5", now);
  }
  EXPECT_EQ(t.retryAfter("fresh", "203.0.113.5", now), 16s);  // 25th: 5 past 20
  t.recordSuccess("attacker-own-account", "203.0.113.5", now);
  EXPECT_EQ(t.retryAfter("fresh", "203.0.113.5", now), 16s);
  EXPECT_EQ(t.retryAfter("fresh", "198.51.100.7", now), 0s);  // other sources unaffected
}

TEST(LoginThrottle, TheAccountIsThrottledFromEverySource) {
  LoginThrottle t;
  TimePoint now = kStart;
  for (int i = 0; i < 7; ++i) {
    std::string source = "192.0.2." + std::to_string(i);
    now += t.retryAfter("marie", source, now);
    t.recordFailure("marie", source, now);
  }
  EXPECT_EQ(t.retryAfter("marie", "198.51.100.1", now), 2s);
  EXPECT_EQ(t.retryAfter("paul", "198.51.100.1", now), 0s);
}

TEST(LoginThrottle, AQuietWindowAfterTheDelayForgetsTheFailures) {
  LoginThrottle t;
  TimePoint now = failTimes(t, "marie", "s", 20, kStart);
  auto wait = t.retryAfter("marie", "s", now);
  EXPECT_EQ(wait, 900s);
  // Waiting out the delay is not enough: the next failure still costs the maximum.
  TimePoint later = now + wait;
  t.recordFailure("marie", "s", later);
  EXPECT_EQ(t.retryAfter("marie", "s", later), 900s);
  // Fifteen quiet minutes after the delay ends: the count starts again.
  TimePoint quiet = later + 900s + 15min;
  t.recordFailure("marie", "s", quiet);
  EXPECT_EQ(t.retryAfter("marie", "s", quiet), 0s);
  // Just short of the window, it would not have.
  LoginThrottle u;
  now = failTimes(u, "marie", "s", 7, kStart);  // blocked 2 s
  TimePoint almost = now + 2s + 15min - 1s;
  u.recordFailure("marie", "s", almost);
  EXPECT_EQ(u.retryAfter("marie", "s", almost), 4s);
}

TEST(LoginThrottle, MemoryIsBoundedPerKind) {
  LoginThrottle t({.maxEntries = 3});
  for (int i = 0; i < 6; ++i) {
    t.recordFailure("a", "s", kStart);  // account "a" reaches 6 failures: 1 s
  }
  EXPECT_EQ(t.retryAfter("a", "other", kStart), 1s);
  for (int i = 0; i < 3; ++i) t.recordFailure("b" + std::to_string(i), "s", kStart + 1s);
  // "a" was the least recent of four accounts: forgotten.
  EXPECT_EQ(t.retryAfter("a", "other", kStart), 0s);
}

TEST(LoginThrottle, InvalidOptionsAreRefused) {
  EXPECT_THROW(LoginThrottle({.firstDelay = 0s}), Error);
  EXPECT_THROW(LoginThrottle({.firstDelay = 10s, .maxDelay = 5s}), Error);
  EXPECT_THROW(LoginThrottle({.maxEntries = 0}), Error);
}

}  // namespace
}  // namespace parc::server::security
