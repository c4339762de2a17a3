// libFuzzer target: an agent's metrics batch (docs/health.md), untrusted JSON that the
// server parses before storing time series. A refusal is parc::Error; anything else,
// or a sample with a non-finite value, is a finding.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/error.h"
#include "common/json/json.h"
#include "server/health/metrics_store.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    parc::Json payload = parc::parseJson(text);
    auto batch = parc::server::health::parseMetricsPayload(payload, 1'800'000'000);
    for (const auto& s : batch.samples) {
      if (!std::isfinite(s.value)) std::abort();
    }
  } catch (const parc::Error&) {
  }
  return 0;
}
