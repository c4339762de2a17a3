// Known cases of the retention decision (restic `forget` semantics on the server's clock).
#include "server/backup/retention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace parc::server::backup {
namespace {

constexpr std::int64_t kDay = 86400;
// 2026-11-29 12:00:00 UTC (a Sunday).
constexpr std::int64_t kEnd = 1795953600;

std::vector<DatedSnapshot> daily(int days, std::int64_t end = kEnd) {
  std::vector<DatedSnapshot> out;
  for (int i = 0; i < days; ++i) out.push_back({"d" + std::to_string(i), end - i * kDay});
  return out;
}

std::set<std::string> kept(const RetentionDecision& d) {
  std::set<std::string> out;
  for (const auto& k : d.keep) out.insert(k.id);
  return out;
}

TEST(Retention, EndIsTheSundayWeExpect) {
  std::time_t t = kEnd;
  std::tm tm{};
  gmtime_r(&t, &tm);
  EXPECT_EQ(tm.tm_year + 1900, 2026);
  EXPECT_EQ(tm.tm_mon + 1, 11);
  EXPECT_EQ(tm.tm_mday, 29);
  EXPECT_EQ(tm.tm_wday, 0);
}

TEST(Retention, KeepLastOnly) {
  Retention r{2, 0, 0, 0, 0};
  auto d = decideRetention(daily(5), r);
  EXPECT_EQ(kept(d), (std::set<std::string>{"d0", "d1"}));
  EXPECT_EQ(d.forget, (std::vector<std::string>{"d2", "d3", "d4"}));  // newest first
  EXPECT_EQ(d.keep[0].reasons, std::vector<std::string>{"last"});
}

TEST(Retention, DailyKeepsTheNewestOfEachDay) {
  // Three snapshots a day for 20 days: 14 days kept, one (the newest) per day.
  std::vector<DatedSnapshot> snaps;
  for (int day = 0; day < 20; ++day)
    for (int h = 0; h < 3; ++h)
      snaps.push_back(
          {"s" + std::to_string(day) + "-" + std::to_string(h), kEnd - day * kDay - h * 3600});
  auto d = decideRetention(snaps, Retention{1, 14, 0, 0, 0});
  ASSERT_EQ(d.keep.size(), 14u);
  for (int day = 0; day < 14; ++day) EXPECT_TRUE(kept(d).count("s" + std::to_string(day) + "-0"));
  EXPECT_EQ(d.forget.size(), 60u - 14u);
}

TEST(Retention, DaysWithoutSnapshotsDoNotCount) {
  // A PC switched off for a week: the 3 daily snapshots kept reach back past the gap.
  std::vector<DatedSnapshot> snaps = {
      {"a", kEnd}, {"b", kEnd - 8 * kDay}, {"c", kEnd - 9 * kDay}, {"d", kEnd - 10 * kDay}};
  auto d = decideRetention(snaps, Retention{1, 3, 0, 0, 0});
  EXPECT_EQ(kept(d), (std::set<std::string>{"a", "b", "c"}));
  EXPECT_EQ(d.forget, std::vector<std::string>{"d"});
}

TEST(Retention, WeeksAreIsoWeeks) {
  // Sunday 2023-01-01 belongs to ISO week 2022-W52, with Monday 2022-12-26; Monday
  // 2023-01-02 starts 2023-W01.
  const std::int64_t sun = 1672574400;  // 2023-01-01 12:00 UTC
  std::vector<DatedSnapshot> snaps = {
      {"mon2", sun + kDay}, {"sun", sun}, {"mon1", sun - 6 * kDay}, {"sat0", sun - 8 * kDay}};
  auto d = decideRetention(snaps, Retention{1, 0, 3, 0, 0});
  EXPECT_EQ(kept(d), (std::set<std::string>{"mon2", "sun", "sat0"}));
  EXPECT_EQ(d.forget, std::vector<std::string>{"mon1"});
}

TEST(Retention, DefaultsOnTwoYearsOfDailySnapshots) {
  // Expected set computed independently (Python datetime/isocalendar, same rules):
  // days 0–14, the week ends 21 28 35 42 49, the month ends, and the 2024 year end.
  auto d = decideRetention(daily(730), Retention{});
  std::set<std::string> expected;
  for (int i : {0,  1,  2,  3,  4,  5,  6,  7,   8,   9,   10,  11,  12,  13,  14,  21,
                28, 29, 35, 42, 49, 60, 90, 121, 152, 182, 213, 243, 274, 302, 333, 698})
    expected.insert("d" + std::to_string(i));
  EXPECT_EQ(kept(d), expected);
  EXPECT_EQ(d.forget.size(), 730u - 32u);
}

TEST(Retention, ReasonsAccumulate) {
  auto d = decideRetention(daily(1), Retention{});
  ASSERT_EQ(d.keep.size(), 1u);
  EXPECT_EQ(d.keep[0].reasons,
            (std::vector<std::string>{"last", "daily", "weekly", "monthly", "yearly"}));
}

TEST(Retention, InputOrderDoesNotMatterAndTiesAreStable) {
  auto snaps = daily(40);
  snaps.push_back({"tie", kEnd});  // same second as d0
  auto a = decideRetention(snaps, Retention{});
  std::reverse(snaps.begin(), snaps.end());
  auto b = decideRetention(snaps, Retention{});
  EXPECT_EQ(kept(a), kept(b));
  EXPECT_EQ(a.forget, b.forget);
}

TEST(Retention, EmptyIsEmpty) {
  auto d = decideRetention({}, Retention{});
  EXPECT_TRUE(d.keep.empty());
  EXPECT_TRUE(d.forget.empty());
}

}  // namespace
}  // namespace parc::server::backup
