#pragma once
// JSON parsing of untrusted input: depth-bounded, and every failure a parc::Error.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace parc {

using Json = nlohmann::json;

/// Parses a document; throws parc::Error kBadRequest when it is malformed or holds more
/// than maxDepth arrays and objects inside one another (deep nesting is a
/// stack-exhaustion attack on recursive code).
Json parseJson(std::string_view text, int maxDepth = 64);

/// `text` cut to at most `maxBytes` on a character boundary, with "…" when cut: a
/// bounded text that stays valid UTF-8 inside a JSON document.
std::string clipUtf8(std::string text, std::size_t maxBytes);

/// Runs `read` (which typically calls get<T>()) and turns type errors into kBadRequest.
template <typename T>
T fromJson(const Json& j, std::string_view what);

}  // namespace parc

#include "common/json/json_impl.h"
