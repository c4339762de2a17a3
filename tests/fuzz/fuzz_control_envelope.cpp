// libFuzzer target: the control channel's envelope (common/protocol/control.h), the
// JSON text frames an agent sends the server over its WebSocket (and the server's
// commands the agent reads): controlType, then every message parser, as
// ControlHub::received does. A refusal is parc::Error; a crash, a sanitizer report or
// another exception is a finding. A parsed message must survive its own round trip.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/error.h"
#include "common/json/json.h"
#include "common/protocol/control.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace parc::protocol;

// toJson then the parser again: the same message (what is sent can be read back).
template <typename Parse>
void roundTrip(const parc::Json& j, Parse parse) {
  try {
    auto once = parse(j);
    parc::Json text = toJson(once);
    parc::fuzz::serialise(text);
    if (toJson(parse(text)) != text) std::abort();
  } catch (const parc::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  parc::Json j;
  try {
    j = parc::parseJson(bytes);
    (void)controlType(j);
  } catch (const parc::Error&) {
    return 0;
  }
  roundTrip(j, commandFromJson);
  roundTrip(j, replyFromJson);
  roundTrip(j, helloFromJson);
  roundTrip(j, [](const parc::Json& m) { return reportFromJson(m); });
  roundTrip(j, reportAckFromJson);
  try {
    parc::Json moved = j;
    (void)reportFromJson(std::move(moved));
    // The server answers a refused report with its id: it must still be there.
    if (j.contains("id") && !moved.contains("id")) std::abort();
  } catch (const parc::Error&) {
  }
  return 0;
}
