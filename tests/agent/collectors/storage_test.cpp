#include "agent/collectors/linux/storage.h"

#include <gtest/gtest.h>

#include "agent/collectors/linux/smart.h"
#include "tests/agent/collectors/fixtures.h"

namespace parc::agent::collectors::linux_ {
namespace {

using testing::collectFixture;
using testing::hasWarning;
using testing::TempDir;

TEST(StorageCollector, DesktopSataSsdUsbStickAndMounts) {
  std::vector<std::string> warnings;
  Json s = collectFixture(*makeStorageCollector(), "desktop", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  ASSERT_EQ(s["disks"].size(), 2u);
  const Json& sda = s["disks"][0];
  EXPECT_EQ(sda["name"], "sda");
  EXPECT_EQ(sda["bus"], "sata");
  EXPECT_EQ(sda["kind"], "ssd");
  EXPECT_EQ(sda["model"], "Samsung SSD 860 PRO 256GB");
  EXPECT_FALSE(sda.contains("vendor"));  // libata's "ATA" is not a maker
  EXPECT_EQ(sda["serial"], "S5GANE0M812345K");
  EXPECT_EQ(sda["firmware"], "1B6Q");
  EXPECT_EQ(sda["size_bytes"], 256060514304);
  EXPECT_EQ(sda["removable"], false);
  ASSERT_EQ(sda["partitions"].size(), 3u);
  EXPECT_EQ(sda["partitions"][0]["name"], "sda1");
  EXPECT_EQ(sda["partitions"][0]["size_bytes"], 536870912);
  EXPECT_EQ(sda["partitions"][0]["start_bytes"], 1048576);
  EXPECT_EQ(sda["partitions"][2]["number"], 3);
  const Json& sdb = s["disks"][1];
  EXPECT_EQ(sdb["bus"], "usb");
  EXPECT_EQ(sdb["kind"], "removable");
  EXPECT_EQ(sdb["vendor"], "Kingston");
  EXPECT_EQ(sdb["model"], "DataTraveler 3.0");
  EXPECT_TRUE(s["raid"].empty());
  ASSERT_EQ(s["filesystems"].size(), 4u);  // proc, sysfs, tmpfs, cgroup2, udev left out
  EXPECT_EQ(s["filesystems"][0]["mount_point"], "/");
  EXPECT_EQ(s["filesystems"][0]["type"], "ext4");
  EXPECT_EQ(s["filesystems"][0]["uuid"], "3f1b6f0c-2a8e-4f0b-9c47-1d2e3f4a5b6c");
  EXPECT_FALSE(s["filesystems"][0].contains("total_bytes"));  // statvfs only when live
  EXPECT_EQ(s["filesystems"][1]["uuid"], "5A1C-2B3D");
  EXPECT_EQ(s["filesystems"][2]["type"], "cifs");
  EXPECT_EQ(s["filesystems"][2]["device"], "//nas.mairie.local/partage");
  EXPECT_EQ(s["filesystems"][3]["mount_point"], "/media/accueil/CLE USB");
  EXPECT_EQ(s["filesystems"][3]["label"], "CLE USB");
}

TEST(StorageCollector, ServerNvmeAndMdRaid) {
  std::vector<std::string> warnings;
  Json s = collectFixture(*makeStorageCollector(), "server", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  ASSERT_EQ(s["disks"].size(), 3u);  // md0 is reported under raid, not as a disk
  const Json& n0 = s["disks"][0];
  EXPECT_EQ(n0["name"], "nvme0n1");
  EXPECT_EQ(n0["bus"], "nvme");
  EXPECT_EQ(n0["kind"], "nvme");
  EXPECT_EQ(n0["model"], "Samsung SSD 960 EVO 250GB");
  EXPECT_EQ(n0["serial"], "S3ESNX0J612345A");
  EXPECT_EQ(n0["firmware"], "3B7QCXE7");
  EXPECT_EQ(n0["size_bytes"], 250059350016);
  EXPECT_EQ(n0["partitions"][1]["name"], "nvme0n1p2");
  EXPECT_EQ(s["disks"][1]["serial"], "S3ESNX0J612346B");
  const Json& hdd = s["disks"][2];
  EXPECT_EQ(hdd["kind"], "hdd");
  EXPECT_EQ(hdd["model"], "TOSHIBA MD04ACA400");
  EXPECT_EQ(hdd["serial"], "55K4PARC0FSA");  // VPD 0x80 is right-aligned: blanks trimmed
  EXPECT_EQ(hdd["size_bytes"], 4000787030016);
  ASSERT_EQ(s["raid"].size(), 1u);
  const Json& md = s["raid"][0];
  EXPECT_EQ(md["name"], "md0");
  EXPECT_EQ(md["level"], "raid1");
  EXPECT_EQ(md["state"], "clean");
  EXPECT_EQ(md["raid_disks"], 2);
  EXPECT_EQ(md["degraded_disks"], 0);
  EXPECT_EQ(md["sync_action"], "idle");
  EXPECT_EQ(md["size_bytes"], 488126464LL * 512);
  EXPECT_EQ(md["members"], Json({"nvme0n1p2", "nvme1n1p2"}));
  ASSERT_EQ(s["filesystems"].size(), 2u);
  EXPECT_EQ(s["filesystems"][0]["device"], "/dev/md0");
  EXPECT_EQ(s["filesystems"][0]["uuid"], "0c7d1b5e-9a4f-4e2d-8b1c-6f5e4d3c2b1a");
  EXPECT_EQ(s["filesystems"][1]["type"], "xfs");
  EXPECT_EQ(s["filesystems"][1]["label"], "partages");
}

TEST(StorageCollector, LaptopNvmeAndSnapsLeftOut) {
  std::vector<std::string> warnings;
  Json s = collectFixture(*makeStorageCollector(), "laptop", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  ASSERT_EQ(s["disks"].size(), 1u);
  EXPECT_EQ(s["disks"][0]["model"], "KXG60ZNV256G TOSHIBA");
  EXPECT_EQ(s["disks"][0]["serial"], "X9PS10ABCDEF");
  EXPECT_EQ(s["filesystems"].size(), 2u);  // the squashfs snap on /dev/loop0 is not storage
}

TEST(StorageCollector, VmVirtioDisk) {
  std::vector<std::string> warnings;
  Json s = collectFixture(*makeStorageCollector(), "vm", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  ASSERT_EQ(s["disks"].size(), 1u);
  EXPECT_EQ(s["disks"][0]["bus"], "virtio");
  EXPECT_EQ(s["disks"][0]["kind"], "virtual");
  EXPECT_EQ(s["disks"][0]["serial"], "parc-vm-disk0");
  EXPECT_EQ(s["disks"][0]["size_bytes"], 34359738368);
}

TEST(StorageCollector, EmptyTreeWarns) {
  TempDir t;
  CollectContext c;
  c.roots.sys = t.path();
  c.roots.proc = t.path();
  c.roots.dev = t.path();
  c.roots.live = false;
  std::vector<std::string> warnings;
  Json s = makeStorageCollector()->collect(c, warnings);
  EXPECT_TRUE(s["disks"].empty());
  EXPECT_TRUE(s["filesystems"].empty());
  EXPECT_TRUE(hasWarning(warnings, "disks unknown"));
  EXPECT_TRUE(hasWarning(warnings, "file systems unknown"));
}

TEST(StorageParsers, Mounts) {
  auto m = parseMounts(
      "/dev/sda1 /mnt/a\\040b ext4 rw 0 0\nshort line\n\n"
      "server:/x /net nfs4 ro,vers=4.2 0 0\n");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].mountPoint, "/mnt/a b");
  EXPECT_EQ(m[1].fsType, "nfs4");
  EXPECT_TRUE(isDataFilesystem(m[1]));
  EXPECT_FALSE(isDataFilesystem({"tmpfs", "/run", "tmpfs", "rw"}));
  EXPECT_FALSE(isDataFilesystem({"/dev/loop3", "/snap/x", "squashfs", "ro"}));
}

TEST(StorageParsers, BusAndVpd) {
  EXPECT_EQ(busFromSysfsPath(
                "../devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda"),
            "sata");
  EXPECT_EQ(busFromSysfsPath("../devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/"
                             "target6:0:0/6:0:0:0/block/sdb"),
            "usb");
  EXPECT_EQ(busFromSysfsPath("../devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/nvme0n1"),
            "nvme");
  EXPECT_EQ(busFromSysfsPath("../devices/pci0000:00/0000:00:05.0/virtio2/block/vda"), "virtio");
  EXPECT_EQ(busFromSysfsPath("../devices/platform/host3/session1/target3:0:0/3:0:0:0/block/sdc"),
            "scsi");
  EXPECT_EQ(serialFromVpd80(std::string("\x00\x80\x00\x05"
                                        "AB12 ",
                                        9)),
            "AB12");
  EXPECT_EQ(serialFromVpd80(std::string("\x00\x83\x00\x02"
                                        "AB",
                                        6)),
            std::nullopt);  // wrong page
  EXPECT_EQ(serialFromVpd80(std::string("\x00\x80\x00\x40"
                                        "AB",
                                        6)),
            "AB");  // length past data
  EXPECT_EQ(serialFromVpd80(std::string("\x00\x80", 2)), std::nullopt);
}

// smartctl --json output shaped as smartmontools 7.3 prints it (abridged).
constexpr const char* kSmartNvme = R"({
  "json_format_version": [1, 0],
  "smartctl": {"version": [7, 3], "exit_status": 0},
  "device": {"name": "/dev/nvme0", "type": "nvme", "protocol": "NVMe"},
  "model_name": "Samsung SSD 960 EVO 250GB",
  "serial_number": "S3ESNX0J612345A",
  "firmware_version": "3B7QCXE7",
  "smart_status": {"passed": false, "nvme": {"value": 4}},
  "nvme_smart_health_information_log": {
    "critical_warning": 4, "temperature": 52, "available_spare": 100,
    "percentage_used": 255, "data_units_written": 5202884, "power_on_hours": 17592,
    "unsafe_shutdowns": 88, "media_errors": 0
  },
  "temperature": {"current": 52},
  "power_cycle_count": 1432,
  "power_on_time": {"hours": 17592}
})";

constexpr const char* kSmartSata = R"({
  "smartctl": {"version": [7, 3], "exit_status": 0},
  "model_name": "TOSHIBA MD04ACA400", "serial_number": "55K4PARC0FSA",
  "firmware_version": "FP2A", "rotation_rate": 7200,
  "smart_status": {"passed": true},
  "ata_smart_attributes": {"revision": 16, "table": [
    {"id": 5, "name": "Reallocated_Sector_Ct", "raw": {"value": 8, "string": "8"}},
    {"id": 197, "name": "Current_Pending_Sector", "raw": {"value": 0, "string": "0"}}
  ]},
  "power_on_time": {"hours": 35120}, "power_cycle_count": 51, "temperature": {"current": 35}
})";

TEST(SmartParser, NvmeFailing) {
  std::vector<std::string> problems;
  auto s = parseSmartctlJson(kSmartNvme, problems);
  ASSERT_TRUE(s);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ((*s)["health_passed"], false);
  EXPECT_EQ((*s)["temperature_celsius"], 52);
  EXPECT_EQ((*s)["power_on_hours"], 17592);
  EXPECT_EQ((*s)["percentage_used"], 255);
  EXPECT_EQ((*s)["critical_warning"], 4);
  EXPECT_EQ((*s)["written_bytes"], 5202884LL * 512000);
  EXPECT_EQ((*s)["serial"], "S3ESNX0J612345A");
  EXPECT_EQ((*s)["power_cycles"], 1432);
}

TEST(SmartParser, SataAttributes) {
  std::vector<std::string> problems;
  auto s = parseSmartctlJson(kSmartSata, problems);
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)["health_passed"], true);
  EXPECT_EQ((*s)["reallocated_sectors"], 8);
  EXPECT_EQ((*s)["pending_sectors"], 0);
  EXPECT_EQ((*s)["rotation_rpm"], 7200);
  EXPECT_FALSE(s->contains("percentage_used"));
}

TEST(SmartParser, GarbageAndErrors) {
  std::vector<std::string> problems;
  EXPECT_FALSE(parseSmartctlJson("Smartctl open device: /dev/sda failed", problems));
  EXPECT_FALSE(parseSmartctlJson("{\"no\": 1}", problems));
  EXPECT_EQ(problems.size(), 2u);
  problems.clear();
  auto s = parseSmartctlJson(
      R"({"smartctl": {"messages": [{"string": "Read Device Identity failed", "severity": "error"}]},
          "smart_status": "not an object", "temperature": {"current": "hot"}})",
      problems);
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->contains("health_passed"));
  EXPECT_FALSE(s->contains("temperature_celsius"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("Read Device Identity failed"), std::string::npos);
}

}  // namespace
}  // namespace parc::agent::collectors::linux_
