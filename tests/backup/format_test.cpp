// Known-answer tests for the backup's crypto and chunker, and the formats' refusals.
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <numeric>
#include <set>

#include "common/backup/chunker.h"
#include "common/backup/crypto.h"
#include "common/backup/manifest.h"
#include "common/backup/pack.h"
#include "common/error.h"
#include "tests/backup/test_util.h"

namespace parc::backup {
namespace {

using testing::pseudoRandom;
using testing::testMaster;

std::string unhex(std::string_view h) {
  std::string out;
  for (std::size_t i = 0; i < h.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  }
  return out;
}
std::string hex(std::string_view s) {
  static constexpr char d[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}
Key keyOf(std::string_view raw) {
  Key k{};
  std::copy(raw.begin(), raw.end(), k.begin());
  return k;
}

TEST(BackupCrypto, HkdfRfc5869Case1) {
  auto okm = hkdfSha256(std::string(22, '\x0b'), unhex("000102030405060708090a0b0c"),
                        unhex("f0f1f2f3f4f5f6f7f8f9"), 42);
  EXPECT_EQ(hex(okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(BackupCrypto, HmacSha256Rfc4231Case2) {
  // HMAC pads short keys with zeros, so "Jefe" and "Jefe" + 28 zero bytes are one key.
  auto mac = hmacSha256(keyOf("Jefe"), "what do ya want for nothing?");
  EXPECT_EQ(toHex(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(BackupCrypto, AesGcmNistVector) {
  auto key = keyOf(unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"));
  auto iv = unhex("cafebabefacedbaddecaf888");
  auto aad = unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  auto pt = unhex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e24"
      "49a6b525b16aedf5aa0de657ba637b39");
  auto sealed = aesGcmSeal(key, iv, aad, pt);
  EXPECT_EQ(hex(sealed),
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b"
            "1056828838c5f61e6393ba7a0abcc9f66276fc6ece0f4e1768cddf8853bb2d551b");
  EXPECT_EQ(aesGcmOpen(key, iv, aad, sealed), pt);
  sealed[5] ^= 1;
  EXPECT_FALSE(aesGcmOpen(key, iv, aad, sealed).has_value());
}

TEST(BackupCrypto, DerivedKeysAreFixedAndDistinct) {
  auto k = TenantKeys::derive(testMaster());
  EXPECT_EQ(k.keyCheck(), TenantKeys::derive(testMaster()).keyCheck());
  EXPECT_NE(k.id, k.enc);
  EXPECT_NE(k.id, k.chunker);
  EXPECT_NE(k.enc, k.meta);
  EXPECT_NE(k.keyCheck(), TenantKeys::generate().keyCheck());
}

TEST(BackupCrypto, KeyFileRoundTripAndRefusals) {
  auto text = encodeKeyFile(testMaster());
  EXPECT_EQ(decodeKeyFile(text), testMaster());
  EXPECT_THROW(decodeKeyFile("hello"), Error);
  EXPECT_THROW(decodeKeyFile("parc-backup-key v1\nzz\n"), Error);
}

TEST(BackupCrypto, RecoveryWrapOpensOnlyWithItsKey) {
  auto pair = generateRecoveryKey();
  auto other = generateRecoveryKey();
  auto wrapped = wrapForRecovery(testMaster(), pair.publicPem);
  EXPECT_EQ(unwrapWithRecovery(wrapped, pair.privatePem), testMaster());
  try {
    unwrapWithRecovery(wrapped, other.privatePem);
    FAIL() << "a foreign recovery key opened the wrap";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnauthorized);
  }
  EXPECT_THROW(wrapForRecovery(testMaster(), "not a key"), Error);
}

// Golden cut points on a fixed input and key: any change to the chunker (table
// derivation, window, mask) changes them and would break deduplication with every
// existing repository.
TEST(BackupChunker, GoldenBoundaries) {
  Chunker chunker(TenantKeys::derive(testMaster()).chunker);
  auto data = pseudoRandom(24 << 20, 42);
  std::vector<std::size_t> cuts;
  for (std::size_t pos = 0; pos < data.size();) {
    pos += chunker.cut(reinterpret_cast<const std::uint8_t*>(data.data()) + pos, data.size() - pos);
    cuts.push_back(pos);
  }
  const std::vector<std::size_t> golden = {
      747159,   2874411,  3545530,  4598049,  5199981,  5845304,  7216775,  8063306,  8689963,
      9586650,  10301582, 11032819, 12256736, 13043933, 13961094, 16012634, 16740977, 18142604,
      18743054, 19435193, 20126009, 21303247, 22331032, 23379942, 24771370, 25165824};
  EXPECT_EQ(cuts, golden) << ::testing::PrintToString(cuts);
}

TEST(BackupChunker, KeyChangesBoundariesAndSizesAreBounded) {
  auto data = pseudoRandom(64 << 20, 7);
  auto cutsFor = [&](const Key& key) {
    Chunker chunker(key);
    std::vector<std::size_t> sizes;
    for (std::size_t pos = 0; pos < data.size();) {
      auto n =
          chunker.cut(reinterpret_cast<const std::uint8_t*>(data.data()) + pos, data.size() - pos);
      sizes.push_back(n);
      pos += n;
    }
    return sizes;
  };
  auto a = cutsFor(TenantKeys::derive(testMaster()).chunker);
  auto b = cutsFor(TenantKeys::generate().chunker);
  EXPECT_NE(a, b);
  for (std::size_t i = 0; i + 1 < a.size(); ++i) {
    EXPECT_GE(a[i], 512u * 1024);
    EXPECT_LE(a[i], 8u * 1024 * 1024);
  }
  double mean = static_cast<double>(data.size()) / static_cast<double>(a.size());
  EXPECT_GT(mean, 0.75 * 1024 * 1024);
  EXPECT_LT(mean, 1.5 * 1024 * 1024);
}

TEST(BackupChunker, InsertionOnlyDisturbsNearbyChunks) {
  Chunker chunker(TenantKeys::derive(testMaster()).chunker);
  auto data = pseudoRandom(32 << 20, 9);
  auto shifted = "an inserted line\n" + data;
  auto ends = [&](const std::string& d, std::size_t offset) {
    std::set<std::size_t> out;
    for (std::size_t pos = 0; pos < d.size();) {
      pos += chunker.cut(reinterpret_cast<const std::uint8_t*>(d.data()) + pos, d.size() - pos);
      out.insert(pos - offset);
    }
    return out;
  };
  auto a = ends(data, 0), b = ends(shifted, 17);
  std::vector<std::size_t> common;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(common));
  EXPECT_GE(common.size() + 2, a.size());  // all but the first chunk or two realign
}

TEST(BackupBlob, RoundTripCompressedAndNot) {
  auto keys = TenantKeys::derive(testMaster());
  BlobCodec codec(keys);
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "ligne de registre " + std::to_string(i) + "\n";
  auto noise = pseudoRandom(300000, 3);
  for (const auto& plain : {text, noise, std::string()}) {
    std::string enc;
    auto h = codec.encode(codec.id(plain), BlobType::kData, plain, enc);
    EXPECT_EQ(enc.size(), kBlobHeaderSize + h.storedLen);
    std::string out;
    codec.decode(h, std::string_view(enc).substr(kBlobHeaderSize), out);
    EXPECT_EQ(out, plain);
    if (&plain == &text) {
      EXPECT_TRUE(h.flags & kFlagZstd);
    }
    if (&plain == &noise) {
      EXPECT_FALSE(h.flags & kFlagZstd);
    }
  }
}

TEST(BackupBlob, WrongKeyAndTamperingFailCleanly) {
  auto keys = TenantKeys::derive(testMaster());
  BlobCodec codec(keys), stranger(TenantKeys::generate());
  auto plain = pseudoRandom(5000, 1);
  std::string enc;
  auto h = codec.encode(codec.id(plain), BlobType::kData, plain, enc);
  std::string stored = enc.substr(kBlobHeaderSize), out;
  EXPECT_THROW(stranger.decode(h, stored, out), Error);
  auto flipped = stored;
  flipped[40] ^= 0x10;
  try {
    codec.decode(h, flipped, out);
    FAIL() << "a flipped byte was not detected";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(toHex(h.id)), std::string::npos) << e.what();
  }
  auto renamed = h;
  renamed.flags ^= kFlagZstd;  // the header is authenticated too
  EXPECT_THROW(codec.decode(renamed, stored, out), Error);
}

TEST(BackupPack, WriteParseAndRefuseDamage) {
  auto keys = TenantKeys::derive(testMaster());
  BlobCodec codec(keys);
  PackWriter w;
  std::vector<ChunkId> ids;
  for (int i = 0; i < 3; ++i) {
    auto plain = pseudoRandom(1000 + i, i + 1);
    std::string enc;
    ids.push_back(codec.id(plain));
    codec.encode(ids.back(), BlobType::kData, plain, enc);
    w.addEncoded(enc);
  }
  auto pack = w.finish();
  auto entries = parsePack(pack, "p");
  ASSERT_EQ(entries.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(entries[i].header.id, ids[i]);
  EXPECT_EQ(packName(pack).size(), 64u);
  EXPECT_THROW(parsePack(pack.substr(0, pack.size() - 3), "p"), Error);
  EXPECT_THROW(parsePack("PARCPACK", "p"), Error);
  auto badCount = pack;
  badCount[badCount.size() - 12] = 9;
  EXPECT_THROW(parsePack(badCount, "p"), Error);
}

TEST(BackupManifest, RoundTripWithOddNames) {
  std::vector<Entry> in(3);
  in[0].type = EntryType::kDirectory;
  in[0].path = "home/écoles/état civil";
  in[0].mode = 0750;
  in[1].path = "home/écoles/état civil/\xff\xfe-not-utf8.txt";
  in[1].size = 5;
  in[1].chunks = {{ChunkId{}, 5}};
  in[1].mtimeNs = -5;
  in[2].type = EntryType::kSymlink;
  in[2].path = "home/link";
  in[2].linkTarget = "../../etc/passwd";
  auto out = decodeManifest(encodeManifest(in));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[1].path, in[1].path);
  EXPECT_EQ(out[1].mtimeNs, -5);
  EXPECT_EQ(out[2].linkTarget, in[2].linkTarget);
  auto bytes = encodeManifest(in);
  EXPECT_THROW(decodeManifest(bytes.substr(0, bytes.size() - 1)), Error);
}

TEST(BackupManifest, SafePaths) {
  EXPECT_TRUE(isSafeRelativePath("a/b/c.txt"));
  EXPECT_TRUE(isSafeRelativePath("a/..b"));
  for (const char* bad :
       {"", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", "a/", "..", "a/.."}) {
    EXPECT_FALSE(isSafeRelativePath(bad)) << bad;
  }
  EXPECT_FALSE(isSafeRelativePath(std::string("a\0b", 3)));
}

TEST(BackupSnapshot, RoundTripAndStructureChecks) {
  auto keys = TenantKeys::derive(testMaster());
  SnapshotObject s;
  ChunkId a{}, b{};
  b[0] = 1;
  s.tree = {b};
  s.refs = {a, b};
  s.sealedInfo = sealInfo(keys, R"({"host":"mairie"})");
  auto back = decodeSnapshot(encodeSnapshot(s));
  EXPECT_EQ(back.refs, s.refs);
  EXPECT_EQ(openInfo(keys, back.sealedInfo), R"({"host":"mairie"})");
  try {
    openInfo(TenantKeys::generate(), back.sealedInfo);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnauthorized);
  }
  s.refs = {b, a};  // unsorted
  EXPECT_THROW(decodeSnapshot(encodeSnapshot(s)), Error);
  s.refs = {a};  // tree blob not referenced
  EXPECT_THROW(decodeSnapshot(encodeSnapshot(s)), Error);
}

}  // namespace
}  // namespace parc::backup

namespace parc::backup {
namespace {

// A deterministic mutation run over the three parsers of untrusted bytes (the server
// parses packs and snapshot objects from agents; restores parse manifests): each damaged
// input is refused with parc::Error or parsed, never read out of bounds (CI runs this
// under ASan). A libFuzzer target in tests/fuzz can reuse the same calls.
TEST(BackupParsers, SurviveRandomDamage) {
  auto keys = TenantKeys::derive(testing::testMaster());
  BlobCodec codec(keys);
  PackWriter w;
  for (int i = 0; i < 3; ++i) {
    auto plain = testing::pseudoRandom(300, i + 1);
    std::string enc;
    codec.encode(codec.id(plain), BlobType::kData, plain, enc);
    w.addEncoded(enc);
  }
  std::vector<Entry> entries(2);
  entries[0].path = "a";
  entries[0].size = 3;
  entries[0].chunks = {{ChunkId{}, 3}};
  entries[1].type = EntryType::kSymlink;
  entries[1].path = "b";
  entries[1].linkTarget = "a";
  SnapshotObject s;
  s.tree = {ChunkId{}};
  s.refs = {ChunkId{}};
  s.sealedInfo = "info";
  const std::string inputs[] = {w.finish(), encodeManifest(entries), encodeSnapshot(s)};
  std::mt19937_64 rng(99);
  int refused = 0;
  for (int round = 0; round < 3000; ++round) {
    for (int kind = 0; kind < 3; ++kind) {
      auto data = inputs[kind];
      switch (rng() % 3) {
        case 0: data[rng() % data.size()] = static_cast<char>(rng()); break;
        case 1: data.resize(rng() % data.size()); break;
        default:
          for (int k = 0; k < 4; ++k)
            data[rng() % data.size()] ^= static_cast<char>(1 << (rng() % 8));
      }
      try {
        if (kind == 0) parsePack(data, "fuzz");
        if (kind == 1) decodeManifest(data);
        if (kind == 2) decodeSnapshot(data);
      } catch (const Error&) {
        ++refused;
      }
    }
  }
  EXPECT_GT(refused, 1000);
}

}  // namespace
}  // namespace parc::backup
