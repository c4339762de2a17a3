#pragma once
// Percent-encoding of one URI component (RFC 3986): the unreserved characters
// (ALPHA DIGIT - . _ ~) kept, every other byte as %XX in upper case. Used for query
// parameters (parcctl, GLPI's search API) and otpauth:// labels.
#include <string>
#include <string_view>

namespace parc {

std::string percentEncode(std::string_view text);

}  // namespace parc
