// The time-series store: ingest, deduplication by message id, raw → 5 min → hourly
// levels, retention, chart queries, and what a malformed batch does (nothing).
#include "server/health/metrics_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "common/error.h"
#include "common/sqlite/database.h"

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

// A group's points are written in key order, not arrival order: two batches of one host
// with the same collection time (an agent whose clock stepped back) keep the later one's
// values, as writing them in arrival order did; the other hosts' points are all there.
TEST(MetricsStore, InAGroupTheLaterOfTwoPointsWithOneKeyIsKept) {
  auto store = MetricsStore::inMemory();
  auto first = parseMetricsPayload(batch(kDay0 + 60, 50, 10), kDay0 + 61);
  auto later = parseMetricsPayload(batch(kDay0 + 60, 70, 30), kDay0 + 61);
  auto other = parseMetricsPayload(batch(kDay0 + 60, 20, 90), kDay0 + 61);
  std::string m1 = "m1", m2 = "m2", m3 = "m3";
  store->ingestMany({{2, 7, &m3, &other}, {1, 7, &m1, &first}, {1, 7, &m2, &later}}, kDay0 + 61);
  EXPECT_EQ(store->pointCount("raw"), 6);
  auto cpu = store->recent(1, "cpu.usage_pct", "", kDay0);
  ASSERT_EQ(cpu.size(), 1U);
  EXPECT_DOUBLE_EQ(cpu[0].second, 30);
  EXPECT_DOUBLE_EQ(store->recent(1, "disk.used_pct", "/", kDay0).at(0).second, 70);
  EXPECT_DOUBLE_EQ(store->recent(2, "cpu.usage_pct", "", kDay0).at(0).second, 90);
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
  EXPECT_EQ(store->rollUp(now).buckets, std::size_t{3 * 288});
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
  EXPECT_EQ(store->rollUp(hour + 400).buckets, 1u);
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
  EXPECT_EQ(store->rollUp(hour + 900).buckets, 2u);
  five = cpu(300, hour + 900);
  EXPECT_EQ(five[0].count, 2);
  EXPECT_DOUBLE_EQ(five[0].avg, 30);
  EXPECT_DOUBLE_EQ(five[0].max, 50);
  auto hourly = cpu(3600, hour + 900);
  ASSERT_EQ(hourly.size(), 1u);
  EXPECT_EQ(hourly[0].count, 3);
  EXPECT_DOUBLE_EQ(hourly[0].avg, 30);
  // Rolling up again changes nothing.
  EXPECT_EQ(store->rollUp(hour + 900).buckets, 0u);
  EXPECT_EQ(cpu(3600, hour + 900)[0].count, 3);
}

// A roll-up transaction holds the store's lock, and the ingest waits: slices follow the
// time their transactions take (a bucket of a host reporting every second holds 60 times
// the points of one reporting every minute), shrinking at once and growing twofold.
TEST(MetricsStore, RollUpSlicesFollowTheTimeTheirTransactionsTake) {
  auto thirteenPendingBuckets = [] {
    auto store = MetricsStore::inMemory();
    for (Id host = 1; host <= 13; ++host) {
      EXPECT_TRUE(store->ingest(host, 1, "m", parseMetricsPayload(batch(kDay0 + 30, 50, 10), kDay0),
                                kDay0 + 200));
    }
    return store;
  };
  // Every transaction takes longer than a nanosecond: one bucket each.
  auto slow = thirteenPendingBuckets();
  slow->setRollUpBudget(std::chrono::nanoseconds(1));
  auto rolled = slow->rollUp(kDay0 + 600);
  EXPECT_EQ(rolled.buckets, 13u);
  EXPECT_EQ(rolled.transactions, 13u);
  // None takes a minute: 1, 2, 4, then the 6 left.
  auto quick = thirteenPendingBuckets();
  quick->setRollUpBudget(std::chrono::minutes(1));
  rolled = quick->rollUp(kDay0 + 600);
  EXPECT_EQ(rolled.buckets, 13u);
  EXPECT_EQ(rolled.transactions, 4u);
  EXPECT_EQ(quick->pointCount("pending"), 0);
  EXPECT_EQ(quick->pointCount("5m"), 13 * 3);
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

// Callers on several threads (the report workers) share transactions (group commit):
// each gets its own answers, every batch is stored once, and of one id sent by all of
// them exactly one is told "stored".
TEST(MetricsStore, ConcurrentCallersAreGroupCommittedEachBatchOnce) {
  auto dir =
      std::filesystem::temp_directory_path() / ("parc-metrics-group-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  constexpr int kThreads = 6, kPerThread = 40;
  {
    MetricsStore store(dir / "metrics.sqlite");
    std::atomic<int> sharedStored{0};
    std::vector<std::thread> threads;
    for (int th = 0; th < kThreads; ++th) {
      threads.emplace_back([&, th] {
        for (int i = 0; i < kPerThread; ++i) {
          std::string id = "t" + std::to_string(th) + "-" + std::to_string(i);
          auto b = parseMetricsPayload(batch(kDay0 + 60 * i, th, i), kDay0 + 60 * i);
          std::vector<MetricsStore::Incoming> mine{{Id{10 + th}, 1, &id, &b}};
          EXPECT_EQ(store.ingestMany(mine, kDay0 + 60 * i), std::vector<bool>{true}) << id;
        }
        std::string shared = "shared";
        auto b = parseMetricsPayload(batch(kDay0, 1, 1), kDay0);
        if (store.ingest(1, 1, shared, b, kDay0)) ++sharedStored;
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(sharedStored.load(), 1);
    EXPECT_EQ(store.pointCount("raw"), (kThreads * kPerThread + 1) * 3);
    auto held = store.holds({{10, "t0-0"}, {15, "t5-39"}, {1, "shared"}, {11, "t0-0"}});
    EXPECT_EQ(held, (std::vector<bool>{true, true, true, false}));
  }
  std::filesystem::remove_all(dir);
}

// Raw points are keyed by their 5-minute bucket first: reads that span buckets (a
// prediction's day, a chart's hour, the current values) must still find every point.
TEST(MetricsStore, RecentLatestAndRawChartsReadAcrossBuckets) {
  auto store = MetricsStore::inMemory();
  for (int minute = 0; minute < 40; ++minute) {
    Time t = kDay0 + minute * 60;
    auto b = parseMetricsPayload(batch(t, minute, 100 - minute), t);
    if (minute >= 30) b.samples.erase(b.samples.begin() + 1);  // "/home" unmounted at 30
    ASSERT_TRUE(store->ingest(1, 7, "m" + std::to_string(minute), b, t));
    ASSERT_TRUE(store->ingest(2, 7, "m" + std::to_string(minute), b, t));
  }
  auto root = store->recent(1, "disk.used_pct", "/", kDay0 + 7 * 60);
  ASSERT_EQ(root.size(), 33u);  // minutes 7..39, across 7 buckets, oldest first
  EXPECT_EQ(root.front(), std::make_pair(kDay0 + 7 * 60, 7.0));
  EXPECT_EQ(root.back(), std::make_pair(kDay0 + 39 * 60, 39.0));
  EXPECT_EQ(store->recent(1, "disk.used_pct", "/home", kDay0).size(), 30u);
  EXPECT_TRUE(store->recent(1, "disk.used_pct", "/", kDay0 + 40 * 60).empty());

  auto current = store->latest("disk.used_pct", kDay0);  // since before the first bucket
  ASSERT_EQ(current.size(), 4u);                         // two hosts × ("/", "/home")
  EXPECT_EQ(current[0].subject, "/");
  EXPECT_EQ(current[0].t, kDay0 + 39 * 60);
  EXPECT_DOUBLE_EQ(current[0].value, 39);
  EXPECT_EQ(current[1].subject, "/home");  // its newest point is in an older bucket
  EXPECT_EQ(current[1].t, kDay0 + 29 * 60);
  EXPECT_DOUBLE_EQ(current[1].value, 14.5);
  EXPECT_EQ(current[2].hostId, 2);
  EXPECT_EQ(store->latest(std::nullopt, kDay0 + 35 * 60).size(), 4u);  // "/" and cpu × 2
  EXPECT_TRUE(store->latest(std::nullopt, kDay0 + 41 * 60).empty());

  // Trends read the rolled-up 5-minute means: minutes 0..39 are eight closed buckets.
  EXPECT_TRUE(store->fiveMinuteMeans(1, "disk.used_pct", "/", kDay0).empty());  // not rolled
  store->rollUp(kDay0 + 40 * 60);
  auto means = store->fiveMinuteMeans(1, "disk.used_pct", "/", kDay0 + 300);
  ASSERT_EQ(means.size(), 7u);
  EXPECT_EQ(means.front(), std::make_pair(kDay0 + 300, 7.0));  // mean of minutes 5..9
  EXPECT_EQ(means.back(), std::make_pair(kDay0 + 2100, 37.0));

  auto chart =
      store->query(1, "cpu.usage_pct", std::nullopt, kDay0 + 290, kDay0 + 1810, 120, kDay0 + 2400);
  ASSERT_EQ(chart.resolution, "raw");
  ASSERT_EQ(chart.series.size(), 1u);
  std::int64_t points = 0;
  for (const auto& p : chart.series[0].points) points += p.count;
  EXPECT_EQ(points, 26);  // minutes 5..30: [290, 1810) holds 300..1800
  EXPECT_DOUBLE_EQ(chart.series[0].points.front().max, 95);  // minute 5 (bucket 240..359)
}

// A metrics.sqlite of schema 3 (raw keyed by series then time) keeps its points, each with
// its own host, when this version re-keys raw by bucket (migration 4), then by host within
// the bucket (5).
TEST(MetricsStore, RawPointsOfSchema3AreKeptWhenReKeyedByBucketAndHost) {
  auto dir =
      std::filesystem::temp_directory_path() / ("parc-metrics-v3-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  {
    auto db = sqlite::Database::open(dir / "metrics.sqlite");
    db.exec(R"sql(
CREATE TABLE series (id INTEGER PRIMARY KEY, host_id INTEGER NOT NULL,
  tenant_id INTEGER NOT NULL, name TEXT NOT NULL, subject TEXT NOT NULL,
  UNIQUE (host_id, name, subject));
CREATE TABLE raw (series_id INTEGER NOT NULL, t INTEGER NOT NULL, v REAL NOT NULL,
  PRIMARY KEY (series_id, t)) WITHOUT ROWID;
CREATE TABLE agg_5m (series_id INTEGER NOT NULL, t INTEGER NOT NULL, n INTEGER NOT NULL,
  sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL, PRIMARY KEY (series_id, t))
  WITHOUT ROWID;
CREATE TABLE agg_1h (series_id INTEGER NOT NULL, t INTEGER NOT NULL, n INTEGER NOT NULL,
  sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL, PRIMARY KEY (series_id, t))
  WITHOUT ROWID;
CREATE TABLE ingested (host_id INTEGER NOT NULL, message_id TEXT NOT NULL,
  at INTEGER NOT NULL, PRIMARY KEY (host_id, message_id)) WITHOUT ROWID;
CREATE INDEX ingested_at ON ingested (at);
CREATE INDEX series_name ON series (name, host_id);
CREATE TABLE rollup_pending (host_id INTEGER NOT NULL, t INTEGER NOT NULL,
  PRIMARY KEY (host_id, t)) WITHOUT ROWID;
INSERT INTO series VALUES (1, 5, 7, 'disk.used_pct', '/');
INSERT INTO series VALUES (2, 6, 7, 'disk.used_pct', '/');
INSERT INTO raw VALUES (2, 1795910430, 99000);
INSERT INTO ingested VALUES (5, 'old', 1795910400);
PRAGMA user_version = 3;
)sql");
    for (int minute = 0; minute < 12; ++minute) {
      sqlite::Statement(db, "INSERT INTO raw VALUES (1, ?, ?)")
          .bind(1, kDay0 + minute * 60)
          .bind(2, 1000.0 * minute)
          .run();
    }
    for (Time bucket : {kDay0, kDay0 + 300, kDay0 + 600}) {  // none rolled up yet
      sqlite::Statement(db, "INSERT INTO rollup_pending VALUES (5, ?)").bind(1, bucket).run();
    }
  }
  MetricsStore store(dir / "metrics.sqlite");
  EXPECT_EQ(store.pointCount("raw"), 13);
  auto points = store.recent(5, "disk.used_pct", "/", kDay0);
  ASSERT_EQ(points.size(), 12u);
  EXPECT_EQ(points[11], std::make_pair(kDay0 + 660, 11.0));
  EXPECT_EQ(store.recent(6, "disk.used_pct", "/", kDay0),
            (std::vector<std::pair<Time, double>>{{kDay0 + 30, 99.0}}));
  // The old points roll up, and new ones land beside them.
  EXPECT_FALSE(store.ingest(5, 7, "old", parseMetricsPayload(batch(kDay0, 1, 1), kDay0), kDay0));
  ASSERT_TRUE(store.ingest(5, 7, "new", parseMetricsPayload(batch(kDay0 + 720, 12, 1), kDay0 + 720),
                           kDay0 + 720));
  store.rollUp(kDay0 + 900);
  auto five =
      store.query(5, "disk.used_pct", std::string("/"), kDay0, kDay0 + 900, 300, kDay0 + 900);
  ASSERT_EQ(five.series.size(), 1u);
  ASSERT_EQ(five.series[0].points.size(), 3u);
  EXPECT_DOUBLE_EQ(five.series[0].points[0].avg, 2);  // minutes 0..4
  EXPECT_EQ(five.series[0].points[2].count, 3);       // minutes 10, 11 and the new 12
  EXPECT_DOUBLE_EQ(five.series[0].points[2].max, 12);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace parc::server::health
