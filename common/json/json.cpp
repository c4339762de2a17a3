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
  } catch (const Json::parse_error& e) {
    throw Error(ErrorKind::kBadRequest, std::string("malformed JSON: ") + e.what());
  }
}

}  // namespace parc
