#include "agent/health/samplers/samplers.h"

namespace parc::agent::health::samplers {

namespace {

// The kernel's clock discipline (adjtimex(2)): an NTP daemon (systemd-timesyncd,
// chrony, ntpd) clears STA_UNSYNC once it steers the clock. A town hall PC with a wrong
// clock breaks Kerberos, TLS and the dates on official documents.
class TimeSyncSampler : public Sampler {
 public:
  std::string_view name() const override { return "time_sync"; }

  void sample(const HealthContext& c, std::vector<Metric>& out,
              std::vector<std::string>& warnings) override {
    if (!c.clock) return;
    auto s = c.clock();
    if (!s) {
      warnings.push_back("time_sync: adjtimex failed");
      return;
    }
    out.push_back({"time.synced", "", s->synchronised ? 1.0 : 0.0});
    out.push_back({"time.max_error_ms", "", double(s->maxErrorMicros) / 1000.0});
  }
};

}  // namespace

SamplerPtr makeTimeSync() {
  return std::make_unique<TimeSyncSampler>();
}

}  // namespace parc::agent::health::samplers
