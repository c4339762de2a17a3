#pragma once
// zstd for request bodies and stored blobs, with a hard bound on what decompression
// may produce (a small body must not expand into gigabytes).
#include <cstddef>
#include <string>
#include <string_view>

namespace parc::compress {

std::string zstdCompress(std::string_view data, int level = 3);

/// Throws parc::Error kBadRequest on corrupt or truncated input, kTooLarge past maxOutput.
std::string zstdDecompress(std::string_view data, std::size_t maxOutput);

}  // namespace parc::compress
