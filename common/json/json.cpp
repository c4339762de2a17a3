#include "common/json/json.h"

#include <string>

#include "common/error.h"

namespace parc {

namespace {

// The deepest nesting of arrays and objects in `text`, counted before parsing: nlohmann's
// parser with a callback (which could count as it goes) parses a report a third slower
// than without one (docs/benchmarks.md). Brackets inside strings do not count; on
// malformed text the count may be anything, and the parser then says what is wrong.
bool nestedDeeperThan(std::string_view text, int maxDepth) {
  int depth = 0;
  bool inString = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;  // the escaped character, a quote perhaps, is part of the string
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > maxDepth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace

Json parseJson(std::string_view text, int maxDepth) {
  if (nestedDeeperThan(text, maxDepth))
    throw Error(ErrorKind::kBadRequest, "JSON nested deeper than " + std::to_string(maxDepth));
  try {
    return Json::parse(text.begin(), text.end());
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
