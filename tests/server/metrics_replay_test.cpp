// The replay at start: batches a power cut took from metrics.sqlite come back from their
// copies in parc.db, once, with the time they were received; nothing older than the
// newest batch held (less the margin) is read.
#include "server/app/metrics_replay.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "server/alerts/health_service.h"
#include "tests/server/enrolled_store.h"

namespace parc::server::app {
namespace {

using store::IncomingMessage;

class MetricsReplayTest : public parc::testing::EnrolledStoreTest {
 protected:
  void SetUp() override {
    EnrolledStoreTest::SetUp();
    health_ = alerts::HealthService::inMemory({});
  }

  static std::string payload(store::Time collectedAt, double value) {
    return Json{{"collected_at", collectedAt},
                {"metrics", Json::array({Json{{"name", "cpu.usage_pct"}, {"value", value}}})}}
        .dump();
  }
  // Received (and acknowledged) at `at`: its copy in parc.db, and in the series unless
  // the power cut took it.
  void received(const std::string& id, const std::string& body, store::Time at, bool inSeries) {
    store_->storeMessages(host_, {IncomingMessage{id, "metrics", at, body, {}}}, at);
    if (!inSeries) return;
    Json parsed = parseJson(body);
    health_->ingestMetricsMany({{host_, tenant_, &id, &parsed}}, at);
  }
  std::vector<bool> held(const std::vector<std::string>& ids) {
    std::vector<std::pair<store::Id, std::string>> keys;
    for (const auto& id : ids) keys.emplace_back(host_, id);
    return health_->metrics().holds(keys);
  }

  static constexpr store::Time kNow = 1'800'000'000;
  std::unique_ptr<alerts::HealthService> health_;
};

TEST_F(MetricsReplayTest, TheBatchesTheSeriesLostComeBackOnce) {
  received("long-ago", payload(kNow - 3600, 1), kNow - 3600, false);  // before the window
  received("kept", payload(kNow - 100, 2), kNow - 100, true);
  received("lost-1", payload(kNow - 60, 3), kNow - 50, false);
  received("lost-2", payload(kNow - 10, 4), kNow - 10, false);
  received("unreadable", R"({"collected_at":"soon"})", kNow - 5, false);
  ASSERT_EQ(health_->metrics().pointCount("raw"), 1);

  auto replay = replayLostMetrics(*store_, *health_, kNow);
  EXPECT_EQ(replay.since, kNow - 100 - kMetricsReplayMargin) << "from the newest batch held";
  EXPECT_EQ(replay.checked, 4) << "kept, lost-1, lost-2, unreadable";
  EXPECT_EQ(replay.restored, 2);
  EXPECT_EQ(replay.unusable, 1);
  EXPECT_EQ(held({"long-ago", "kept", "lost-1", "lost-2"}),
            (std::vector<bool>{false, true, true, true}));
  EXPECT_EQ(health_->metrics().pointCount("raw"), 3);
  // With the time they were received: the newest batch held is lost-2's now.
  EXPECT_EQ(health_->metrics().lastIngestedAt(), kNow - 10);
  auto points = health_->metrics().recent(host_, "cpu.usage_pct", "", kNow - 200);
  ASSERT_EQ(points.size(), 3U);
  EXPECT_EQ(points[1], (std::pair<store::Time, double>{kNow - 60, 3}));

  auto again = replayLostMetrics(*store_, *health_, kNow + 5);
  EXPECT_EQ(again.restored, 0) << "a second start restores nothing twice";
  EXPECT_EQ(health_->metrics().pointCount("raw"), 3);
}

TEST_F(MetricsReplayTest, AnEmptyMetricsStoreIsFilledFromTheMarginBeforeNow) {
  received("an-hour-ago", payload(kNow - 3600, 1), kNow - 3600, false);
  received("a-minute-ago", payload(kNow - 60, 2), kNow - 60, false);
  auto replay = replayLostMetrics(*store_, *health_, kNow);
  EXPECT_EQ(replay.since, kNow - kMetricsReplayMargin);
  EXPECT_EQ(replay.restored, 1);
  EXPECT_EQ(held({"an-hour-ago", "a-minute-ago"}), (std::vector<bool>{false, true}));
}

// The series lost days of batches (or never had them): the start reads a day of copies
// back from the newest message, not everything since the newest batch held.
TEST_F(MetricsReplayTest, NoMoreThanADayBeforeTheNewestMessageIsRead) {
  received("kept", payload(kNow - 4 * 86400, 1), kNow - 4 * 86400, true);
  received("two-days-ago", payload(kNow - 2 * 86400, 2), kNow - 2 * 86400, false);
  received("an-hour-ago", payload(kNow - 3600, 3), kNow - 3600, false);
  store_->storeMessages(host_, {IncomingMessage{"an-event", "event", kNow - 60, "{}", {}}},
                        kNow - 60);
  auto replay = replayLostMetrics(*store_, *health_, kNow);
  EXPECT_EQ(replay.since, kNow - 60 - kMetricsReplayWindow);
  EXPECT_EQ(replay.checked, 1);
  EXPECT_EQ(replay.restored, 1);
  EXPECT_EQ(held({"two-days-ago", "an-hour-ago"}), (std::vector<bool>{false, true}));
}

}  // namespace
}  // namespace parc::server::app
