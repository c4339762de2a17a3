#pragma once
// zlib (RFC 1950) for GLPI's compressed inventory protocol: GLPI accepts a body of
// Content-Type application/x-compress-zlib and answers in the same encoding.
#include <cstddef>
#include <string>
#include <string_view>

namespace parc::server::forward {

/// zlib-wrapped deflate of `data` (what PHP's gzcompress produces and gzuncompress reads).
std::string zlibCompress(std::string_view data, int level = 6);

/// Inflates a zlib or gzip stream (detected from its header). Throws parc::Error
/// kBadRequest when the data is corrupt or truncated, kTooLarge past `maxOutput` bytes.
std::string zlibInflate(std::string_view data, std::size_t maxOutput);

}  // namespace parc::server::forward
