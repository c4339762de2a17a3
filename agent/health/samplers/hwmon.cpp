#include "agent/collectors/linux/read.h"
#include "agent/health/samplers/samplers.h"

namespace parc::agent::health::samplers {

namespace lx = collectors::linux_;

namespace {

// /sys/class/hwmon/hwmonN (Documentation/hwmon/sysfs-interface.rst): tempK_input in
// millidegrees Celsius with an optional tempK_label, fanK_input in RPM.
class HwmonSampler : public Sampler {
 public:
  std::string_view name() const override { return "hwmon"; }

  void sample(const HealthContext& c, std::vector<Metric>& out,
              std::vector<std::string>&) override {
    auto root = c.sys / "class" / "hwmon";
    for (const auto& entry : lx::listDir(root)) {
      auto dir = root / entry;
      // Older drivers keep their attributes one level down, in device/.
      if (!lx::pathExists(dir / "name") && lx::pathExists(dir / "device" / "name")) {
        dir = dir / "device";
      }
      std::string chip = lx::readAttr(dir / "name").value_or(entry);
      for (const auto& file : lx::listDir(dir)) {
        bool temp = file.rfind("temp", 0) == 0, fan = file.rfind("fan", 0) == 0;
        auto suffix = file.find("_input");
        if ((!temp && !fan) || suffix == std::string::npos || suffix + 6 != file.size()) continue;
        auto value = lx::readIntAttr(dir / file);
        if (!value) continue;  // a sensor that is not wired reads as an I/O error
        std::string sensor = file.substr(0, suffix);
        std::string label = lx::readAttr(dir / (sensor + "_label")).value_or(sensor);
        if (temp) {
          out.push_back({"temp.celsius", chip + "/" + label, double(*value) / 1000.0});
        } else {
          out.push_back({"fan.rpm", chip + "/" + label, double(*value)});
        }
      }
    }
  }
};

}  // namespace

SamplerPtr makeHwmon() {
  return std::make_unique<HwmonSampler>();
}

}  // namespace parc::agent::health::samplers
