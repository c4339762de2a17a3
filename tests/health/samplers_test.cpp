// Samplers on the recorded tree tests/health/fixtures/pc (two rounds, t0 and t1, 60 s
// apart) with the programs' outputs recorded under commands/.
#include "agent/health/samplers/samplers.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>

#include "agent/health/monitor.h"

namespace parc::agent::health {
namespace {

namespace fs = std::filesystem;
const fs::path kPc = fs::path(PARC_SOURCE_DIR) / "tests/health/fixtures/pc";
constexpr std::int64_t kT0 = 1795950000;  // 2026-11-29 08:20:00 UTC

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Fixture {
  std::int64_t now = kT0;
  std::vector<std::vector<std::string>> commands;  // every argv run
  std::map<std::string, FsSpace> spaces = {
      {"/", {100'000'000'000, 4'000'000'000, 9'000'000'000, 6'000'000, 5'400'000}},
      {"/boot/efi", {512'000'000, 400'000'000, 400'000'000, 0, 0}},
      {"/media/Cl USB", {8'000'000'000, 7'000'000'000, 7'000'000'000, 0, 0}},
  };
  ClockState clock{true, 12'000, 150};

  HealthContext context() {
    HealthContext c;
    c.proc = kPc / "t0/proc";
    c.sys = kPc / "t0/sys";
    c.now = [this] { return now; };
    c.statfs = [this](const std::string& m) -> std::optional<FsSpace> {
      auto it = spaces.find(m);
      if (it == spaces.end()) return std::nullopt;
      return it->second;
    };
    c.clock = [this] { return std::optional<ClockState>(clock); };
    c.run = [this](const std::vector<std::string>& argv, std::chrono::milliseconds) {
      commands.push_back(argv);
      collectors::linux_::RunResult r;
      r.exitCode = 0;
      std::string last = argv.back();
      if (argv[0] == "/usr/bin/systemctl") {
        r.output = slurp(kPc / "commands/systemctl-failed.json");
      } else if (std::find(argv.begin(), argv.end(), "/usr/bin/lpstat") != argv.end()) {
        r.output = slurp(kPc / "commands/lpstat.txt");
      } else if (std::find(argv.begin(), argv.end(), "/usr/bin/apt-get") != argv.end()) {
        r.output = slurp(kPc / "commands/apt-upgrade.txt");
      } else if (last == "/dev/sda") {
        r.output = slurp(kPc / "commands/smartctl-sda.json");
        r.exitCode = 8;  // "SMART status check returned DISK FAILING"
      } else if (last == "/dev/sdb") {
        r.output = slurp(kPc / "commands/smartctl-sdb-standby.json");
        r.exitCode = 2;
      } else {
        r.exitCode = -1;
        r.error = "no such program";
      }
      return r;
    };
    return c;
  }
};

std::map<std::string, double> byKey(const std::vector<Metric>& metrics) {
  std::map<std::string, double> out;
  for (const auto& m : metrics) {
    std::string key = m.subject.empty() ? m.name : m.name + "[" + m.subject + "]";
    EXPECT_EQ(out.count(key), 0u) << "duplicate " << key;
    out[key] = m.value;
  }
  return out;
}

// Runs one sampler twice: on t0 then, 60 s later, on t1's /proc.
std::map<std::string, double> twoRounds(SamplerPtr sampler, std::vector<std::string>& warnings) {
  Fixture f;
  HealthContext c = f.context();
  std::vector<Metric> first;
  sampler->sample(c, first, warnings);
  f.now += 60;
  c.proc = kPc / "t1/proc";
  std::vector<Metric> second;
  sampler->sample(c, second, warnings);
  return byKey(second);
}

TEST(HealthSamplers, CpuTotalAndPerCoreFromStatDeltas) {
  std::vector<std::string> w;
  auto m = twoRounds(samplers::makeCpu(), w);
  EXPECT_TRUE(w.empty());
  EXPECT_DOUBLE_EQ(m.at("cpu.usage_pct"), 70.0);
  EXPECT_DOUBLE_EQ(m.at("cpu.iowait_pct"), 10.0);
  EXPECT_DOUBLE_EQ(m.at("cpu.usage_pct[cpu0]"), 100.0);
  EXPECT_DOUBLE_EQ(m.at("cpu.usage_pct[cpu1]"), 40.0);
}

TEST(HealthSamplers, FirstRoundOfARateSamplerReportsNothing) {
  Fixture f;
  auto c = f.context();
  std::vector<Metric> out;
  std::vector<std::string> w;
  samplers::makeCpu()->sample(c, out, w);
  samplers::makeDiskIo()->sample(c, out, w);
  samplers::makeNetwork()->sample(c, out, w);
  EXPECT_TRUE(out.empty());
}

TEST(HealthSamplers, DiskIoOfWholeDisksOnly) {
  std::vector<std::string> w;
  auto m = twoRounds(samplers::makeDiskIo(), w);
  EXPECT_DOUBLE_EQ(m.at("disk.read_bps[sda]"), 120000.0 * 512 / 60);
  EXPECT_DOUBLE_EQ(m.at("disk.write_bps[sda]"), 24000.0 * 512 / 60);
  EXPECT_DOUBLE_EQ(m.at("disk.await_ms[sda]"), 4.0);   // (300 + 500) ms / 200 I/Os
  EXPECT_DOUBLE_EQ(m.at("disk.busy_pct[sda]"), 10.0);  // 6 s busy in 60 s
  // Partitions, loop devices and device-mapper volumes would count the same I/O twice.
  EXPECT_EQ(m.size(), 4u);
}

TEST(HealthSamplers, NetworkThroughputAndErrorsWithoutLoopback) {
  std::vector<std::string> w;
  auto m = twoRounds(samplers::makeNetwork(), w);
  EXPECT_DOUBLE_EQ(m.at("net.rx_bps[eth0]"), 100000.0);
  EXPECT_DOUBLE_EQ(m.at("net.tx_bps[eth0]"), 10000.0);
  EXPECT_DOUBLE_EQ(m.at("net.errors_per_min[eth0]"), 3.0);
  EXPECT_EQ(m.count("net.rx_bps[lo]"), 0u);
}

TEST(HealthSamplers, CounterResetIsSkippedNotNegative) {
  Fixture f;
  auto c = f.context();
  c.proc = kPc / "t1/proc";
  auto s = samplers::makeNetwork();
  std::vector<Metric> out;
  std::vector<std::string> w;
  s->sample(c, out, w);
  f.now += 60;
  c.proc = kPc / "t0/proc";  // counters went back: the interface was reset
  s->sample(c, out, w);
  EXPECT_TRUE(out.empty());
}

TEST(HealthSamplers, LoadMemoryAndSwap) {
  Fixture f;
  auto c = f.context();
  std::vector<Metric> out;
  std::vector<std::string> w;
  samplers::makeLoad()->sample(c, out, w);
  samplers::makeMemory()->sample(c, out, w);
  auto m = byKey(out);
  EXPECT_DOUBLE_EQ(m.at("load.1"), 2.70);
  EXPECT_DOUBLE_EQ(m.at("load.15"), 1.85);
  ASSERT_TRUE(m.count("mem.used_pct"));
  EXPECT_GT(m.at("mem.used_pct"), 0);
  EXPECT_LT(m.at("mem.used_pct"), 100);
  EXPECT_GT(m.at("mem.available_bytes"), 1e9);
}

TEST(HealthSamplers, DiskUsageSkipsPseudoNetworkAndDuplicateMounts) {
  Fixture f;
  auto c = f.context();
  std::vector<Metric> out;
  std::vector<std::string> w;
  samplers::makeDiskUsage()->sample(c, out, w);
  auto m = byKey(out);
  // As df: used 91 GB / (91 GB used + 4 GB available) = 95.79 %.
  EXPECT_NEAR(m.at("disk.used_pct[/]"), 100.0 * 91 / 95, 1e-9);
  EXPECT_DOUBLE_EQ(m.at("disk.free_bytes[/]"), 4e9);
  EXPECT_NEAR(m.at("disk.inodes_used_pct[/]"), 10.0, 1e-9);
  EXPECT_NEAR(m.at("disk.used_pct[/boot/efi]"), 100.0 * 112 / 512, 1e-9);
  EXPECT_TRUE(m.count("disk.used_pct[/media/Cl USB]"));  // \040 decoded
  for (const auto& [k, v] : m) {
    EXPECT_EQ(k.find("/mnt/partage"), std::string::npos) << k;  // CIFS: never statvfs'd
    EXPECT_EQ(k.find("/run"), std::string::npos) << k;
    EXPECT_EQ(k.find("/snap"), std::string::npos) << k;
    EXPECT_EQ(k.find("/home/bind"), std::string::npos) << k;  // same device as /
  }
  EXPECT_TRUE(w.empty()) << w.front();
}

TEST(HealthSamplers, TemperaturesFansAndBattery) {
  Fixture f;
  auto c = f.context();
  std::vector<Metric> out;
  std::vector<std::string> w;
  samplers::makeHwmon()->sample(c, out, w);
  samplers::makeBattery()->sample(c, out, w);
  auto m = byKey(out);
  EXPECT_DOUBLE_EQ(m.at("temp.celsius[coretemp/Package id 0]"), 52.0);
  EXPECT_DOUBLE_EQ(m.at("temp.celsius[coretemp/temp2]"), 49.0);
  EXPECT_DOUBLE_EQ(m.at("fan.rpm[thinkpad/fan1]"), 2100.0);
  EXPECT_DOUBLE_EQ(m.at("battery.charge_pct[BAT0]"), 87.0);
  EXPECT_DOUBLE_EQ(m.at("battery.health_pct[BAT0]"), 84.0);
  EXPECT_DOUBLE_EQ(m.at("battery.cycles[BAT0]"), 312.0);
  EXPECT_EQ(m.count("battery.charge_pct[hidpp_battery_0]"), 0u);  // the mouse's
}

TEST(HealthSamplers, RebootNoticedThroughTheStoredBootId) {
  Fixture f;
  auto c = f.context();
  auto dir = fs::temp_directory_path() / ("parc-health-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  c.stateDir = dir;
  { std::ofstream(dir / "boot-id") << "00000000-0000-0000-0000-000000000000\n"; }
  std::vector<Metric> out;
  std::vector<std::string> w;
  samplers::makeUptime()->sample(c, out, w);
  auto m = byKey(out);
  EXPECT_DOUBLE_EQ(m.at("system.rebooted"), 1.0);
  EXPECT_GT(m.at("system.uptime_s"), 0);
  // A new agent process on the same boot: no reboot.
  out.clear();
  samplers::makeUptime()->sample(c, out, w);
  EXPECT_DOUBLE_EQ(byKey(out).at("system.rebooted"), 0.0);
  fs::remove_all(dir);
}

TEST(HealthSamplers, UpdatesRunAptAgainOnlyWhenWhatItReadsChangedOrADayPassed) {
  Fixture f;
  auto dir = fs::temp_directory_path() / ("parc-apt-" + std::to_string(::getpid()));
  fs::create_directories(dir / "lists");
  { std::ofstream(dir / "status") << "Package: libssl3\n"; }
  auto c = f.context();
  c.aptState = {dir / "lists", dir / "status"};
  auto sampler = samplers::makeUpdates();
  auto aptRuns = [&f] {
    return std::count_if(f.commands.begin(), f.commands.end(), [](const auto& argv) {
      return std::find(argv.begin(), argv.end(), "/usr/bin/apt-get") != argv.end();
    });
  };
  auto sample = [&] {
    std::vector<Metric> out;
    std::vector<std::string> w;
    sampler->sample(c, out, w);
    EXPECT_TRUE(w.empty());
    return byKey(out);
  };
  EXPECT_DOUBLE_EQ(sample().at("updates.pending"), 3.0);
  EXPECT_EQ(aptRuns(), 1);
  f.now += 3600;  // an hour later, nothing changed: the same answer, apt not run
  auto again = sample();
  EXPECT_DOUBLE_EQ(again.at("updates.pending"), 3.0);
  EXPECT_DOUBLE_EQ(again.at("updates.security"), 2.0);
  EXPECT_EQ(aptRuns(), 1);
  // apt's timer brings a new list: run again.
  { std::ofstream(dir / "lists" / "deb.debian.org_Packages") << "Package: zstd\n"; }
  f.now += 3600;
  sample();
  EXPECT_EQ(aptRuns(), 2);
  // dpkg installed something: run again.
  fs::last_write_time(dir / "status",
                      fs::last_write_time(dir / "status") + std::chrono::seconds(5));
  f.now += 3600;
  sample();
  EXPECT_EQ(aptRuns(), 3);
  // Nothing changed for a day: run again all the same.
  f.now += 24 * 3600;
  sample();
  EXPECT_EQ(aptRuns(), 4);
  fs::remove_all(dir);
}

TEST(HealthSamplers, FailedUnitsPrintersTimeAndUpdates) {
  Fixture f;
  f.now = 1795946400;  // 2026-11-29 10:00:00 UTC
  auto c = f.context();
  std::vector<Metric> out;
  std::vector<std::string> w;
  samplers::makeSystemd()->sample(c, out, w);
  samplers::makePrinters()->sample(c, out, w);
  samplers::makeTimeSync()->sample(c, out, w);
  samplers::makeUpdates()->sample(c, out, w);
  auto m = byKey(out);
  EXPECT_DOUBLE_EQ(m.at("systemd.failed_units"), 2.0);
  EXPECT_DOUBLE_EQ(m.at("systemd.unit_failed[cups.service]"), 1.0);
  EXPECT_DOUBLE_EQ(m.at("printer.state[Accueil]"), 0.0);
  EXPECT_DOUBLE_EQ(m.at("printer.state[Mairie]"), 1.0);
  EXPECT_DOUBLE_EQ(m.at("printer.state[Compta]"), 2.0);
  EXPECT_DOUBLE_EQ(m.at("printer.jobs[Mairie]"), 2.0);
  // Mairie-12 waits since 08:00 (2 h > 30 min); Mairie-13 since 09:55 only.
  EXPECT_DOUBLE_EQ(m.at("printer.stuck_jobs[Mairie]"), 1.0);
  EXPECT_DOUBLE_EQ(m.at("printer.oldest_job_age_s[Mairie]"), 7200.0);
  EXPECT_DOUBLE_EQ(m.at("printer.stuck_jobs[Compta]"), 1.0);
  EXPECT_DOUBLE_EQ(m.at("printer.jobs[Accueil]"), 0.0);
  EXPECT_DOUBLE_EQ(m.at("time.synced"), 1.0);
  EXPECT_DOUBLE_EQ(m.at("time.max_error_ms"), 12.0);
  EXPECT_DOUBLE_EQ(m.at("updates.pending"), 3.0);
  EXPECT_DOUBLE_EQ(m.at("updates.security"), 2.0);
  // lpstat's dates are read in the C locale and UTC, whatever the service's.
  bool forced = false;
  for (const auto& argv : f.commands) {
    if (std::find(argv.begin(), argv.end(), "/usr/bin/lpstat") != argv.end()) {
      forced = std::find(argv.begin(), argv.end(), "LC_ALL=C") != argv.end() &&
               std::find(argv.begin(), argv.end(), "TZ=UTC") != argv.end();
    }
  }
  EXPECT_TRUE(forced);
}

TEST(HealthSamplers, SmartNeverWakesASleepingDisk) {
  Fixture f;
  auto c = f.context();
  std::vector<Metric> out;
  std::vector<std::string> w;
  samplers::makeSmart()->sample(c, out, w);
  auto m = byKey(out);
  EXPECT_DOUBLE_EQ(m.at("smart.healthy[sda]"), 0.0);
  EXPECT_DOUBLE_EQ(m.at("smart.reallocated_sectors[sda]"), 3912.0);
  EXPECT_DOUBLE_EQ(m.at("smart.pending_sectors[sda]"), 24.0);
  EXPECT_EQ(m.count("smart.healthy[sdb]"), 0u);  // in standby: left asleep, no value
  ASSERT_EQ(f.commands.size(), 2u);              // sda and sdb; not loop0 nor dm-0
  for (const auto& argv : f.commands) {
    auto n = std::find(argv.begin(), argv.end(), "-n");
    ASSERT_NE(n, argv.end());
    EXPECT_EQ(*(n + 1), "standby");
  }
}

// The agent's `system_root`: the mount table comes from the tree, each mount point is
// measured inside it (a real directory there, really statvfs'd), and no program runs.
TEST(HealthSamplers, UnderRootMeasuresMountPointsInsideTheTree) {
  fs::path root = fs::temp_directory_path() / ("parc-health-root-" + std::to_string(getpid()));
  fs::create_directories(root / "proc/self");
  fs::create_directories(root / "data");
  std::ofstream(root / "proc/self/mounts") << "/dev/vda2 /data ext4 rw 0 0\n"
                                           << "/dev/vda3 /absent ext4 rw 0 0\n";
  HealthContext c = HealthContext::underRoot(root);
  std::vector<Metric> out;
  std::vector<std::string> w;
  samplers::makeDiskUsage()->sample(c, out, w);
  auto m = byKey(out);
  EXPECT_TRUE(m.count("disk.used_pct[/data]"));
  EXPECT_GT(m.at("disk.size_bytes[/data]"), 0);
  EXPECT_FALSE(m.count("disk.used_pct[/]")) << "the test machine's own root is not listed";
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], "disk_usage: cannot statvfs /absent");
  auto ran = c.run({"/usr/bin/true"}, std::chrono::milliseconds(1000));
  EXPECT_EQ(ran.exitCode, -1);
  EXPECT_NE(ran.error.find("system_root"), std::string::npos);
  EXPECT_FALSE(c.clock());
  fs::remove_all(root);
}

TEST(HealthSamplers, MissingTreeGivesWarningsNotThrows) {
  HealthContext c;
  c.proc = "/nonexistent/proc";
  c.sys = "/nonexistent/sys";
  c.now = [] { return kT0; };
  std::vector<Metric> out;
  std::vector<std::string> w;
  for (auto& s : allSamplers()) EXPECT_NO_THROW(s->sample(c, out, w)) << s->name();
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(w.empty());
}

TEST(HealthMonitor, BatchAndLocalEventsWithHysteresis) {
  Fixture f;
  HealthMonitor monitor(f.context(), allSamplers(), std::chrono::seconds(60),
                        std::chrono::seconds(3600));
  HealthSample s = monitor.sample();
  EXPECT_EQ(s.metrics["version"], 1);
  EXPECT_EQ(s.metrics["collected_at"], kT0);
  EXPECT_EQ(s.metrics["interval_seconds"], 60);
  ASSERT_TRUE(s.metrics["metrics"].is_array());
  EXPECT_GT(s.metrics["metrics"].size(), 20u);
  // Disk / at 95.8 % and sda failing: two events at once, without the server.
  std::map<std::string, Json> events;
  for (const auto& e : s.events) events[e["rule"].get<std::string>()] = e;
  ASSERT_TRUE(events.count("disk_almost_full"));
  EXPECT_EQ(events["disk_almost_full"]["state"], "raised");
  EXPECT_EQ(events["disk_almost_full"]["subject"], "/");
  ASSERT_TRUE(events.count("smart_failing"));
  EXPECT_EQ(events["smart_failing"]["subject"], "sda");

  // Still full: no repeat. Slow samplers are not due again for an hour.
  f.now += 60;
  auto commandsBefore = f.commands.size();
  s = monitor.sample();
  EXPECT_TRUE(s.events.empty());
  for (std::size_t i = commandsBefore; i < f.commands.size(); ++i) {
    EXPECT_NE(f.commands[i][0], "/usr/sbin/smartctl");
  }
  // 92 % is inside the hysteresis band: still raised, no event.
  f.spaces["/"] = {100'000'000'000, 8'000'000'000, 8'000'000'000, 0, 0};
  f.now += 60;
  EXPECT_TRUE(monitor.sample().events.empty());
  // 80 %: cleared once.
  f.spaces["/"] = {100'000'000'000, 20'000'000'000, 20'000'000'000, 0, 0};
  f.now += 60;
  s = monitor.sample();
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0]["rule"], "disk_almost_full");
  EXPECT_EQ(s.events[0]["state"], "cleared");
}

}  // namespace
}  // namespace parc::agent::health
