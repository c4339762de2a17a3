// libFuzzer target: an agent's request body as the server reads it (docs/security.md,
// "Fuzzing"): bounded JSON parsing, then the protocol structs, then the canonical
// text the server hashes. parc::Error is the expected refusal; anything else crashes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/error.h"
#include "common/json/json.h"
#include "common/protocol/messages.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

template <typename T>
void tryAs(const parc::Json& j, std::string_view what) {
  try {
    T message = parc::fromJson<T>(j, what);
    parc::fuzz::serialise(parc::Json(message));
  } catch (const parc::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    parc::Json j = parc::parseJson(text);
    parc::fuzz::serialise(j);
    tryAs<parc::protocol::InventoryReport>(j, "inventory report");
    tryAs<parc::protocol::EnrollRequest>(j, "enrolment request");
  } catch (const parc::Error&) {
  } catch (const parc::Json::out_of_range& e) {
    // Known finding: parseJson lets nlohmann's number overflow ("1e400") escape.
    if (e.id != 406 || !parc::fuzz::allowKnownFindings()) throw;
  }
  return 0;
}
