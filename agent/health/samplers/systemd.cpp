#include "agent/health/samplers/samplers.h"

namespace parc::agent::health::samplers {

namespace {

// Failed units from `systemctl list-units --failed --output=json` (systemd ≥ 246):
// [{"unit":"cups.service","load":"loaded","active":"failed","sub":"failed",...}].
class SystemdSampler : public Sampler {
 public:
  std::string_view name() const override { return "systemd"; }

  void sample(const HealthContext& c, std::vector<Metric>& out,
              std::vector<std::string>& warnings) override {
    if (!c.run) return;
    auto r = c.run(
        {c.systemctl, "list-units", "--failed", "--all", "--output=json", "--no-pager", "--plain"},
        c.commandTimeout);
    if (!r.error.empty() || r.timedOut || r.exitCode != 0) {
      // No systemd as PID 1 (containers) or no systemctl: nothing to say, once a run.
      warnings.push_back("systemd: systemctl list-units failed" +
                         (r.error.empty() ? std::string() : ": " + r.error));
      return;
    }
    Json units;
    try {
      units = parseJson(r.output);
    } catch (const std::exception& e) {
      warnings.push_back(std::string("systemd: systemctl output is not JSON: ") + e.what());
      return;
    }
    if (!units.is_array()) return;
    int failed = 0;
    for (const Json& u : units) {
      if (!u.is_object() || !u.contains("unit") || !u["unit"].is_string()) continue;
      if (u.value("active", "") != "failed") continue;
      ++failed;
      out.push_back({"systemd.unit_failed", u["unit"].get<std::string>(), 1});
    }
    out.push_back({"systemd.failed_units", "", double(failed)});
  }
};

}  // namespace

SamplerPtr makeSystemd() {
  return std::make_unique<SystemdSampler>();
}

}  // namespace parc::agent::health::samplers
