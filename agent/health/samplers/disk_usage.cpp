#include <set>

#include "agent/collectors/linux/read.h"
#include "agent/health/samplers/samplers.h"

namespace parc::agent::health::samplers {

namespace lx = collectors::linux_;

namespace {

// Not disks (kernel pseudo file systems), always full by design (squashfs of snaps,
// CD-ROMs), or network shares: statvfs on a dead NFS or CIFS server can block for
// minutes, and the share is the file server's own business.
const std::set<std::string> kSkipped = {
    "proc",        "sysfs",      "devtmpfs",    "devpts",    "tmpfs",
    "cgroup",      "cgroup2",    "pstore",      "bpf",       "tracefs",
    "debugfs",     "securityfs", "mqueue",      "hugetlbfs", "configfs",
    "fusectl",     "autofs",     "binfmt_misc", "efivarfs",  "squashfs",
    "nsfs",        "ramfs",      "rpc_pipefs",  "iso9660",   "udf",
    "overlay",     "nfs",        "nfs4",        "cifs",      "smb3",
    "smbfs",       "sshfs",      "fuse.sshfs",  "davfs",     "fuse.gvfsd-fuse",
    "fuse.portal", "fuse.lxcfs", "selinuxfs",   "devfs"};

// /proc/mounts escapes blanks and backslashes as \040, \011, \012, \134.
std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      int v = 0;
      bool ok = true;
      for (std::size_t k = 1; k <= 3; ++k) {
        char d = s[i + k];
        if (d < '0' || d > '7') ok = false;
        v = v * 8 + (d - '0');
      }
      if (ok) {
        out.push_back(static_cast<char>(v));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

class DiskUsageSampler : public Sampler {
 public:
  std::string_view name() const override { return "disk_usage"; }

  void sample(const HealthContext& c, std::vector<Metric>& out,
              std::vector<std::string>& warnings) override {
    auto mounts = lx::readFile(c.proc / "self" / "mounts", 1 << 20);
    if (!mounts.ok()) {
      warnings.push_back("disk_usage: cannot read /proc/self/mounts: " + mounts.reason());
      return;
    }
    if (!c.statfs) return;
    std::set<std::string> seenDevices;
    for (auto line : lx::splitLines(*mounts.data)) {
      // "/dev/sda1 / ext4 rw,relatime 0 0"
      std::vector<std::string> f;
      std::size_t pos = 0;
      while (f.size() < 3 && pos < line.size()) {
        std::size_t end = line.find(' ', pos);
        if (end == std::string_view::npos) end = line.size();
        f.push_back(unescape(line.substr(pos, end - pos)));
        pos = end + 1;
      }
      if (f.size() < 3 || kSkipped.count(f[2]) || f[0].rfind("/dev/loop", 0) == 0) continue;
      // A device mounted twice (bind mounts, btrfs subvolumes) is counted once.
      if (!seenDevices.insert(f[0]).second) continue;
      auto space = c.statfs(f[1]);
      if (!space) {
        warnings.push_back("disk_usage: cannot statvfs " + f[1]);
        continue;
      }
      if (space->totalBytes == 0) continue;
      // As df(1) does: used / (used + available to users), so the root reserve counts
      // as full: that is when unprivileged programs start failing.
      double used = double(space->totalBytes - std::min(space->totalBytes, space->freeBytes));
      double denom = used + double(space->availableBytes);
      out.push_back({"disk.used_pct", f[1], denom > 0 ? 100.0 * used / denom : 0});
      out.push_back({"disk.free_bytes", f[1], double(space->availableBytes)});
      out.push_back({"disk.size_bytes", f[1], double(space->totalBytes)});
      if (space->totalInodes > 0) {
        out.push_back(
            {"disk.inodes_used_pct", f[1],
             100.0 * double(space->totalInodes - space->freeInodes) / double(space->totalInodes)});
      }
    }
  }
};

}  // namespace

SamplerPtr makeDiskUsage() {
  return std::make_unique<DiskUsageSampler>();
}

}  // namespace parc::agent::health::samplers
