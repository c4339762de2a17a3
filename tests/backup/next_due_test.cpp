// When the agent's scheduler runs a backup (agent/backup/schedule.h): daily with the
// host's start, every N hours, missed runs caught up, retry after a failure, and the
// office-hours bandwidth on the PC's clock. TZ=UTC for reproducible local times.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "agent/backup/schedule.h"
#include "common/error.h"

namespace parc::agent::backup {
namespace {

constexpr std::int64_t kHour = 3600, kDay = 86400;
constexpr std::int64_t kMidnight = 1795910400;  // 2026-11-29 00:00 UTC, a Sunday

class NextDue : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
  static Json daily(const std::string& start) {
    return Json{{"enabled", true},
                {"include", {"/srv"}},
                {"schedule", {{"kind", "daily"}, {"at", "12:30"}, {"start", start}}}};
  }
  static Json every(int hours) {
    return Json{{"enabled", true},
                {"include", {"/srv"}},
                {"schedule", {{"kind", "every"}, {"hours", hours}}}};
  }
};

TEST_F(NextDue, OffMeansNever) {
  Json p = daily("12:40");
  p["enabled"] = false;
  EXPECT_FALSE(nextDue(p, {}, kMidnight).has_value());
  EXPECT_FALSE(nextDue(Json::object(), {}, kMidnight).has_value());
}

TEST_F(NextDue, DailyAtTheHostsStart) {
  ScheduleState s;
  s.lastSuccess = kMidnight - kDay + 12 * kHour + 40 * 60;  // yesterday 12:40
  std::int64_t now = kMidnight + 9 * kHour;                 // today 09:00
  EXPECT_EQ(nextDue(daily("12:40"), s, now), kMidnight + 12 * kHour + 40 * 60);
  // Done today already: tomorrow.
  s.lastSuccess = kMidnight + 12 * kHour + 41 * 60;
  EXPECT_EQ(nextDue(daily("12:40"), s, kMidnight + 13 * kHour),
            kMidnight + kDay + 12 * kHour + 40 * 60);
}

TEST_F(NextDue, AMissedRunIsDueAtOnceWhenThePcComesBack) {
  ScheduleState s;
  s.lastSuccess = kMidnight - 3 * kDay;  // switched off for three days
  std::int64_t now = kMidnight + 8 * kHour;
  auto due = nextDue(daily("12:40"), s, now);
  ASSERT_TRUE(due.has_value());
  EXPECT_LE(*due, now);
}

TEST_F(NextDue, NeverBackedUpWaitsForTheNextStartAfterEnabling) {
  ScheduleState s;
  s.enabledSeen = kMidnight + 15 * kHour;  // enabled at 15:00, start 12:40
  EXPECT_EQ(nextDue(daily("12:40"), s, kMidnight + 15 * kHour),
            kMidnight + kDay + 12 * kHour + 40 * 60);
  EXPECT_LE(*nextDue(daily("12:40"), s, kMidnight + kDay + 13 * kHour),
            kMidnight + kDay + 13 * kHour);
}

TEST_F(NextDue, EveryNHours) {
  ScheduleState s;
  EXPECT_EQ(nextDue(every(6), s, kMidnight), kMidnight);  // never ran: now
  s.lastSuccess = kMidnight;
  s.lastAttempt = kMidnight;
  EXPECT_EQ(nextDue(every(6), s, kMidnight + kHour), kMidnight + 6 * kHour);
}

TEST_F(NextDue, AFailureIsRetriedLater) {
  ScheduleState s;
  s.lastSuccess = kMidnight - kDay;
  s.lastAttempt = kMidnight + 12 * kHour + 40 * 60;  // failed at today's start
  EXPECT_EQ(nextDue(daily("12:40"), s, kMidnight + 12 * kHour + 41 * 60),
            *s.lastAttempt + kRetryAfterSeconds);
}

TEST_F(NextDue, OfficeHoursBandwidthOnThePcsClock) {
  Json p = daily("12:40");
  p["bandwidth"] = Json{{"office_kib_per_s", 256},
                        {"other_kib_per_s", 2048},
                        {"office_days", {"mon", "tue", "wed", "thu", "fri"}},
                        {"office_hours", "08:00-18:00"}};
  auto o = scheduledOptions(p);
  const std::int64_t monday = kMidnight + kDay;
  EXPECT_EQ(bandwidthLimitAt(o, monday + 9 * kHour), 256);
  EXPECT_EQ(bandwidthLimitAt(o, monday + 18 * kHour), 2048);
  EXPECT_EQ(bandwidthLimitAt(o, kMidnight + 9 * kHour), 2048);  // Sunday
  p["enabled"] = false;
  EXPECT_THROW(scheduledOptions(p), Error);
}

}  // namespace
}  // namespace parc::agent::backup
