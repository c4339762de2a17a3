#include "agent/collectors/linux/read.h"
#include "agent/health/samplers/samplers.h"

namespace parc::agent::health::samplers {

namespace lx = collectors::linux_;

namespace {

// /sys/class/power_supply/<name> of type Battery, except devices' own batteries (a
// wireless mouse reports scope "Device"): charge, wear and cycle count.
class BatterySampler : public Sampler {
 public:
  std::string_view name() const override { return "battery"; }

  void sample(const HealthContext& c, std::vector<Metric>& out,
              std::vector<std::string>&) override {
    auto root = c.sys / "class" / "power_supply";
    for (const auto& name : lx::listDir(root)) {
      auto dir = root / name;
      if (lx::readAttr(dir / "type").value_or("") != "Battery") continue;
      if (lx::readAttr(dir / "scope").value_or("") == "Device") continue;
      if (auto v = lx::readIntAttr(dir / "capacity")) {
        out.push_back({"battery.charge_pct", name, double(*v)});
      }
      // Drivers report energy (µWh) or charge (µAh); either ratio gives the wear.
      for (const char* kind : {"energy", "charge"}) {
        auto full = lx::readIntAttr(dir / (std::string(kind) + "_full"));
        auto design = lx::readIntAttr(dir / (std::string(kind) + "_full_design"));
        if (full && design && *design > 0) {
          out.push_back({"battery.health_pct", name, 100.0 * double(*full) / double(*design)});
          break;
        }
      }
      if (auto v = lx::readIntAttr(dir / "cycle_count"); v && *v > 0) {
        out.push_back({"battery.cycles", name, double(*v)});
      }
    }
  }
};

}  // namespace

SamplerPtr makeBattery() {
  return std::make_unique<BatterySampler>();
}

}  // namespace parc::agent::health::samplers
