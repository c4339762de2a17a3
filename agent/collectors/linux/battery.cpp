#include "agent/collectors/linux/battery.h"

#include <cmath>

#include "agent/collectors/linux/read.h"

namespace parc::agent::collectors::linux_ {

namespace fs = std::filesystem;

namespace {

// sysfs reports energy in µWh and charge in µAh (Documentation/ABI/testing/sysfs-class-power).
constexpr double kMicro = 1e-6;

double round2(double v) { return std::round(v * 100) / 100; }

class BatteryCollector final : public Collector {
 public:
  std::string_view name() const override { return "batteries"; }

  Json collect(const CollectContext& context,
               std::vector<std::string>& /*warnings*/) const override {
    fs::path dir = context.roots.sys / "class/power_supply";
    Json list = Json::array();
    for (const std::string& name : listDir(dir)) {
      fs::path b = dir / name;
      if (readAttr(b / "type") != "Battery") continue;
      // Device batteries (a wireless mouse's) have scope "Device"; the laptop's has none.
      if (readAttr(b / "scope") == "Device") continue;
      list.push_back(battery(b, name));
    }
    return list;
  }

 private:
  static Json battery(const fs::path& b, const std::string& name) {
    Json j = Json::object();
    j["name"] = name;
    setIf(j, "manufacturer", readAttr(b / "manufacturer"));
    setIf(j, "model", readAttr(b / "model_name"));
    if (auto s = readAttr(b / "serial_number"); s && !s->empty() && *s != "0") j["serial"] = *s;
    setIf(j, "technology", readAttr(b / "technology"));
    setIf(j, "status", readAttr(b / "status"));
    setIf(j, "capacity_percent", readIntAttr(b / "capacity"));
    if (auto c = readIntAttr(b / "cycle_count"); c && *c > 0) j["cycle_count"] = *c;
    auto designV = readIntAttr(b / "voltage_min_design");
    if (designV && *designV > 0) j["voltage_design_v"] = round2(*designV * kMicro);
    // Prefer energy (µWh); batteries that report charge (µAh) are converted with the
    // design voltage, as upower does.
    std::optional<double> design, full, now;
    if (auto e = readIntAttr(b / "energy_full_design")) design = *e * kMicro;
    if (auto e = readIntAttr(b / "energy_full")) full = *e * kMicro;
    if (auto e = readIntAttr(b / "energy_now")) now = *e * kMicro;
    if (!design && designV && *designV > 0) {
      double volts = *designV * kMicro;
      if (auto c = readIntAttr(b / "charge_full_design")) design = *c * kMicro * volts;
      if (auto c = readIntAttr(b / "charge_full")) full = *c * kMicro * volts;
      if (auto c = readIntAttr(b / "charge_now")) now = *c * kMicro * volts;
    }
    if (design) j["design_capacity_wh"] = round2(*design);
    if (full) j["full_capacity_wh"] = round2(*full);
    if (now) j["remaining_wh"] = round2(*now);
    if (design && full && *design > 0)
      j["health_percent"] = std::round(*full / *design * 1000) / 10;
    return j;
  }
};

}  // namespace

CollectorPtr makeBatteryCollector() { return std::make_shared<BatteryCollector>(); }

}  // namespace parc::agent::collectors::linux_
