#include <map>

#include "agent/collectors/linux/read.h"
#include "agent/health/samplers/samplers.h"

namespace parc::agent::health::samplers {

namespace lx = collectors::linux_;

namespace {

// The fields of /proc/diskstats we use (Documentation/admin-guide/iostats.rst), after
// "major minor name": 0 reads, 2 sectors read, 3 ms reading, 4 writes, 6 sectors
// written, 7 ms writing, 9 ms doing I/O.
struct DiskCounters {
  std::vector<std::uint64_t> v;
};

bool isVirtual(const std::string& name) {
  for (const char* p : {"loop", "ram", "zram", "sr", "fd", "nbd"}) {
    if (name.rfind(p, 0) == 0) return true;
  }
  return false;
}

class DiskIoSampler : public Sampler {
 public:
  std::string_view name() const override { return "disk_io"; }

  void sample(const HealthContext& c, std::vector<Metric>& out,
              std::vector<std::string>& warnings) override {
    auto text = lx::readFile(c.proc / "diskstats", 1 << 20);
    if (!text.ok()) {
      warnings.push_back("disk_io: cannot read /proc/diskstats: " + text.reason());
      return;
    }
    std::int64_t t = c.now();
    std::map<std::string, std::vector<std::uint64_t>> now;
    for (auto line : lx::splitLines(*text.data)) {
      auto fields = numbersAfter(line, 3);
      std::string nameField;
      {  // the third field is the device name
        std::size_t i = 0, field = 0;
        while (i < line.size() && field < 3) {
          while (i < line.size() && line[i] == ' ') ++i;
          std::size_t start = i;
          while (i < line.size() && line[i] != ' ') ++i;
          if (++field == 3) nameField = std::string(line.substr(start, i - start));
        }
      }
      // Whole disks only: partitions and device-mapper volumes are not in /sys/block
      // under their own name... except dm-*, which are; they double-count their disks.
      if (fields.size() < 10 || isVirtual(nameField) || nameField.rfind("dm-", 0) == 0 ||
          !lx::pathExists(c.sys / "block" / nameField)) {
        continue;
      }
      now[nameField] = std::move(fields);
    }
    double dt = static_cast<double>(t - previousAt_);
    if (previousAt_ > 0 && dt > 0) {
      for (const auto& [disk, v] : now) {
        auto it = previous_.find(disk);
        if (it == previous_.end()) continue;
        const auto& p = it->second;
        auto d = [&](std::size_t i) { return v[i] >= p[i] ? double(v[i] - p[i]) : -1.0; };
        if (d(0) < 0 || d(2) < 0 || d(4) < 0 || d(6) < 0 || d(9) < 0) continue;  // reset
        out.push_back({"disk.read_bps", disk, d(2) * 512 / dt});
        out.push_back({"disk.write_bps", disk, d(6) * 512 / dt});
        double ios = d(0) + d(4);
        if (ios > 0 && d(3) >= 0 && d(7) >= 0) {
          out.push_back({"disk.await_ms", disk, (d(3) + d(7)) / ios});
        }
        out.push_back({"disk.busy_pct", disk, std::min(100.0, d(9) / (dt * 10))});
      }
    }
    previous_ = std::move(now);
    previousAt_ = t;
  }

 private:
  std::map<std::string, std::vector<std::uint64_t>> previous_;
  std::int64_t previousAt_ = 0;
};

}  // namespace

SamplerPtr makeDiskIo() {
  return std::make_unique<DiskIoSampler>();
}

}  // namespace parc::agent::health::samplers
