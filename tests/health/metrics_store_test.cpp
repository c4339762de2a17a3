// The time-series store: ingest, deduplication by message id, raw → 5 min → hourly
// levels, retention, chart queries, and what a malformed batch does (nothing).
#include "server/health/metrics_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/error.h"

namespace parc::server::health {
namespace {

constexpr Time kDay0 = 1795910400;  // 2026-11-29 00:00:00 UTC (a multiple of 3600)

Json batch(Time at, double disk, double cpu) {
  return Json{{"version", 1},
              {"collected_at", at},
              {"interval_seconds", 60},
              {"metrics",
               {{{"name", "disk.used_pct"}, {"subject", "/"}, {"value", disk}},
                {{"name", "disk.used_pct"}, {"subject", "/home"}, {"value", disk / 2}},
                {{"name", "cpu.usage_pct"}, {"value", cpu}}}}};
}

TEST(MetricsStore, IngestOnceAndQueryRawPoints) {
  auto store = MetricsStore::inMemory();
  auto b = parseMetricsPayload(batch(kDay0 + 60, 50, 10), kDay0 + 61);
  EXPECT_TRUE(store->ingest(1, 7, "m1", b, kDay0 + 61));
  EXPECT_FALSE(store->ingest(1, 7, "m1", b, kDay0 + 62));  // resend: harmless
  EXPECT_EQ(store->pointCount("raw"), 3);
  EXPECT_TRUE(store->ingest(
      1, 7, "m2", parseMetricsPayload(batch(kDay0 + 120, 52, 30), kDay0 + 121), kDay0 + 121));
  auto r = store->query(1, "disk.used_pct", std::nullopt, kDay0, kDay0 + 600, 60, kDay0 + 600);
  EXPECT_EQ(r.resolution, "raw");
  ASSERT_EQ(r.series.size(), 2u);
  EXPECT_EQ(r.series[0].subject, "/");
  ASSERT_EQ(r.series[0].points.size(), 2u);
  EXPECT_EQ(r.series[0].points[0].t, kDay0 + 60);
  EXPECT_DOUBLE_EQ(r.series[0].points[1].avg, 52);
  auto one =
      store->query(1, "disk.used_pct", std::string("/home"), kDay0, kDay0 + 600, 300, kDay0 + 600);
  ASSERT_EQ(one.series.size(), 1u);
  EXPECT_EQ(one.resolution, "5m");
  ASSERT_EQ(one.series[0].points.size(), 1u);
  EXPECT_DOUBLE_EQ(one.series[0].points[0].avg, 25.5);
  EXPECT_DOUBLE_EQ(one.series[0].points[0].min, 25);
  EXPECT_DOUBLE_EQ(one.series[0].points[0].max, 26);
  EXPECT_EQ(one.series[0].points[0].count, 2);
  // Another host's series are not mixed in.
  EXPECT_TRUE(store->query(2, "disk.used_pct", std::nullopt, kDay0, kDay0 + 600, 60, kDay0 + 600)
                  .series.empty());
}

TEST(MetricsStore, ManyBatchesOfManyHostsInOneTransaction) {
  auto store = MetricsStore::inMemory();
  auto b1 = parseMetricsPayload(batch(kDay0 + 60, 50, 10), kDay0 + 61);
  auto b2 = parseMetricsPayload(batch(kDay0 + 120, 60, 20), kDay0 + 121);
  std::string m1 = "m1", m2 = "m2";
  auto stored = store->ingestMany(
      {{1, 7, &m1, &b1}, {2, 7, &m1, &b1}, {1, 7, &m2, &b2}, {1, 7, &m1, &b2}}, kDay0 + 130);
  // The last is host 1's "m1" again in the same group: a resend, not folded in twice.
  EXPECT_EQ(stored, (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(store->pointCount("raw"), 9);
  auto r = store->query(1, "cpu.usage_pct", std::nullopt, kDay0, kDay0 + 600, 300, kDay0 + 600);
  ASSERT_EQ(r.series.size(), 1U);
  ASSERT_EQ(r.series[0].points.size(), 1U);
  EXPECT_EQ(r.series[0].points[0].count, 2);
  EXPECT_DOUBLE_EQ(r.series[0].points[0].avg, 15);
  EXPECT_EQ(store->query(2, "cpu.usage_pct", std::nullopt, kDay0, kDay0 + 600, 300, kDay0 + 600)
                .series.at(0)
                .points.at(0)
                .count,
            1);
}

TEST(MetricsStore, DownsamplingAndRetentionOverThreeDays) {
  Retention keep;
  keep.raw = std::chrono::hours(48);
  keep.fiveMinutes = std::chrono::hours(24 * 35);
  keep.hourly = std::chrono::hours(24 * 400);
  auto store = MetricsStore::inMemory(keep);
  // Three days of one batch a minute: cpu alternates 0 / 100 within every hour.
  int n = 0;
  for (Time t = kDay0; t < kDay0 + 3 * 86400; t += 60, ++n) {
    double cpu = (n % 2) ? 100 : 0;
    ASSERT_TRUE(store->ingest(1, 1, "m" + std::to_string(n),
                              parseMetricsPayload(batch(t, 40 + double(n) / 1000, cpu), t), t));
  }
  Time now = kDay0 + 3 * 86400;
  EXPECT_EQ(store->pointCount("raw"), 3 * 1440 * 3);
  // Buckets are rolled up once closed (each health round), not at ingest.
  EXPECT_EQ(store->pointCount("5m"), 0);
  EXPECT_EQ(store->pointCount("pending"), 3 * 288);
  EXPECT_EQ(store->rollUp(now), std::size_t{3 * 288});
  EXPECT_EQ(store->pointCount("pending"), 0);
  EXPECT_EQ(store->pointCount("5m"), 3 * 288 * 3);
  EXPECT_EQ(store->pointCount("1h"), 3 * 72);
  store->applyRetention(now);
  EXPECT_EQ(store->pointCount("raw"), 2 * 1440 * 3);  // the first day's raw points are gone
  EXPECT_EQ(store->pointCount("5m"), 3 * 288 * 3);
  // Day 1 is now served from the 5-minute level, hour buckets from the hourly one.
  auto day1 = store->query(1, "cpu.usage_pct", std::nullopt, kDay0, kDay0 + 86400, 300, now);
  EXPECT_EQ(day1.resolution, "5m");
  ASSERT_EQ(day1.series.size(), 1u);
  EXPECT_EQ(day1.series[0].points.size(), 288u);
  EXPECT_DOUBLE_EQ(day1.series[0].points[0].min, 0);
  EXPECT_DOUBLE_EQ(day1.series[0].points[0].max, 100);
  auto hourly = store->query(1, "cpu.usage_pct", std::nullopt, kDay0, now, 3600, now);
  EXPECT_EQ(hourly.resolution, "1h");
  ASSERT_EQ(hourly.series[0].points.size(), 72u);
  EXPECT_DOUBLE_EQ(hourly.series[0].points[5].avg, 50);
  EXPECT_EQ(hourly.series[0].points[5].count, 60);
  // Beyond the hourly retention everything goes.
  store->applyRetention(now + 400LL * 86400 + 3 * 86400);
  EXPECT_EQ(store->pointCount("1h"), 0);
}

TEST(MetricsStore, LateBatchFromAnOfflineWeekStillFoldsIntoAggregates) {
  auto store = MetricsStore::inMemory();
  Time now = kDay0 + 10 * 86400;
  Time old = kDay0 + 3 * 86400;  // collected a week ago, kept in the agent's outbox
  ASSERT_TRUE(store->ingest(1, 1, "late", parseMetricsPayload(batch(old, 70, 5), now), now));
  EXPECT_EQ(store->pointCount("raw"), 0);  // older than raw retention: not kept raw
  auto r = store->query(1, "disk.used_pct", std::string("/"), old - 3600, old + 3600, 300, now);
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_DOUBLE_EQ(r.series[0].points[0].avg, 70);
}

TEST(MetricsStore, RollUpKeepsOpenBucketsPendingAndRecomputesLatePoints) {
  auto store = MetricsStore::inMemory();
  Time hour = kDay0 + 7200;
  auto put = [&](const std::string& id, Time at, double cpu, Time received) {
    ASSERT_TRUE(
        store->ingest(1, 1, id, parseMetricsPayload(batch(at, 10, cpu), received), received));
  };
  put("a", hour + 60, 10, hour + 61);
  put("b", hour + 360, 30, hour + 361);  // the second bucket, still open at hour + 400
  EXPECT_EQ(store->rollUp(hour + 400), 1u);
  EXPECT_EQ(store->pointCount("pending"), 1);
  EXPECT_EQ(store->pointCount("5m"), 3);
  // A chart rolls up its host's open bucket when it asks, and keeps it pending.
  auto cpu = [&](std::int64_t step, Time now) {
    return store->query(1, "cpu.usage_pct", std::nullopt, hour, hour + 3600, step, now)
        .series.at(0)
        .points;
  };
  auto five = cpu(300, hour + 400);
  ASSERT_EQ(five.size(), 2u);
  EXPECT_DOUBLE_EQ(five[1].avg, 30);
  EXPECT_EQ(store->pointCount("pending"), 1);
  // A batch that arrives late for the first, already rolled-up bucket is counted in once.
  put("late", hour + 120, 50, hour + 900);
  EXPECT_EQ(store->rollUp(hour + 900), 2u);
  five = cpu(300, hour + 900);
  EXPECT_EQ(five[0].count, 2);
  EXPECT_DOUBLE_EQ(five[0].avg, 30);
  EXPECT_DOUBLE_EQ(five[0].max, 50);
  auto hourly = cpu(3600, hour + 900);
  ASSERT_EQ(hourly.size(), 1u);
  EXPECT_EQ(hourly[0].count, 3);
  EXPECT_DOUBLE_EQ(hourly[0].avg, 30);
  // Rolling up again changes nothing.
  EXPECT_EQ(store->rollUp(hour + 900), 0u);
  EXPECT_EQ(cpu(3600, hour + 900)[0].count, 3);
}

TEST(MetricsStore, RetentionRollsUpBeforeItDeletesRawPoints) {
  auto store = MetricsStore::inMemory();
  for (int i = 0; i < 10; ++i) {
    Time t = kDay0 + i * 60;
    ASSERT_TRUE(store->ingest(1, 1, "m" + std::to_string(i),
                              parseMetricsPayload(batch(t, 20, i * 10), t), t));
  }
  // No health round ran (a server stopped for three days): nothing was rolled up yet.
  Time now = kDay0 + 3 * 86400;
  store->applyRetention(now);
  EXPECT_EQ(store->pointCount("raw"), 0);
  EXPECT_EQ(store->pointCount("pending"), 0);
  auto r = store->query(1, "cpu.usage_pct", std::nullopt, kDay0, kDay0 + 3600, 3600, now);
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].points.at(0).count, 10);
  EXPECT_DOUBLE_EQ(r.series[0].points.at(0).avg, 45);
}

TEST(MetricsStore, MalformedBatchesAreRefusedWhole) {
  Time now = kDay0;
  auto bad = [&](Json j) { EXPECT_THROW(parseMetricsPayload(j, now), Error) << j.dump(); };
  bad(Json::array());
  bad(Json{{"metrics", Json::array()}});
  bad(Json{{"collected_at", now}, {"metrics", Json::object()}});
  bad(Json{{"collected_at", now}, {"metrics", {{{"name", "Bad Name"}, {"value", 1}}}}});
  bad(Json{{"collected_at", now}, {"metrics", {{{"name", "x"}, {"value", "1"}}}}});
  bad(Json{{"collected_at", now}, {"metrics", {{{"name", "x"}, {"value", 1}, {"subject", 3}}}}});
  Json many{{"collected_at", now}, {"metrics", Json::array()}};
  for (int i = 0; i < 5001; ++i) many["metrics"].push_back({{"name", "x"}, {"value", i}});
  bad(many);
  // The clock of an agent ahead of the server's is not trusted.
  auto b = parseMetricsPayload(batch(now + 3600, 1, 1), now);
  EXPECT_EQ(b.collectedAt, now);
}

TEST(MetricsStore, QueryBoundsAreChecked) {
  auto store = MetricsStore::inMemory();
  EXPECT_THROW(store->query(1, "x", std::nullopt, kDay0, kDay0 + 60, 10, kDay0), Error);
  EXPECT_THROW(store->query(1, "x", std::nullopt, kDay0 + 60, kDay0, 60, kDay0), Error);
  EXPECT_THROW(store->query(1, "x", std::nullopt, kDay0, kDay0 + 86400 * 2, 60, kDay0), Error);
}

TEST(MetricsStore, SurvivesReopeningTheFile) {
  auto dir = std::filesystem::temp_directory_path() / ("parc-metrics-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  {
    MetricsStore store(dir / "metrics.sqlite");
    ASSERT_TRUE(store.ingest(1, 1, "a", parseMetricsPayload(batch(kDay0, 1, 2), kDay0), kDay0));
  }
  {
    MetricsStore store(dir / "metrics.sqlite");
    EXPECT_FALSE(store.ingest(1, 1, "a", parseMetricsPayload(batch(kDay0, 1, 2), kDay0), kDay0));
    EXPECT_EQ(store.pointCount("raw"), 3);
    EXPECT_GT(store.sizeBytes(), 0);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace parc::server::health
