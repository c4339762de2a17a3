#include "agent/collectors/linux/cpu.h"

#include <gtest/gtest.h>

#include "tests/agent/collectors/fixtures.h"

namespace parc::agent::collectors::linux_ {
namespace {

using testing::collectFixture;
using testing::fixtureContext;
using testing::hasWarning;
using testing::TempDir;

TEST(CpuCollector, DesktopFromCpuinfoAndSysfs) {
  std::vector<std::string> warnings;
  Json c = collectFixture(*makeCpuCollector(), "desktop", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  EXPECT_EQ(c["vendor"], "GenuineIntel");
  EXPECT_EQ(c["model_name"], "Intel(R) Core(TM) i7-9700 CPU @ 3.00GHz");
  EXPECT_EQ(c["family"], 6);
  EXPECT_EQ(c["model"], 158);
  EXPECT_EQ(c["stepping"], 13);
  EXPECT_EQ(c["microcode"], "0xf8");
  EXPECT_DOUBLE_EQ(c["current_mhz"].get<double>(), 4006.139);
  EXPECT_EQ(c["max_mhz"], 4700);
  EXPECT_EQ(c["min_mhz"], 800);
  EXPECT_EQ(c["packages"], 1);
  EXPECT_EQ(c["cores"], 8);
  EXPECT_EQ(c["threads"], 8);
  EXPECT_EQ(c["numa_nodes"], 1);
  EXPECT_EQ(c["caches"]["l1d_bytes"], 32768);
  EXPECT_EQ(c["caches"]["l1i_bytes"], 32768);
  EXPECT_EQ(c["caches"]["l2_bytes"], 262144);
  EXPECT_EQ(c["caches"]["l3_bytes"], 12582912);
  EXPECT_EQ(c["topology_source"], "cpuinfo");
  EXPECT_EQ(c["virtualization_extension"], "vt-x");
  EXPECT_EQ(c["hypervisor_present"], false);
}

TEST(CpuCollector, LaptopWithHyperThreading) {
  std::vector<std::string> warnings;
  Json c = collectFixture(*makeCpuCollector(), "laptop", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  EXPECT_EQ(c["model_name"], "Intel(R) Core(TM) i7-10610U CPU @ 1.80GHz");
  EXPECT_EQ(c["model"], 142);
  EXPECT_EQ(c["stepping"], 12);
  EXPECT_EQ(c["packages"], 1);
  EXPECT_EQ(c["cores"], 4);
  EXPECT_EQ(c["threads"], 8);
  EXPECT_EQ(c["max_mhz"], 4900);
  EXPECT_EQ(c["caches"]["l3_bytes"], 8388608);
}

TEST(CpuCollector, VmFromRecordedHwlocXml) {
  std::vector<std::string> warnings;
  Json c = collectFixture(*makeCpuCollector(), "vm", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  EXPECT_EQ(c["topology_source"], "hwloc-xml");
  EXPECT_EQ(c["model_name"], "Intel(R) Xeon(R) Processor");
  EXPECT_EQ(c["family"], 6);
  EXPECT_EQ(c["model"], 207);
  EXPECT_EQ(c["stepping"], 2);
  EXPECT_EQ(c["packages"], 1);
  EXPECT_EQ(c["cores"], 2);
  EXPECT_EQ(c["threads"], 2);
  EXPECT_EQ(c["numa_nodes"], 1);
  EXPECT_EQ(c["caches"]["l1d_bytes"], 49152);
  EXPECT_EQ(c["caches"]["l1i_bytes"], 32768);
  EXPECT_EQ(c["caches"]["l2_bytes"], 2097152);
  EXPECT_EQ(c["caches"]["l3_bytes"], 272629760);
  EXPECT_EQ(c["hypervisor_present"], true);
  EXPECT_FALSE(c.contains("max_mhz"));  // no cpufreq in this guest
  EXPECT_FALSE(c.contains("virtualization_extension"));
}

TEST(CpuCollector, BadHwlocXmlFallsBackToCpuinfo) {
  TempDir t;
  t.write("topology.xml", "<not a topology");
  CollectContext ctx = fixtureContext("server");
  ctx.roots.hwlocXml = t.path() / "topology.xml";
  std::vector<std::string> warnings;
  Json c = makeCpuCollector()->collect(ctx, warnings);
  EXPECT_TRUE(hasWarning(warnings, "hwloc")) << ::testing::PrintToString(warnings);
  EXPECT_EQ(c["topology_source"], "cpuinfo");
  EXPECT_EQ(c["model_name"], "Intel(R) Xeon(R) CPU E3-1230 v6 @ 3.50GHz");
  EXPECT_EQ(c["cores"], 4);
  EXPECT_EQ(c["threads"], 8);
  EXPECT_EQ(c["max_mhz"], 3900);
}

TEST(CpuCollector, LiveMachineThroughHwloc) {
  // The machine running the tests: only relations that hold everywhere can be asserted.
  CollectContext ctx;
  std::vector<std::string> warnings;
  Json c = makeCpuCollector()->collect(ctx, warnings);
  EXPECT_EQ(c["topology_source"], "hwloc");
  EXPECT_GE(c["packages"].get<int>(), 1);
  EXPECT_GE(c["cores"].get<int>(), c["packages"].get<int>());
  EXPECT_GE(c["threads"].get<int>(), c["cores"].get<int>());
}

TEST(CpuCollector, MissingCpuinfoWarns) {
  TempDir t;
  CollectContext ctx;
  ctx.roots.proc = t.path();
  ctx.roots.sys = t.path();
  ctx.roots.live = false;
  std::vector<std::string> warnings;
  Json c = makeCpuCollector()->collect(ctx, warnings);
  EXPECT_TRUE(hasWarning(warnings, "cpuinfo"));
  EXPECT_FALSE(c.contains("model_name"));
  EXPECT_FALSE(c.contains("threads"));
}

TEST(CpuParsers, CpuinfoWithoutTopologyLines) {
  // ARM and some hypervisors give neither "physical id" nor "core id".
  CpuInfo i = parseCpuinfo(
      "processor\t: 0\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\n"
      "CPU implementer\t: 0x41\nCPU part\t: 0xd08\n\n"
      "processor\t: 1\nBogoMIPS\t: 108.00\nCPU implementer\t: 0x41\n\n"
      "Hardware\t: BCM2835\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n");
  EXPECT_EQ(i.threads, 2);
  EXPECT_EQ(i.packages, 0);
  EXPECT_EQ(i.cores, 0);
  EXPECT_EQ(i.vendor, "0x41");
  EXPECT_FALSE(i.hypervisor);
}

TEST(CpuParsers, GarbageIsHarmless) {
  CpuInfo i = parseCpuinfo("\x01\x02 no colon here\n:::\nmodel : not-a-number\n");
  EXPECT_EQ(i.threads, 0);
  EXPECT_EQ(i.model, std::nullopt);
}

TEST(CpuParsers, CacheSizes) {
  EXPECT_EQ(parseCacheSize("48K"), 49152);
  EXPECT_EQ(parseCacheSize("2048K"), 2097152);
  EXPECT_EQ(parseCacheSize("32M"), 33554432);
  EXPECT_EQ(parseCacheSize("512"), 512);
  EXPECT_EQ(parseCacheSize("K"), std::nullopt);
  EXPECT_EQ(parseCacheSize("-1K"), std::nullopt);
  // Fuzz finding F5: the product overflowed (undefined behaviour).
  EXPECT_EQ(parseCacheSize("5555555555555555555M"), std::nullopt);
  EXPECT_EQ(parseCacheSize("8589934591G"), 8589934591LL << 30);
  EXPECT_EQ(parseCacheSize("8589934592G"), std::nullopt);
}

}  // namespace
}  // namespace parc::agent::collectors::linux_
