#include "common/json/json.h"

#include <string>

#include "common/error.h"

namespace parc {

Json parseJson(std::string_view text, int maxDepth) {
  auto limitDepth = [maxDepth](int depth, Json::parse_event_t, Json&) {
    if (depth > maxDepth) {
      throw Error(ErrorKind::kBadRequest, "JSON nested deeper than " + std::to_string(maxDepth));
    }
    return true;
  };
  try {
    return Json::parse(text.begin(), text.end(), limitDepth);
  } catch (const Json::exception& e) {
    // parse_error, but also out_of_range for numbers like 1e400.
    throw Error(ErrorKind::kBadRequest, std::string("malformed JSON: ") + e.what());
  }
}

std::string clipUtf8(std::string text, std::size_t maxBytes) {
  if (text.size() <= maxBytes) return text;
  std::size_t cut = maxBytes;  // back to the first byte of the character it would split
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text + "…";
}

}  // namespace parc
