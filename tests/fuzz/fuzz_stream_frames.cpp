// libFuzzer target: the remote-support stream frames an agent or the server receives over
// the control channel (common/protocol/stream.h): binary data frames and the JSON stream
// messages. A refusal is parc::Error; a crash, a sanitizer report or another exception is
// a finding. A decoded data frame must encode back to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/error.h"
#include "common/json/json.h"
#include "common/protocol/stream.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  using namespace parc::protocol;
  try {
    StreamData d = decodeStreamData(bytes);
    if (encodeStreamData(d.id, d.bytes) != bytes) std::abort();
  } catch (const parc::Error&) {
  }
  parc::Json j;
  try {
    j = parc::parseJson(bytes);
  } catch (const parc::Error&) {
    return 0;
  }
  auto attempt = [&](auto parse) {
    try {
      (void)toJson(parse(j));
    } catch (const parc::Error&) {
    }
  };
  attempt(streamOpenFromJson);
  attempt(streamOpenedFromJson);
  attempt(streamCreditFromJson);
  attempt(streamControlFromJson);
  attempt(streamCloseFromJson);
  return 0;
}
