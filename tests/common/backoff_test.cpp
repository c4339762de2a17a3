#include "common/thread/backoff.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace parc {
namespace {

using namespace std::chrono_literals;

// Each wait lies in [0, min(cap, base * 2^attempt)] and spreads over all of it (full
// jitter: refused PCs come back spread from the first instant, not bunched at the top).
TEST(Backoff, FullJitterUpToTheDoublingCeilingAndTheCap) {
  for (int attempt : {0, 1, 3, 8, 9, 40, 1000}) {
    auto ceiling = std::min<std::chrono::milliseconds>(5min, 1s * (1LL << std::min(attempt, 20)));
    std::chrono::milliseconds least = ceiling, most = 0ms;
    for (int i = 0; i < 2000; ++i) {
      auto wait = backoffWithFullJitter(attempt, 1s, 5min);
      least = std::min(least, wait);
      most = std::max(most, wait);
    }
    EXPECT_GE(least, 0ms) << "attempt " << attempt;
    EXPECT_LE(most, ceiling) << "attempt " << attempt;
    EXPECT_LT(least, ceiling / 4) << "attempt " << attempt;
    EXPECT_GT(most, ceiling * 3 / 4) << "attempt " << attempt;
  }
}

// A refusal that names its wait is waited for: that wait and up to a tenth more, whatever
// the failures before it (the server's turn, not our doubling), never past the cap; with
// no hint, the doubling again.
TEST(Backoff, AHintedRefusalWaitsItsTurnPlusATenthAtMost) {
  std::chrono::milliseconds least = 1h, most = 0ms;
  for (int i = 0; i < 2000; ++i) {
    auto wait = retryDelay(i % 12, 1s, 5min, 20s);
    least = std::min(least, wait);
    most = std::max(most, wait);
  }
  EXPECT_GE(least, 20s);
  EXPECT_LT(least, 20s + 200ms) << "spread from the turn itself";
  EXPECT_LE(most, 22s);
  EXPECT_GT(most, 21800ms) << "spread over the whole tenth";
  EXPECT_EQ(retryDelay(0, 1s, 5min, 1h), 5min) << "capped";
  for (int i = 0; i < 200; ++i) EXPECT_LE(retryDelay(0, 1s, 5min, 0ms), 1s) << "no hint";
}

}  // namespace
}  // namespace parc
