#include <map>

#include "agent/collectors/linux/read.h"
#include "agent/health/samplers/samplers.h"

namespace parc::agent::health::samplers {

namespace lx = collectors::linux_;

std::vector<std::uint64_t> numbersAfter(std::string_view line, std::size_t skip) {
  std::vector<std::uint64_t> out;
  std::size_t field = 0, i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (start == i) break;
    if (field++ < skip) continue;
    auto v = lx::parseInt(line.substr(start, i - start));
    out.push_back(v && *v >= 0 ? static_cast<std::uint64_t>(*v) : 0);
  }
  return out;
}

namespace {

// Jiffies of one "cpu" line of /proc/stat (proc(5)): user nice system idle iowait irq
// softirq steal; guest time is already counted in user.
struct CpuTimes {
  std::uint64_t total = 0, idle = 0, iowait = 0;
};

class CpuSampler : public Sampler {
 public:
  std::string_view name() const override { return "cpu"; }

  void sample(const HealthContext& c, std::vector<Metric>& out,
              std::vector<std::string>& warnings) override {
    auto stat = lx::readFile(c.proc / "stat", 1 << 20);
    if (!stat.ok()) {
      warnings.push_back("cpu: cannot read /proc/stat: " + stat.reason());
      return;
    }
    std::map<std::string, CpuTimes> now;
    for (auto line : lx::splitLines(*stat.data)) {
      if (line.substr(0, 3) != "cpu") continue;
      auto name = std::string(line.substr(0, line.find(' ')));
      auto v = numbersAfter(line, 1);
      if (v.size() < 4) continue;
      CpuTimes t;
      for (std::size_t i = 0; i < v.size() && i < 8; ++i) t.total += v[i];
      t.idle = v[3];
      t.iowait = v.size() > 4 ? v[4] : 0;
      now[name] = t;
    }
    for (const auto& [cpu, t] : now) {
      auto prev = previous_.find(cpu);
      if (prev == previous_.end() || t.total <= prev->second.total) continue;
      double span = static_cast<double>(t.total - prev->second.total);
      // Counters can step back on CPU hot-plug: clamp rather than report nonsense.
      double idle = t.idle >= prev->second.idle ? double(t.idle - prev->second.idle) : 0;
      double iowait = t.iowait >= prev->second.iowait ? double(t.iowait - prev->second.iowait) : 0;
      double busy = std::max(0.0, 100.0 * (span - idle - iowait) / span);
      if (cpu == "cpu") {
        out.push_back({"cpu.usage_pct", "", busy});
        out.push_back({"cpu.iowait_pct", "", 100.0 * iowait / span});
      } else {
        out.push_back({"cpu.usage_pct", cpu, busy});
      }
    }
    previous_ = std::move(now);
  }

 private:
  std::map<std::string, CpuTimes> previous_;
};

}  // namespace

SamplerPtr makeCpu() {
  return std::make_unique<CpuSampler>();
}

}  // namespace parc::agent::health::samplers
