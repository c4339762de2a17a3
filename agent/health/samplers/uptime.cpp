#include "agent/collectors/linux/read.h"
#include "agent/health/samplers/samplers.h"
#include "common/files/files.h"

namespace parc::agent::health::samplers {

namespace lx = collectors::linux_;

namespace {

// Uptime, and a reboot counter: the kernel's boot_id changes at every boot, and the
// last one seen is kept in the state directory so that a reboot (which restarts the
// agent too) is still noticed.
class UptimeSampler : public Sampler {
 public:
  std::string_view name() const override { return "uptime"; }

  void sample(const HealthContext& c, std::vector<Metric>& out,
              std::vector<std::string>& warnings) override {
    if (auto text = lx::readAttr(c.proc / "uptime")) {
      if (auto v = lx::parseDouble(text->substr(0, text->find(' ')))) {
        out.push_back({"system.uptime_s", "", *v});
      }
    } else {
      warnings.push_back("uptime: cannot read /proc/uptime");
    }
    auto bootId = lx::readAttr(c.proc / "sys" / "kernel" / "random" / "boot_id");
    if (!bootId) return;
    if (known_.empty() && !c.stateDir.empty()) {
      known_ = lx::trim(files::tryRead(c.stateDir / "boot-id").value_or(""));
    }
    bool rebooted = !known_.empty() && known_ != *bootId;
    if (known_ != *bootId) {
      known_ = *bootId;
      if (!c.stateDir.empty()) {
        try {
          files::writeAtomic(c.stateDir / "boot-id", known_ + "\n", 0644);
        } catch (const std::exception& e) {
          warnings.push_back(std::string("uptime: cannot keep the boot id: ") + e.what());
        }
      }
    }
    out.push_back({"system.rebooted", "", rebooted ? 1.0 : 0.0});
  }

 private:
  std::string known_;
};

}  // namespace

SamplerPtr makeUptime() {
  return std::make_unique<UptimeSampler>();
}

}  // namespace parc::agent::health::samplers
