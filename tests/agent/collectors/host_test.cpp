// Software, batteries, users and processes: the collectors of the host's state.
#include <gtest/gtest.h>

#include "agent/collectors/linux/battery.h"
#include "agent/collectors/linux/processes.h"
#include "agent/collectors/linux/software.h"
#include "agent/collectors/linux/users.h"
#include "tests/agent/collectors/fixtures.h"

namespace parc::agent::collectors::linux_ {
namespace {

using testing::collectFixture;
using testing::hasWarning;
using testing::TempDir;

TEST(SoftwareCollector, DesktopInstalledPackagesOnly) {
  std::vector<std::string> warnings;
  Json s = collectFixture(*makeSoftwareCollector(), "desktop", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  std::vector<std::string> names;
  for (const Json& p : s)
    names.push_back(p["name"].get<std::string>() + ":" + p["architecture"].get<std::string>());
  // pulseaudio (deinstall ok config-files) is gone; libc6 is there for two architectures.
  EXPECT_EQ(names, (std::vector<std::string>{"base-files:amd64", "bash:amd64", "cups:amd64",
                                             "firefox-esr:amd64", "libc6:amd64", "libc6:i386",
                                             "libreoffice-writer:amd64", "openssh-server:amd64"}));
  const Json& ssh = s[7];
  EXPECT_EQ(ssh["version"], "1:9.2p1-2+deb12u2");
  EXPECT_EQ(ssh["installed_size_bytes"], 1833 * 1024);
  EXPECT_EQ(ssh["publisher"], "Debian OpenSSH Maintainers <debian-ssh@lists.debian.org>");
  EXPECT_EQ(ssh["section"], "net");
  EXPECT_EQ(ssh["summary"], "secure shell (SSH) server, for secure access from remote machines");
  EXPECT_EQ(ssh["source"], "dpkg");
  EXPECT_FALSE(ssh.contains("held"));
  EXPECT_EQ(s[3]["held"], true);  // firefox-esr is on hold
}

TEST(SoftwareParser, MalformedParagraphs) {
  std::vector<std::string> problems;
  Json s = parseDpkgStatus(
      "Status: install ok installed\nVersion: 1\n\n"  // no Package
      "Package: ok\r\nStatus: install ok installed\r\nInstalled-Size: lots\r\n\r\n"
      "garbage without colon\n\n"
      "Package: half\nStatus: install ok half-installed\n",
      problems);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0]["name"], "ok");
  EXPECT_FALSE(s[0].contains("installed_size_bytes"));
  EXPECT_EQ(problems.size(), 1u);
}

// tests/fuzz/crashes/dpkg_status-installed-size-overflow.txt: KiB × 1024 overflowed.
TEST(SoftwareParser, InstalledSizeTooLargeIsLeftOutWithAProblem) {
  std::vector<std::string> problems;
  Json s = parseDpkgStatus(
      "Package: a\nStatus: install ok installed\nInstalled-Size: "
      "9007199254740993\n",
      problems);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_FALSE(s[0].contains("installed_size_bytes"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("Installed-Size"), std::string::npos);
}

TEST(SoftwareCollector, NoDpkgWarns) {
  TempDir t;
  CollectContext c;
  c.roots.varLib = t.path();
  std::vector<std::string> warnings;
  EXPECT_TRUE(makeSoftwareCollector()->collect(c, warnings).empty());
  EXPECT_TRUE(hasWarning(warnings, "dpkg/status"));
}

TEST(BatteryCollector, LaptopBatteryNotTheMouse) {
  std::vector<std::string> warnings;
  Json b = collectFixture(*makeBatteryCollector(), "laptop", warnings);
  EXPECT_TRUE(warnings.empty());
  ASSERT_EQ(b.size(), 1u);  // AC is Mains, the mouse battery has scope Device
  EXPECT_EQ(b[0]["name"], "BAT0");
  EXPECT_EQ(b[0]["manufacturer"], "LGC");
  EXPECT_EQ(b[0]["model"], "5B10W13930");
  EXPECT_EQ(b[0]["serial"], "4123");
  EXPECT_EQ(b[0]["technology"], "Li-poly");
  EXPECT_EQ(b[0]["status"], "Discharging");
  EXPECT_EQ(b[0]["capacity_percent"], 69);
  EXPECT_EQ(b[0]["cycle_count"], 187);
  EXPECT_DOUBLE_EQ(b[0]["design_capacity_wh"].get<double>(), 50.5);
  EXPECT_DOUBLE_EQ(b[0]["full_capacity_wh"].get<double>(), 43.21);
  EXPECT_DOUBLE_EQ(b[0]["remaining_wh"].get<double>(), 29.82);
  EXPECT_DOUBLE_EQ(b[0]["health_percent"].get<double>(), 85.6);
  EXPECT_DOUBLE_EQ(b[0]["voltage_design_v"].get<double>(), 15.44);
}

TEST(BatteryCollector, ChargeReportingBatteryIsConverted) {
  TempDir t;
  t.write("class/power_supply/BAT1/type", "Battery\n");
  t.write("class/power_supply/BAT1/voltage_min_design", "11100000\n");
  t.write("class/power_supply/BAT1/charge_full_design", "4400000\n");
  t.write("class/power_supply/BAT1/charge_full", "3300000\n");
  CollectContext c;
  c.roots.sys = t.path();
  std::vector<std::string> warnings;
  Json b = makeBatteryCollector()->collect(c, warnings);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_DOUBLE_EQ(b[0]["design_capacity_wh"].get<double>(), 48.84);
  EXPECT_DOUBLE_EQ(b[0]["full_capacity_wh"].get<double>(), 36.63);
  EXPECT_DOUBLE_EQ(b[0]["health_percent"].get<double>(), 75.0);
  EXPECT_FALSE(b[0].contains("serial"));
}

TEST(BatteryCollector, DesktopHasNone) {
  std::vector<std::string> warnings;
  EXPECT_TRUE(collectFixture(*makeBatteryCollector(), "desktop", warnings).empty());
}

TEST(UsersCollector, DesktopAccountsAndGroups) {
  std::vector<std::string> warnings;
  Json u = collectFixture(*makeUsersCollector(), "desktop", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  ASSERT_EQ(u["users"].size(), 11u);
  const Json& sec = u["users"][10];
  EXPECT_EQ(sec["name"], "secretariat");
  EXPECT_EQ(sec["uid"], 1001);
  EXPECT_EQ(sec["gid"], 1001);
  EXPECT_EQ(sec["full_name"], "Secrétariat");
  EXPECT_EQ(sec["home"], "/home/secretariat");
  EXPECT_EQ(sec["shell"], "/bin/bash");
  EXPECT_EQ(sec["system"], false);
  EXPECT_EQ(u["users"][5]["name"], "nobody");
  EXPECT_EQ(u["users"][5]["system"], true);
  EXPECT_FALSE(u["users"][7].contains("full_name"));
  // No password material, whatever the passwd file holds.
  EXPECT_EQ(u.dump().find("$y$"), std::string::npos);
  EXPECT_EQ(u.dump().find("\"x\""), std::string::npos);
  const Json& audio = u["groups"][6];
  EXPECT_EQ(audio["name"], "audio");
  EXPECT_EQ(audio["gid"], 29);
  EXPECT_EQ(audio["members"], Json({"accueil", "secretariat"}));
  EXPECT_TRUE(u["groups"][0]["members"].empty());
}

TEST(UsersParser, MalformedLinesAreSkipped) {
  std::vector<std::string> problems;
  Json u = parsePasswd(
      "ok:x:1000:1000::/home/ok:/bin/sh\nbad:x:abc:1:::\n+@netgroup\n"
      "short:x:1\n# comment\n\n",
      problems);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(problems.size(), 2u);
  Json g = parseGroup("g:x:10:a, b ,,c\nbad\n", problems);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0]["members"], Json({"a", "b", "c"}));
  EXPECT_EQ(problems.size(), 3u);
}

TEST(ProcessesCollector, DesktopSnapshot) {
  std::vector<std::string> warnings;
  Json p = collectFixture(*makeProcessesCollector(), "desktop", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0]["pid"], 1);
  EXPECT_EQ(p[0]["name"], "systemd");
  EXPECT_EQ(p[0]["cmdline"], "/sbin/init splash");
  EXPECT_EQ(p[0]["user"], "root");
  EXPECT_EQ(p[0]["rss_bytes"], 12288 * 1024);
  EXPECT_FALSE(p[1].contains("cmdline"));  // kernel thread
  EXPECT_FALSE(p[1].contains("rss_bytes"));
  const Json& web = p[3];
  EXPECT_EQ(web["pid"], 2301);
  EXPECT_EQ(web["ppid"], 2210);
  EXPECT_EQ(web["name"], "Web Content");
  EXPECT_EQ(web["state"], "R");
  EXPECT_EQ(web["user"], "accueil");
  EXPECT_EQ(web["uid"], 1000);
  EXPECT_EQ(web["start_seconds_after_boot"], 9054);
  EXPECT_EQ(web["cmdline"], "/usr/lib/firefox-esr/firefox-esr -contentproc -childID 1 tab");
  EXPECT_EQ(web["rss_bytes"], 389120 * 1024);
  EXPECT_EQ(web["virtual_memory_bytes"], std::int64_t{8} * 389120 * 1024);  // VmSize
  EXPECT_DOUBLE_EQ(web["cpu_seconds"].get<double>(), 0.08);                 // (5 + 3) ticks / 100
  EXPECT_FALSE(web.contains("tty"));                                        // tty_nr 0
}

TEST(ProcessesParser, TtyAndCpuTicks) {
  auto s = parseProcStat("7 (bash) S 1 7 7 34817 7 4194304 1 0 0 0 250 50 0 0 20 0 1 0 99 0 0\n");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->ttyNr, 34817);
  EXPECT_EQ(s->cpuTicks, 300);
  EXPECT_EQ(ttyName(34817), "pts/1");  // major 136, minor 1
  EXPECT_EQ(ttyName((137 << 8) | 4), "pts/260");
  EXPECT_EQ(ttyName((4 << 8) | 2), "tty2");
  EXPECT_EQ(ttyName((4 << 8) | 64), "ttyS0");
  EXPECT_EQ(ttyName(0), "");
  EXPECT_EQ(ttyName((8 << 8) | 1), "");  // a disk is no terminal
}

TEST(ProcessesParser, StatWithParenthesesInName) {
  auto s = parseProcStat("42 (a) b (c)) S 1 42 42 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 777 0 0\n");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->comm, "a) b (c)");
  EXPECT_EQ(s->state, 'S');
  EXPECT_EQ(s->ppid, 1);
  EXPECT_EQ(s->startTicks, 777);
  EXPECT_FALSE(parseProcStat("42 (truncated"));
  EXPECT_FALSE(parseProcStat("42 (x) S 1 2"));
  EXPECT_FALSE(parseProcStat(""));
}

TEST(ProcessesCollector, LiveIncludesThisProcess) {
  std::vector<std::string> warnings;
  Json p = makeProcessesCollector()->collect(CollectContext{}, warnings);
  bool self = false;
  for (const Json& x : p) self = self || x["pid"] == static_cast<std::int64_t>(::getpid());
  EXPECT_TRUE(self);
}

}  // namespace
}  // namespace parc::agent::collectors::linux_
