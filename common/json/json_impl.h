#pragma once
#include <string>

#include "common/error.h"

namespace parc {

template <typename T>
T fromJson(const Json& j, std::string_view what) {
  try {
    return j.get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::kBadRequest, "invalid " + std::string(what) + ": " + e.what());
  }
}

}  // namespace parc
