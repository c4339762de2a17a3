#pragma once
// Section "storage": disks (sysfs block devices: model, serial, firmware, size, kind,
// bus, partitions, SMART when live), software RAID (md), and mounted file systems
// (/proc/mounts; usage by statvfs only on the live machine).
#include <string>
#include <string_view>
#include <vector>

#include "agent/collectors/collector.h"

namespace parc::agent::collectors::linux_ {

struct MountEntry {
  std::string device;
  std::string mountPoint;
  std::string fsType;
  std::string options;
};

/// /proc/mounts lines (fstab(5) format, with \040-style octal escapes undone).
std::vector<MountEntry> parseMounts(std::string_view text);

/// True for the file systems that hold data (ext4, xfs, vfat, nfs...), false for the
/// kernel's pseudo file systems (proc, sysfs, cgroup, tmpfs...).
bool isDataFilesystem(const MountEntry& m);

/// The bus a block device hangs on, from its sysfs path
/// ("../devices/pci0000:00/0000:00:17.0/ata1/..." -> "sata").
std::string busFromSysfsPath(std::string_view devicePath);

/// The serial from a SCSI VPD page 0x80 (4-byte header, then the ASCII serial).
std::optional<std::string> serialFromVpd80(std::string_view page);

CollectorPtr makeStorageCollector();

}  // namespace parc::agent::collectors::linux_
