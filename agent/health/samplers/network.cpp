#include <map>

#include "agent/collectors/linux/read.h"
#include "agent/health/samplers/samplers.h"

namespace parc::agent::health::samplers {

namespace lx = collectors::linux_;

namespace {

// /proc/net/dev columns after "iface:": 0 rx bytes, 2 rx errs, 3 rx drop, 8 tx bytes,
// 10 tx errs, 11 tx drop.
class NetworkSampler : public Sampler {
 public:
  std::string_view name() const override { return "network"; }

  void sample(const HealthContext& c, std::vector<Metric>& out,
              std::vector<std::string>& warnings) override {
    auto text = lx::readFile(c.proc / "net" / "dev", 1 << 20);
    if (!text.ok()) {
      warnings.push_back("network: cannot read /proc/net/dev: " + text.reason());
      return;
    }
    std::int64_t t = c.now();
    std::map<std::string, std::vector<std::uint64_t>> now;
    for (auto line : lx::splitLines(*text.data)) {
      auto colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string iface = lx::trim(line.substr(0, colon));
      if (iface == "lo") continue;
      auto v = numbersAfter(line.substr(colon + 1), 0);
      if (v.size() >= 12) now[iface] = std::move(v);
    }
    double dt = static_cast<double>(t - previousAt_);
    if (previousAt_ > 0 && dt > 0) {
      for (const auto& [iface, v] : now) {
        auto it = previous_.find(iface);
        if (it == previous_.end()) continue;
        const auto& p = it->second;
        bool reset = false;
        for (std::size_t i : {0, 2, 3, 8, 10, 11}) reset = reset || v[i] < p[i];
        if (reset) continue;  // counters restart when a driver is reloaded
        out.push_back({"net.rx_bps", iface, double(v[0] - p[0]) / dt});
        out.push_back({"net.tx_bps", iface, double(v[8] - p[8]) / dt});
        double errors = double((v[2] - p[2]) + (v[3] - p[3]) + (v[10] - p[10]) + (v[11] - p[11]));
        out.push_back({"net.errors_per_min", iface, errors * 60 / dt});
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

SamplerPtr makeNetwork() {
  return std::make_unique<NetworkSampler>();
}

}  // namespace parc::agent::health::samplers
