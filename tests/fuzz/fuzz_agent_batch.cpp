// libFuzzer target: the checks of an agent's outbox batch (server/api/batch_checks.h),
// the body of POST /api/v1/messages and of the control channel's "report", as a
// hostile PC can send it: shape, version, size, and each message (inventory summaries,
// delta fields, clone flag, canonical payloads). A refusal is parc::Error; anything
// else is a finding, and so is a result list that does not answer every message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/error.h"
#include "common/json/json.h"
#include "server/api/batch_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  parc::Json body;
  try {
    body = parc::parseJson(bytes);
  } catch (const parc::Error&) {
    return 0;
  }
  using namespace parc::server::api;
  try {
    CheckedBatch checked = checkBatch(body, 7, 1'800'000'000);
    const auto& messages = body.at("messages");
    if (checked.results.size() != messages.size()) std::abort();
    if (checked.metrics.size() != checked.valid.size()) std::abort();
    if (checked.validIndex.size() > checked.valid.size()) std::abort();
    for (std::size_t i = 0; i < checked.validIndex.size(); ++i) {
      const auto& m = checked.valid[i];
      if (m.id.empty() || m.id.size() > 64) std::abort();
      if (checked.results[checked.validIndex[i]]["status"] != "stored") std::abort();
      if (m.inventory && m.inventory->document.empty()) std::abort();
    }
  } catch (const parc::Error&) {
  }
  // Each message alone, as if it were the batch's only one.
  if (body.is_object() && body.contains("messages") && body["messages"].is_array()) {
    for (const auto& m : body["messages"]) {
      try {
        (void)checkMessage(m, 7, 1'800'000'000);
      } catch (const parc::Error&) {
      }
    }
  }
  return 0;
}
