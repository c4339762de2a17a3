#include "common/compress/zstd.h"

#include <gtest/gtest.h>

#include "common/crypto/hash.h"
#include "common/error.h"

namespace parc::compress {
namespace {

TEST(Zstd, RoundTripsTextAndRandomData) {
  std::string text(100000, 'a');
  EXPECT_EQ(zstdDecompress(zstdCompress(text), 1 << 20), text);
  auto random = crypto::randomBytes(300000);
  std::string bin(random.begin(), random.end());
  EXPECT_EQ(zstdDecompress(zstdCompress(bin), 1 << 20), bin);
  EXPECT_EQ(zstdDecompress(zstdCompress(""), 10), "");
}

TEST(Zstd, TruncatedInputIsRefused) {
  auto bytes = crypto::randomBytes(50000);
  std::string packed = zstdCompress(std::string(bytes.begin(), bytes.end()));
  try {
    zstdDecompress(packed.substr(0, packed.size() / 2), 1 << 20);
    FAIL() << "truncated data accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadRequest);
  }
}

TEST(Zstd, GarbageIsRefused) {
  EXPECT_THROW(zstdDecompress("definitely not zstd", 1000), Error);
  EXPECT_THROW(zstdDecompress("", 1000), Error);
}

TEST(Zstd, DecompressionBombStopsAtTheLimit) {
  std::string zeros(64 * 1024 * 1024, '\0');
  std::string packed = zstdCompress(zeros);
  EXPECT_LT(packed.size(), 10000u);
  try {
    zstdDecompress(packed, 1024 * 1024);
    FAIL() << "bomb accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kTooLarge);
  }
}

}  // namespace
}  // namespace parc::compress
