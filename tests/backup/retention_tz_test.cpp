// Retention on the town hall's calendar (Europe/Paris), not UTC: snapshots around
// midnight, across months and years, and around both DST changes (last Sundays of
// March and October), each checked against what UTC buckets would have decided.
#include <gtest/gtest.h>

#include <set>

#include "common/error.h"
#include "server/backup/retention.h"

namespace parc::server::backup {
namespace {

// Epoch seconds of Paris wall-clock times (computed with Python's zoneinfo).
constexpr std::int64_t kMar01_0030 = 1772321400;   // 2026-03-01 00:30 CET = 02-28 23:30 UTC
constexpr std::int64_t kFeb28_2200 = 1772312400;   // 2026-02-28 22:00 CET
constexpr std::int64_t kMar29_1200 = 1774778400;   // Sun 2026-03-29 12:00 CEST (after the change)
constexpr std::int64_t kMar29_2330 = 1774819800;   // Sun 2026-03-29 23:30 CEST = 21:30 UTC
constexpr std::int64_t kMar30_0030 = 1774823400;   // Mon 2026-03-30 00:30 CEST = 03-29 22:30 UTC
constexpr std::int64_t kOct25_0230a = 1792888200;  // 2026-10-25 02:30 CEST (first pass)
constexpr std::int64_t kOct25_0230b = 1792891800;  // 2026-10-25 02:30 CET (second pass)
constexpr std::int64_t kOct25_2330 = 1792967400;   // 2026-10-25 23:30 CET = 22:30 UTC
constexpr std::int64_t kOct26_0030 = 1792971000;   // 2026-10-26 00:30 CET = 10-25 23:30 UTC
constexpr std::int64_t kDec31_2200 = 1798750800;   // 2026-12-31 22:00 CET
constexpr std::int64_t kJan01_0030 = 1798759800;   // 2027-01-01 00:30 CET = 12-31 23:30 UTC

std::set<std::string> kept(const RetentionDecision& d) {
  std::set<std::string> out;
  for (const auto& k : d.keep) out.insert(k.id);
  return out;
}

const std::set<std::string> kBoth{"new", "old"};
const std::set<std::string> kNewOnly{"new"};

RetentionDecision decide(std::int64_t older, std::int64_t newer, Retention r,
                         const std::string& zone) {
  return decideRetention({{"old", older}, {"new", newer}}, r, zone);
}

TEST(RetentionTimeZone, HalfPastMidnightOnFirstOfMarchIsMarchFirst) {
  // daily: 1 March and 28 February are two days in Paris, one day in UTC.
  EXPECT_EQ(kept(decide(kFeb28_2200, kMar01_0030, {1, 2, 0, 0, 0}, "Europe/Paris")), kBoth);
  EXPECT_EQ(kept(decide(kFeb28_2200, kMar01_0030, {1, 2, 0, 0, 0}, "UTC")), kNewOnly);
  // monthly: March and February in Paris.
  auto d = decide(kFeb28_2200, kMar01_0030, {1, 0, 0, 2, 0}, "Europe/Paris");
  EXPECT_EQ(kept(d), kBoth);
  EXPECT_EQ(d.keep[1].reasons, std::vector<std::string>{"monthly"});
  EXPECT_EQ(kept(decide(kFeb28_2200, kMar01_0030, {1, 0, 0, 2, 0}, "UTC")), kNewOnly);
}

TEST(RetentionTimeZone, NewYearsNightBelongsToTheNewYear) {
  EXPECT_EQ(kept(decide(kDec31_2200, kJan01_0030, {1, 0, 0, 0, 2}, "Europe/Paris")), kBoth);
  EXPECT_EQ(kept(decide(kDec31_2200, kJan01_0030, {1, 0, 0, 0, 2}, "UTC")), kNewOnly);
}

TEST(RetentionTimeZone, SpringForwardNightAndIsoWeek) {
  // The night after the change (UTC+2): 23:30 and 00:30 are two days in Paris; a fixed
  // UTC+1 offset would have put 00:30 CEST on 29 March too.
  EXPECT_EQ(kept(decide(kMar29_2330, kMar30_0030, {1, 2, 0, 0, 0}, "Europe/Paris")), kBoth);
  EXPECT_EQ(kept(decide(kMar29_2330, kMar30_0030, {1, 2, 0, 0, 0}, "UTC")), kNewOnly);
  // Monday 00:30 starts ISO week 14 in Paris; in UTC it is still Sunday, week 13.
  auto d = decide(kMar29_1200, kMar30_0030, {1, 0, 2, 0, 0}, "Europe/Paris");
  EXPECT_EQ(kept(d), kBoth);
  EXPECT_EQ(d.keep[1].reasons, std::vector<std::string>{"weekly"});
  EXPECT_EQ(kept(decide(kMar29_1200, kMar30_0030, {1, 0, 2, 0, 0}, "UTC")), kNewOnly);
}

TEST(RetentionTimeZone, FallBackNight) {
  // 02:30 happens twice on 25 October: one day, one bucket.
  EXPECT_EQ(kept(decide(kOct25_0230a, kOct25_0230b, {1, 2, 0, 0, 0}, "Europe/Paris")), kNewOnly);
  // After the change (UTC+1): 23:30 on the 25th and 00:30 on the 26th are two days.
  EXPECT_EQ(kept(decide(kOct25_2330, kOct26_0030, {1, 2, 0, 0, 0}, "Europe/Paris")), kBoth);
  EXPECT_EQ(kept(decide(kOct25_2330, kOct26_0030, {1, 2, 0, 0, 0}, "UTC")), kNewOnly);
  // 14 daily snapshots at 00:30 local across the change: 14 distinct days in Paris.
  std::vector<DatedSnapshot> nights;
  for (int i = 0; i < 14; ++i) {
    // 00:30 local from 19 October (CEST, 22:30 UTC the day before) to 1 November (CET).
    std::int64_t base = kOct26_0030 + (i - 7) * 86400;
    if (i < 7) base -= 3600;  // before the change the same wall time is an hour earlier
    nights.push_back({"n" + std::to_string(i), base});
  }
  auto paris = decideRetention(nights, {1, 14, 0, 0, 0}, "Europe/Paris");
  EXPECT_EQ(paris.keep.size(), 14u);
  EXPECT_TRUE(paris.forget.empty());
}

TEST(RetentionTimeZone, UnknownZoneIsRefused) {
  try {
    decideRetention({{"a", kMar01_0030}}, {1, 1, 0, 0, 0}, "Europe/Millau");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadRequest);
    EXPECT_NE(std::string(e.what()).find("Europe/Millau"), std::string::npos);
  }
  EXPECT_NO_THROW(checkTimeZone("Europe/Paris"));
  EXPECT_NO_THROW(checkTimeZone("UTC"));
}

}  // namespace
}  // namespace parc::server::backup
