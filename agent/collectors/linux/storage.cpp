#include "agent/collectors/linux/storage.h"

#include <sys/statvfs.h>

#include <map>

#include "agent/collectors/linux/read.h"
#include "agent/collectors/linux/smart.h"

namespace parc::agent::collectors::linux_ {

namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kSectorBytes = 512;  // sysfs "size" is always in 512-byte units
constexpr std::chrono::milliseconds kSmartTimeout{5000};

bool startsWith(std::string_view s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

// Devices that are not disks of their own: loop files, RAM disks, compressed swap,
// device-mapper volumes (reported through their file systems), md arrays (see "raid").
bool isVirtualBlock(const std::string& name) {
  return startsWith(name, "loop") || startsWith(name, "ram") || startsWith(name, "zram") ||
         startsWith(name, "dm-") || startsWith(name, "md") || startsWith(name, "nbd");
}

std::string unescapeMount(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
        s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
      out.push_back(
          static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// udev escapes blanks and slashes in /dev/disk/by-label names as \xHH.
std::string unescapeUdev(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x') {
      if (auto v = parseInt("0x" + std::string(s.substr(i + 2, 2)))) {
        out.push_back(static_cast<char>(*v));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// Maps "sda2" -> value for the symlinks of /dev/disk/by-uuid or by-label.
std::map<std::string, std::string> diskLinks(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const std::string& name : listDir(dir)) {
    if (auto target = linkTargetName(dir / name)) out[*target] = unescapeUdev(name);
  }
  return out;
}

std::string linkTarget(const fs::path& p) {
  std::error_code ec;
  return fs::read_symlink(p, ec).string();
}

std::optional<std::string> nonEmpty(std::optional<std::string> v) {
  if (v && v->empty()) return std::nullopt;
  return v;
}

class StorageCollector final : public Collector {
 public:
  std::string_view name() const override { return "storage"; }

  Json collect(const CollectContext& context, std::vector<std::string>& warnings) const override {
    const SystemRoots& roots = context.roots;
    Json out = Json::object();
    out["disks"] = disks(context, warnings);
    out["raid"] = mdArrays(roots);
    out["filesystems"] = filesystems(roots, warnings);
    return out;
  }

 private:
  static Json disks(const CollectContext& context, std::vector<std::string>& warnings) {
    const SystemRoots& roots = context.roots;
    fs::path block = roots.sys / "block";
    if (!pathExists(block)) {
      warnings.push_back("storage: " + block.string() + " is missing; disks unknown");
      return Json::array();
    }
    std::optional<std::string> smartctl = roots.live ? findSmartctl() : std::nullopt;
    Json list = Json::array();
    for (const std::string& name : listDir(block)) {
      if (isVirtualBlock(name)) continue;
      Json d = disk(block / name, name);
      if (smartctl && d.value("kind", "") != "optical" && d.value("bus", "") != "virtio") {
        if (auto s = querySmart(*smartctl, name, kSmartTimeout, warnings)) {
          if (!d.contains("serial") && s->contains("serial")) d["serial"] = (*s)["serial"];
          d["smart"] = std::move(*s);
        }
      }
      list.push_back(std::move(d));
    }
    return list;
  }

  static Json disk(const fs::path& dir, const std::string& name) {
    Json d = Json::object();
    d["name"] = name;
    std::string bus = busFromSysfsPath(linkTarget(dir));
    d["bus"] = bus;
    if (auto sectors = readIntAttr(dir / "size")) d["size_bytes"] = *sectors * kSectorBytes;
    fs::path dev = dir / "device";
    // NVMe namespaces: device/ is the controller, which has model/serial/firmware_rev.
    // SCSI/ATA: device/ is the SCSI device with vendor/model/rev and VPD pages.
    setIf(d, "model", nonEmpty(readAttr(dev / "model")));
    if (auto vendor = nonEmpty(readAttr(dev / "vendor")); vendor && *vendor != "ATA") {
      d["vendor"] = *vendor;  // libata reports "ATA" here: the bus, not the maker
    }
    auto serial = nonEmpty(readAttr(dev / "serial"));
    if (!serial) serial = nonEmpty(readAttr(dir / "serial"));  // virtio-blk
    if (!serial) {
      if (FileRead vpd = readFile(dev / "vpd_pg80", 4096); vpd.ok())
        serial = serialFromVpd80(*vpd.data);
    }
    setIf(d, "serial", serial);
    auto firmware = nonEmpty(readAttr(dev / "firmware_rev"));
    if (!firmware) firmware = nonEmpty(readAttr(dev / "rev"));
    setIf(d, "firmware", firmware);
    auto rotational = readIntAttr(dir / "queue/rotational");
    auto removable = readIntAttr(dir / "removable");
    std::string kind = "unknown";
    if (startsWith(name, "sr")) {
      kind = "optical";
    } else if (bus == "nvme") {
      kind = "nvme";
    } else if (bus == "virtio") {
      kind = "virtual";  // virtio-blk claims to rotate; the host decides what it is
    } else if (removable && *removable && bus != "sata") {
      kind = "removable";  // USB sticks and SD cards: rotational says nothing useful
    } else if (rotational) {
      kind = *rotational ? "hdd" : "ssd";
    }
    d["kind"] = kind;
    if (removable) d["removable"] = *removable != 0;
    if (auto rpm = readIntAttr(dir / "queue/rotation_rate"); rpm && *rpm > 1)
      d["rotation_rpm"] = *rpm;
    d["partitions"] = partitions(dir, name);
    return d;
  }

  static Json partitions(const fs::path& dir, const std::string& disk) {
    Json parts = Json::array();
    for (const std::string& entry : listDir(dir)) {
      if (!startsWith(entry, disk) || !pathExists(dir / entry / "partition")) continue;
      Json p = Json::object();
      p["name"] = entry;
      setIf(p, "number", readIntAttr(dir / entry / "partition"));
      if (auto sectors = readIntAttr(dir / entry / "size"))
        p["size_bytes"] = *sectors * kSectorBytes;
      if (auto start = readIntAttr(dir / entry / "start")) p["start_bytes"] = *start * kSectorBytes;
      parts.push_back(std::move(p));
    }
    return parts;
  }

  static Json mdArrays(const SystemRoots& roots) {
    Json list = Json::array();
    fs::path block = roots.sys / "block";
    for (const std::string& name : listDir(block)) {
      fs::path md = block / name / "md";
      if (!startsWith(name, "md") || !pathExists(md)) continue;
      Json a = Json::object();
      a["name"] = name;
      setIf(a, "level", readAttr(md / "level"));
      setIf(a, "state", readAttr(md / "array_state"));
      setIf(a, "raid_disks", readIntAttr(md / "raid_disks"));
      setIf(a, "degraded_disks", readIntAttr(md / "degraded"));
      setIf(a, "sync_action", readAttr(md / "sync_action"));
      setIf(a, "uuid", readAttr(md / "uuid"));
      if (auto sectors = readIntAttr(block / name / "size"))
        a["size_bytes"] = *sectors * kSectorBytes;
      Json members = Json::array();
      for (const std::string& m : listDir(block / name / "slaves")) members.push_back(m);
      a["members"] = std::move(members);
      list.push_back(std::move(a));
    }
    return list;
  }

  static Json filesystems(const SystemRoots& roots, std::vector<std::string>& warnings) {
    FileRead r = readFile(roots.proc / "mounts");
    if (!r.ok()) r = readFile(roots.proc / "self/mounts");
    if (!r.ok()) {
      warnings.push_back("storage: cannot read " + (roots.proc / "mounts").string() + ": " +
                         r.reason() + "; file systems unknown");
      return Json::array();
    }
    auto uuids = diskLinks(roots.dev / "disk/by-uuid");
    auto labels = diskLinks(roots.dev / "disk/by-label");
    Json list = Json::array();
    for (const MountEntry& m : parseMounts(*r.data)) {
      if (!isDataFilesystem(m)) continue;
      Json f = Json::object();
      f["device"] = m.device;
      f["mount_point"] = m.mountPoint;
      f["type"] = m.fsType;
      f["read_only"] = m.options == "ro" || startsWith(m.options, "ro,");
      std::string base = fs::path(m.device).filename().string();
      if (auto it = uuids.find(base); it != uuids.end()) f["uuid"] = it->second;
      if (auto it = labels.find(base); it != labels.end()) f["label"] = it->second;
      if (roots.live) usage(m.mountPoint, f);
      list.push_back(std::move(f));
    }
    return list;
  }

  // statvfs on a network mount can block for minutes; the collector timeout in
  // inventory.cpp bounds it, so the agent itself never hangs.
  static void usage(const std::string& mountPoint, Json& f) {
    struct statvfs st {};
    if (::statvfs(mountPoint.c_str(), &st) != 0) return;
    auto unit = static_cast<std::int64_t>(st.f_frsize);
    std::int64_t total = static_cast<std::int64_t>(st.f_blocks) * unit;
    std::int64_t avail = static_cast<std::int64_t>(st.f_bavail) * unit;
    std::int64_t free = static_cast<std::int64_t>(st.f_bfree) * unit;
    f["total_bytes"] = total;
    f["available_bytes"] = avail;
    f["used_bytes"] = total - free;
  }
};

}  // namespace

std::vector<MountEntry> parseMounts(std::string_view text) {
  std::vector<MountEntry> out;
  for (std::string_view line : splitLines(text)) {
    std::vector<std::string> fields;
    std::size_t pos = 0;
    while (pos < line.size() && fields.size() < 4) {
      while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
      std::size_t end = line.find_first_of(" \t", pos);
      if (end == std::string_view::npos) end = line.size();
      if (end > pos) fields.push_back(unescapeMount(line.substr(pos, end - pos)));
      pos = end;
    }
    if (fields.size() < 3) continue;
    out.push_back({fields[0], fields[1], fields[2], fields.size() > 3 ? fields[3] : ""});
  }
  return out;
}

bool isDataFilesystem(const MountEntry& m) {
  static const std::vector<std::string> kNetwork = {"nfs",   "nfs4",       "cifs", "smb3",
                                                    "sshfs", "fuse.sshfs", "9p",   "virtiofs"};
  for (const auto& t : kNetwork) {
    if (m.fsType == t) return true;
  }
  if (m.fsType == "squashfs") return false;  // snaps: one per package, not storage
  return startsWith(m.device, "/dev/") && !startsWith(m.device, "/dev/loop");
}

std::string busFromSysfsPath(std::string_view p) {
  auto has = [&](std::string_view s) { return p.find(s) != std::string_view::npos; };
  if (has("/nvme/")) return "nvme";
  if (has("/usb")) return "usb";
  if (has("/virtio")) return "virtio";
  if (has("/mmc_host/") || has("/mmc")) return "mmc";
  if (has("/ata")) return "sata";
  if (has("/host")) return "scsi";
  if (has("/virtual/")) return "virtual";
  return "unknown";
}

std::optional<std::string> serialFromVpd80(std::string_view page) {
  if (page.size() < 4 || static_cast<unsigned char>(page[1]) != 0x80) return std::nullopt;
  std::size_t len =
      (static_cast<unsigned char>(page[2]) << 8) | static_cast<unsigned char>(page[3]);
  std::string serial = trim(page.substr(4, std::min(len, page.size() - 4)));
  for (char c : serial) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F)
      return std::nullopt;
  }
  if (serial.empty()) return std::nullopt;
  return serial;
}

CollectorPtr makeStorageCollector() { return std::make_shared<StorageCollector>(); }

}  // namespace parc::agent::collectors::linux_
