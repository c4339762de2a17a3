#include "agent/collectors/linux/read.h"
#include "agent/health/samplers/samplers.h"

namespace parc::agent::health::samplers {

namespace lx = collectors::linux_;

namespace {

// Pending updates from apt's simulation (no lock taken, nothing changed):
//   Inst libssl3 [3.0.11-1~deb12u1] (3.0.11-1~deb12u2 Debian-Security:12/stable-security [amd64])
// Reads the package lists as they are; refreshing them is apt's own timer's job.
class UpdatesSampler : public Sampler {
 public:
  std::string_view name() const override { return "updates"; }
  bool slow() const override { return true; }

  void sample(const HealthContext& c, std::vector<Metric>& out,
              std::vector<std::string>& warnings) override {
    if (!c.run) return;
    auto r = c.run(
        {"/usr/bin/env", "LC_ALL=C", c.aptGet, "-s", "-o", "Debug::NoLocking=true", "upgrade"},
        c.commandTimeout);
    if (!r.error.empty() || r.timedOut || r.exitCode != 0) {
      warnings.push_back("updates: apt-get -s upgrade failed" +
                         (r.error.empty() ? std::string() : ": " + r.error));
      return;
    }
    int pending = 0, security = 0;
    for (auto line : lx::splitLines(r.output)) {
      if (line.rfind("Inst ", 0) != 0) continue;
      ++pending;
      if (line.find("-security") != std::string_view::npos ||
          line.find("Debian-Security") != std::string_view::npos) {
        ++security;
      }
    }
    out.push_back({"updates.pending", "", double(pending)});
    out.push_back({"updates.security", "", double(security)});
  }
};

}  // namespace

SamplerPtr makeUpdates() {
  return std::make_unique<UpdatesSampler>();
}

}  // namespace parc::agent::health::samplers
