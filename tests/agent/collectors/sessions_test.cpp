// Logged-in and last users from utmp/wtmp bytes, garbage included.
#include "agent/collectors/linux/sessions.h"

#include <gtest/gtest.h>
#include <utmp.h>

#include <cstring>
#include <random>

#include "tests/agent/collectors/fixtures.h"

namespace parc::agent::collectors::linux_ {
namespace {

using testing::collectFixture;
using testing::hasWarning;
using testing::TempDir;

std::string record(short type, const char* user, const char* line, const char* host,
                   std::int32_t when) {
  struct utmp u;
  std::memset(&u, 0, sizeof u);
  u.ut_type = type;
  u.ut_pid = 100;
  std::strncpy(u.ut_user, user, sizeof u.ut_user);
  std::strncpy(u.ut_line, line, sizeof u.ut_line);
  std::strncpy(u.ut_host, host, sizeof u.ut_host);
  u.ut_tv.tv_sec = when;
  return std::string(reinterpret_cast<const char*>(&u), sizeof u);
}

TEST(LoginRecords, ParsesOpenAndLast) {
  std::string bytes = record(BOOT_TIME, "reboot", "~", "6.1", 1000) +
                      record(USER_PROCESS, "anne", "tty2", "", 1500) +
                      record(USER_PROCESS, "zoe", "pts/1", "10.0.0.9", 2000) +
                      record(LOGIN_PROCESS, "LOGIN", "tty1", "", 1001) +
                      record(DEAD_PROCESS, "", "pts/2", "", 2500);
  auto parsed = parseLoginRecords(bytes);
  EXPECT_EQ(parsed.records.size(), 5u);
  EXPECT_EQ(parsed.skipped, 0u);
  auto open = openSessions(parsed.records);
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].user, "anne");  // sorted by user
  EXPECT_EQ(open[1].host, "10.0.0.9");
  auto last = lastLogin(parsed.records);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->user, "zoe");  // the last USER_PROCESS in file order
  EXPECT_EQ(last->epochSeconds, 2000);
  EXPECT_FALSE(lastLogin({}));
}

TEST(LoginRecords, GarbageIsSkippedNeverTrusted) {
  std::string good = record(USER_PROCESS, "anne", "tty2", "", 1500);
  std::string badType = record(USER_PROCESS, "x", "tty3", "", 1);
  badType[0] = 42;  // no such ut_type
  std::string control = record(USER_PROCESS, "an\x01ne", "tty4", "", 1);
  std::string negative = record(USER_PROCESS, "neg", "tty5", "", -5);
  std::string unterminated = record(USER_PROCESS, "", "tty6", "", 1);
  std::memset(unterminated.data() + offsetof(struct utmp, ut_user), 'A', UT_NAMESIZE);
  auto parsed = parseLoginRecords(good + badType + control + negative + unterminated + "tail");
  ASSERT_EQ(parsed.records.size(), 2u);
  EXPECT_EQ(parsed.records[1].user, std::string(UT_NAMESIZE, 'A'));  // bounded, not overrun
  EXPECT_EQ(parsed.skipped, 3u);
  EXPECT_EQ(parsed.trailingBytes, 4u);
  EXPECT_TRUE(parseLoginRecords("").records.empty());
  // Random bytes: whatever comes out, nothing crashes and every string is bounded.
  std::mt19937 rng(7);
  std::string noise(sizeof(struct utmp) * 50 + 17, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  auto r = parseLoginRecords(noise);
  EXPECT_LE(r.records.size() + r.skipped, 50u);  // EMPTY slots are neither
  EXPECT_EQ(r.trailingBytes, 17u);
  for (const auto& rec : r.records) EXPECT_LE(rec.user.size(), std::size_t{UT_NAMESIZE});
}

TEST(SessionsCollector, DesktopConsoleUserAndLastSshVisitor) {
  std::vector<std::string> warnings;
  Json s = collectFixture(*makeSessionsCollector(), "desktop", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  ASSERT_EQ(s["logged_in"].size(), 1u);
  EXPECT_EQ(s["logged_in"][0],
            Json({{"user", "accueil"}, {"tty", "tty2"}, {"login_time", "2024-03-07T09:05:00Z"}}));
  EXPECT_EQ(s["last_user"], "secretariat");  // logged in after accueil, and left
  EXPECT_EQ(s["last_login_time"], "2024-03-07T10:30:00Z");
}

TEST(SessionsCollector, LaptopServerVm) {
  std::vector<std::string> warnings;
  Json l = collectFixture(*makeSessionsCollector(), "laptop", warnings);
  ASSERT_EQ(l["logged_in"].size(), 2u);
  EXPECT_EQ(l["logged_in"][0]["tty"], "pts/0");
  EXPECT_EQ(l["logged_in"][1]["tty"], "tty2");
  EXPECT_EQ(l["logged_in"][1]["host"], "tty2");
  EXPECT_EQ(l["last_user"], "maire");
  EXPECT_EQ(l["last_login_time"], "2024-06-03T07:01:35Z");
  Json s = collectFixture(*makeSessionsCollector(), "server", warnings);
  EXPECT_EQ(s["logged_in"][0]["host"], "192.168.10.20");
  EXPECT_EQ(s["last_user"], "admin");
  Json v = collectFixture(*makeSessionsCollector(), "vm", warnings);  // no run/utmp
  EXPECT_EQ(v["logged_in"], Json::array());
  EXPECT_EQ(v["last_user"], "root");
  EXPECT_EQ(v["last_login_time"], "2024-10-16T08:02:00Z");
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
}

TEST(SessionsCollector, TornWtmpIsAWarningAndOnlyTheTailIsRead) {
  TempDir t;
  std::string many;
  for (int i = 0; i < 6000; ++i) many += record(USER_PROCESS, "old", "pts/0", "", 1000 + i);
  many += record(USER_PROCESS, "newest", "pts/1", "", 900000);
  t.write("var/log/wtmp", many + "torn");
  CollectContext c;
  c.roots.run = t.path() / "run";
  c.roots.varLog = t.path() / "var/log";
  c.roots.live = false;
  std::vector<std::string> warnings;
  Json s = makeSessionsCollector()->collect(c, warnings);
  EXPECT_EQ(s["last_user"], "newest");
  EXPECT_TRUE(hasWarning(warnings, "4 trailing byte(s)"));
}

}  // namespace
}  // namespace parc::agent::collectors::linux_
