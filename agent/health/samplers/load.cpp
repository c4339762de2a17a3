#include "agent/collectors/linux/read.h"
#include "agent/health/samplers/samplers.h"

namespace parc::agent::health::samplers {

namespace lx = collectors::linux_;

namespace {

class LoadSampler : public Sampler {
 public:
  std::string_view name() const override { return "load"; }

  void sample(const HealthContext& c, std::vector<Metric>& out,
              std::vector<std::string>& warnings) override {
    auto text = lx::readAttr(c.proc / "loadavg");
    if (!text) {
      warnings.push_back("load: cannot read /proc/loadavg");
      return;
    }
    // "0.45 1.32 1.75 2/345 6789"
    const char* names[] = {"load.1", "load.5", "load.15"};
    std::size_t pos = 0;
    for (const char* n : names) {
      std::size_t end = text->find(' ', pos);
      auto v = lx::parseDouble(std::string_view(*text).substr(pos, end - pos));
      if (!v) {
        warnings.push_back("load: unexpected /proc/loadavg: " + *text);
        return;
      }
      out.push_back({n, "", *v});
      if (end == std::string::npos) return;
      pos = end + 1;
    }
  }
};

}  // namespace

SamplerPtr makeLoad() {
  return std::make_unique<LoadSampler>();
}

}  // namespace parc::agent::health::samplers
