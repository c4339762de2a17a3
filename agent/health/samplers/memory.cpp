#include <map>

#include "agent/collectors/linux/read.h"
#include "agent/health/samplers/samplers.h"

namespace parc::agent::health::samplers {

namespace lx = collectors::linux_;

namespace {

class MemorySampler : public Sampler {
 public:
  std::string_view name() const override { return "memory"; }

  void sample(const HealthContext& c, std::vector<Metric>& out,
              std::vector<std::string>& warnings) override {
    auto text = lx::readFile(c.proc / "meminfo", 1 << 16);
    if (!text.ok()) {
      warnings.push_back("memory: cannot read /proc/meminfo: " + text.reason());
      return;
    }
    std::map<std::string, double> kb;  // "MemTotal:  16318800 kB"
    for (auto line : lx::splitLines(*text.data)) {
      auto colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      auto v = numbersAfter(line.substr(colon + 1), 0);
      if (!v.empty()) kb[std::string(line.substr(0, colon))] = static_cast<double>(v[0]);
    }
    auto total = kb.find("MemTotal");
    auto available = kb.find("MemAvailable");
    if (total == kb.end() || available == kb.end() || total->second <= 0) {
      warnings.push_back("memory: /proc/meminfo lacks MemTotal or MemAvailable");
    } else {
      out.push_back({"mem.used_pct", "", 100.0 * (1 - available->second / total->second)});
      out.push_back({"mem.available_bytes", "", available->second * 1024});
    }
    auto swapTotal = kb.find("SwapTotal");
    auto swapFree = kb.find("SwapFree");
    if (swapTotal != kb.end() && swapFree != kb.end() && swapTotal->second > 0) {
      out.push_back({"swap.used_pct", "", 100.0 * (1 - swapFree->second / swapTotal->second)});
    }
  }
};

}  // namespace

SamplerPtr makeMemory() {
  return std::make_unique<MemorySampler>();
}

}  // namespace parc::agent::health::samplers
