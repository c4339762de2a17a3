#include "agent/collectors/linux/os.h"

#include <gtest/gtest.h>

#include "tests/agent/collectors/fixtures.h"

namespace parc::agent::collectors::linux_ {
namespace {

using testing::collectFixture;
using testing::hasWarning;
using testing::TempDir;

TEST(OsCollector, Desktop) {
  std::vector<std::string> warnings;
  Json s = collectFixture(*makeOsCollector(), "desktop", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  EXPECT_EQ(s["family"], "linux");
  EXPECT_EQ(s["id"], "debian");
  EXPECT_EQ(s["name"], "Debian GNU/Linux");
  EXPECT_EQ(s["version_id"], "12");
  EXPECT_EQ(s["version"], "12 (bookworm)");
  EXPECT_EQ(s["version_codename"], "bookworm");
  EXPECT_EQ(s["pretty_name"], "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(s["debian_version"], "12.5");
  EXPECT_EQ(s["kernel_release"], "6.1.0-18-amd64");
  EXPECT_EQ(s["kernel_version"], "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)");
  EXPECT_EQ(s["arch"], "x86_64");
  EXPECT_EQ(s["timezone"], "Europe/Paris");
  EXPECT_EQ(s["uptime_seconds"], 93784);
  EXPECT_EQ(s["boot_time_epoch_seconds"], 1709802000);
  EXPECT_EQ(s["boot_time"], "2024-03-07T09:00:00Z");
  // Recorded tree: the offset in force at boot, from usr/share/zoneinfo/Europe/Paris.
  EXPECT_EQ(s["timezone_abbreviation"], "CET");
  EXPECT_EQ(s["utc_offset_seconds"], 3600);
  EXPECT_FALSE(s.contains("ssh_host_key"));
  EXPECT_FALSE(s.contains("hostid"));  // no etc/hostid, and no gethostid() on a recording
}

TEST(OsCollector, SummerTimeHostKeyAndHostId) {
  std::vector<std::string> warnings;
  Json laptop = collectFixture(*makeOsCollector(), "laptop", warnings);
  EXPECT_EQ(laptop["timezone_abbreviation"], "CEST");  // booted 2024-06-03
  EXPECT_EQ(laptop["utc_offset_seconds"], 7200);
  Json server = collectFixture(*makeOsCollector(), "server", warnings);
  EXPECT_EQ(server["ssh_host_key"],
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPARCsrvFixtureHostKeyNotReal0000000000000002");
  EXPECT_EQ(server["hostid"], "140ac0a8");  // bytes a8 c0 0a 14, host order
  Json vm = collectFixture(*makeOsCollector(), "vm", warnings);
  EXPECT_EQ(vm["timezone"], "Etc/UTC");
  EXPECT_EQ(vm["timezone_abbreviation"], "UTC");
  EXPECT_EQ(vm["utc_offset_seconds"], 0);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
}

TEST(OsCollector, MissingZoneFileIsAWarning) {
  TempDir t;
  t.write("etc/timezone", "Mars/Olympus_Mons\n");
  CollectContext c;
  c.roots.proc = t.path() / "proc";
  c.roots.etc = t.path() / "etc";
  c.roots.usrShare = t.path() / "usr/share";
  c.roots.live = false;
  std::vector<std::string> warnings;
  Json s = makeOsCollector()->collect(c, warnings);
  EXPECT_EQ(s["timezone"], "Mars/Olympus_Mons");
  EXPECT_FALSE(s.contains("utc_offset_seconds"));
  EXPECT_TRUE(hasWarning(warnings, "no zone file for Mars/Olympus_Mons"));
}

TEST(OsCollector, ServerUptime) {
  std::vector<std::string> warnings;
  Json s = collectFixture(*makeOsCollector(), "server", warnings);
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(s["kernel_release"], "6.1.0-25-amd64");
  EXPECT_EQ(s["uptime_seconds"], 8553961);
  EXPECT_EQ(s["debian_version"], "12.7");
}

TEST(OsCollector, EmptyTreeGivesWarningsNotThrows) {
  TempDir t;
  CollectContext c;
  c.roots.proc = t.path() / "proc";
  c.roots.etc = t.path() / "etc";
  c.roots.live = false;
  std::vector<std::string> warnings;
  Json s = makeOsCollector()->collect(c, warnings);
  EXPECT_EQ(s["family"], "linux");
  EXPECT_FALSE(s.contains("id"));
  EXPECT_FALSE(s.contains("kernel_release"));
  EXPECT_FALSE(s.contains("arch"));
  EXPECT_TRUE(hasWarning(warnings, "os-release"));
  EXPECT_TRUE(hasWarning(warnings, "kernel release unknown"));
  EXPECT_TRUE(hasWarning(warnings, "uptime"));
}

TEST(OsParsers, OsReleaseQuoting) {
  auto m = parseOsRelease(
      "# comment\nNAME='Fedora Linux'\nPRETTY_NAME=\"A \\\"quoted\\\" \\$name\"\n"
      "ID=fedora\nBROKEN LINE\n=novalue\nEMPTY=\n");
  EXPECT_EQ(m["NAME"], "Fedora Linux");
  EXPECT_EQ(m["PRETTY_NAME"], "A \"quoted\" $name");
  EXPECT_EQ(m["ID"], "fedora");
  EXPECT_EQ(m["EMPTY"], "");
  EXPECT_EQ(m.count("BROKEN LINE"), 0u);
  EXPECT_EQ(m.size(), 4u);
}

TEST(OsParsers, UptimeAndBootTime) {
  EXPECT_DOUBLE_EQ(*parseUptime("350735.47 234388.90\n"), 350735.47);
  EXPECT_EQ(parseUptime("garbage"), std::nullopt);
  EXPECT_EQ(parseUptime(""), std::nullopt);
  EXPECT_EQ(parseBootTime("cpu 1 2 3\nbtime 1700000000\nprocesses 4\n"), 1700000000);
  EXPECT_EQ(parseBootTime("cpu 1 2 3\n"), std::nullopt);
}

}  // namespace
}  // namespace parc::agent::collectors::linux_
