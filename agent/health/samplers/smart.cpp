#include "agent/collectors/linux/smart.h"

#include "agent/collectors/linux/read.h"
#include "agent/health/samplers/samplers.h"

namespace parc::agent::health::samplers {

namespace lx = collectors::linux_;

namespace {

// smartctl(8) exit bits: 0 = bad command line, 1 = open failed or in standby with -n.
constexpr int kExitCommandLine = 1 << 0;
constexpr int kExitOpenFailed = 1 << 1;

bool isPhysical(const HealthContext& c, const std::string& name) {
  for (const char* p : {"loop", "ram", "zram", "sr", "fd", "nbd", "dm-", "md"}) {
    if (name.rfind(p, 0) == 0) return false;
  }
  return lx::pathExists(c.sys / "block" / name / "device");
}

// SMART health at the slow interval. `-n standby` makes smartctl give up on a disk that
// is spun down instead of waking it: a laptop's disk is left asleep, and reported at
// the next slow run when it is awake anyway.
class SmartSampler : public Sampler {
 public:
  std::string_view name() const override { return "smart"; }
  bool slow() const override { return true; }

  void sample(const HealthContext& c, std::vector<Metric>& out,
              std::vector<std::string>& warnings) override {
    if (!c.run) return;
    for (const auto& disk : lx::listDir(c.sys / "block")) {
      if (!isPhysical(c, disk)) continue;
      auto r = c.run({c.smartctl, "--json", "-n", "standby", "-H", "-A", "/dev/" + disk},
                     c.commandTimeout);
      if (!r.error.empty() || r.timedOut) {
        warnings.push_back("smart: smartctl on /dev/" + disk + " did not answer" +
                           (r.error.empty() ? std::string() : ": " + r.error));
        continue;
      }
      if (r.exitCode >= 0 && (r.exitCode & kExitCommandLine)) {
        warnings.push_back("smart: smartctl rejected its command line for /dev/" + disk);
        continue;
      }
      std::vector<std::string> problems;
      auto s = lx::parseSmartctlJson(r.output, problems);
      if (!s) continue;
      if (r.exitCode >= 0 && (r.exitCode & kExitOpenFailed) && !s->contains("health_passed")) {
        continue;  // asleep (left so) or not a SMART device
      }
      auto num = [&](const char* key, const char* metric) {
        if (auto it = s->find(key); it != s->end() && it->is_number()) {
          out.push_back({metric, disk, it->get<double>()});
        }
      };
      if (auto it = s->find("health_passed"); it != s->end() && it->is_boolean()) {
        out.push_back({"smart.healthy", disk, it->get<bool>() ? 1.0 : 0.0});
      }
      num("reallocated_sectors", "smart.reallocated_sectors");
      num("pending_sectors", "smart.pending_sectors");
      num("temperature_celsius", "smart.temperature_celsius");
      num("percentage_used", "smart.percentage_used");
      num("media_errors", "smart.media_errors");
      num("critical_warning", "smart.critical_warning");
    }
  }
};

}  // namespace

SamplerPtr makeSmart() {
  return std::make_unique<SmartSampler>();
}

}  // namespace parc::agent::health::samplers
