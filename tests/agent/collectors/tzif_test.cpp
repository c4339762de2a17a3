// TZif zone files and POSIX TZ rules: the UTC offset reported with the time zone.
#include "agent/collectors/linux/tzif.h"

#include <gtest/gtest.h>

#include "agent/collectors/linux/read.h"
#include "tests/agent/collectors/fixtures.h"

namespace parc::agent::collectors::linux_ {
namespace {

std::string paris() {
  auto r = readFile(testing::machineDir("desktop") / "usr/share/zoneinfo/Europe/Paris");
  return r.data.value_or("");
}

TEST(Tzif, ParisTransitionsAndFooter) {
  std::string z = paris();
  ASSERT_FALSE(z.empty());
  auto winter = zoneOffsetAt(z, 1709802000);  // 2024-03-07
  ASSERT_TRUE(winter);
  EXPECT_EQ(winter->abbreviation, "CET");
  EXPECT_EQ(winter->utcOffsetSeconds, 3600);
  EXPECT_FALSE(winter->dst);
  // 2024-03-31 01:00:00 UTC: clocks go from 02:00 CET to 03:00 CEST.
  EXPECT_EQ(zoneOffsetAt(z, 1711846799)->abbreviation, "CET");
  EXPECT_EQ(zoneOffsetAt(z, 1711846800)->abbreviation, "CEST");
  EXPECT_EQ(zoneOffsetAt(z, 1711846800)->utcOffsetSeconds, 7200);
  // 2040, past the file's last transition: the footer's rule answers.
  EXPECT_EQ(zoneOffsetAt(z, 2224713600)->abbreviation, "CEST");  // 2040-07-01
  EXPECT_EQ(zoneOffsetAt(z, 2208988800)->abbreviation, "CET");   // 2040-01-01
  // Before the first transition: the first type (local mean time, +0:09:21).
  EXPECT_EQ(zoneOffsetAt(z, -5000000000)->utcOffsetSeconds, 561);
}

TEST(Tzif, MalformedDataGivesNothing) {
  std::string z = paris();
  EXPECT_FALSE(zoneOffsetAt("", 0));
  EXPECT_FALSE(zoneOffsetAt("TZif2", 0));
  EXPECT_FALSE(zoneOffsetAt(z.substr(0, 60), 0));            // truncated v1 block
  EXPECT_FALSE(zoneOffsetAt(z.substr(0, z.size() / 2), 0));  // truncated v2 block
  std::string bad = z;
  bad[0] = 'X';
  EXPECT_FALSE(zoneOffsetAt(bad, 0));
  std::string huge = z;
  huge[36] = '\x7F';  // typecnt far beyond the data
  EXPECT_FALSE(zoneOffsetAt(huge, 0));
}

TEST(PosixTz, RulesBothHemispheresAndFixedZones) {
  const char* paris = "CET-1CEST,M3.5.0,M10.5.0/3";
  EXPECT_EQ(posixTzOffsetAt(paris, 1711846799)->abbreviation, "CET");
  EXPECT_EQ(posixTzOffsetAt(paris, 1711846800)->abbreviation, "CEST");
  // 2024-10-27 01:00:00 UTC: back to CET.
  EXPECT_EQ(posixTzOffsetAt(paris, 1729990799)->abbreviation, "CEST");
  EXPECT_EQ(posixTzOffsetAt(paris, 1729990800)->abbreviation, "CET");
  const char* sydney = "AEST-10AEDT,M10.1.0,M4.1.0/3";
  EXPECT_EQ(posixTzOffsetAt(sydney, 1704067200)->utcOffsetSeconds, 39600);  // January: AEDT
  EXPECT_EQ(posixTzOffsetAt(sydney, 1719792000)->utcOffsetSeconds, 36000);  // July: AEST
  auto brazil = posixTzOffsetAt("<-03>3", 1719792000);
  EXPECT_EQ(brazil->abbreviation, "-03");
  EXPECT_EQ(brazil->utcOffsetSeconds, -10800);
  EXPECT_EQ(posixTzOffsetAt("UTC0", 0)->utcOffsetSeconds, 0);
  EXPECT_EQ(posixTzOffsetAt("IST-5:30", 0)->utcOffsetSeconds, 19800);
  EXPECT_EQ(posixTzOffsetAt("EST5EDT,J60/2,300", 1719792000)->abbreviation, "EDT");
  EXPECT_FALSE(posixTzOffsetAt("", 0));
  EXPECT_FALSE(posixTzOffsetAt("X1", 0));
  EXPECT_FALSE(posixTzOffsetAt("CET-1CEST,M13.5.0,M10.5.0", 0));
  EXPECT_FALSE(posixTzOffsetAt("CET-1CEST,M3.5.0", 0));
}

}  // namespace
}  // namespace parc::agent::collectors::linux_
