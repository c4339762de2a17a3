#include "common/backup/manifest.h"

#include <openssl/rand.h>

#include <algorithm>

#include "common/error.h"

namespace parc::backup {
namespace {

constexpr std::string_view kManifestMagic = "PARCMAN1";
constexpr std::string_view kSnapshotMagic = "PARCSNAP";
constexpr std::uint32_t kSnapshotVersion = 1;
constexpr std::string_view kInfoAad = "parc snapshot info v1";

}  // namespace

std::string encodeManifest(const std::vector<Entry>& entries) {
  std::string out(kManifestMagic);
  for (const auto& e : entries) {
    out.push_back(static_cast<char>(e.type));
    out.push_back(static_cast<char>(e.flags));
    putU32(out, e.mode);
    putU32(out, e.uid);
    putU32(out, e.gid);
    putU64(out, static_cast<std::uint64_t>(e.mtimeNs));
    putU64(out, e.size);
    putBytes(out, e.path);
    putBytes(out, e.linkTarget);
    putU32(out, static_cast<std::uint32_t>(e.chunks.size()));
    for (const auto& c : e.chunks) {
      putId(out, c.id);
      putU32(out, c.size);
    }
  }
  return out;
}

std::vector<Entry> decodeManifest(std::string_view data) {
  Reader r(data, "manifest");
  if (r.take(8) != kManifestMagic) r.fail("not a manifest");
  std::vector<Entry> entries;
  while (r.remaining() > 0) {
    Entry e;
    auto type = r.u8();
    if (type < 1 || type > 3) r.fail("unknown entry type");
    e.type = static_cast<EntryType>(type);
    e.flags = r.u8();
    e.mode = r.u32();
    e.uid = r.u32();
    e.gid = r.u32();
    e.mtimeNs = static_cast<std::int64_t>(r.u64());
    e.size = r.u64();
    e.path = r.bytes();
    e.linkTarget = r.bytes();
    auto n = r.u32();
    if (n > r.remaining() / 36) r.fail("chunk count exceeds the data");
    e.chunks.resize(n);
    std::uint64_t total = 0;
    for (auto& c : e.chunks) {
      c.id = r.id();
      c.size = r.u32();
      total += c.size;
    }
    if (e.type == EntryType::kFile && total != e.size) r.fail("chunk sizes do not add up");
    entries.push_back(std::move(e));
  }
  return entries;
}

bool isSafeRelativePath(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.find('\0') != std::string_view::npos) {
    return false;
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    auto part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

std::string encodeSnapshot(const SnapshotObject& s) {
  std::string out(kSnapshotMagic);
  putU32(out, kSnapshotVersion);
  putU32(out, static_cast<std::uint32_t>(s.tree.size()));
  for (const auto& id : s.tree) putId(out, id);
  putU32(out, static_cast<std::uint32_t>(s.refs.size()));
  for (const auto& id : s.refs) putId(out, id);
  putBytes(out, s.sealedInfo);
  return out;
}

SnapshotObject decodeSnapshot(std::string_view data) {
  Reader r(data, "snapshot");
  if (r.take(8) != kSnapshotMagic) r.fail("not a snapshot");
  if (r.u32() != kSnapshotVersion) r.fail("unknown snapshot version");
  SnapshotObject s;
  for (int list = 0; list < 2; ++list) {
    auto n = r.u32();
    if (n > r.remaining() / 32) r.fail("id count exceeds the data");
    auto& ids = list == 0 ? s.tree : s.refs;
    ids.reserve(n);
    for (std::uint32_t i = 0; i < n; ++i) ids.push_back(r.id());
  }
  s.sealedInfo = r.bytes();
  if (r.remaining() != 0) r.fail("trailing bytes");
  if (!std::is_sorted(s.refs.begin(), s.refs.end()) ||
      std::adjacent_find(s.refs.begin(), s.refs.end()) != s.refs.end()) {
    r.fail("references not sorted and unique");
  }
  for (const auto& t : s.tree) {
    if (!std::binary_search(s.refs.begin(), s.refs.end(), t)) r.fail("tree blob not referenced");
  }
  return s;
}

std::string sealInfo(const TenantKeys& keys, std::string_view json) {
  std::string nonce(kNonceSize, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), kNonceSize) != 1) {
    throw Error(ErrorKind::kInternal, "random generator failed");
  }
  return nonce + aesGcmSeal(keys.meta, nonce, kInfoAad, json);
}

std::string openInfo(const TenantKeys& keys, std::string_view sealed) {
  if (sealed.size() < kNonceSize + kTagSize) {
    throw Error(ErrorKind::kBadRequest, "snapshot information truncated");
  }
  auto out =
      aesGcmOpen(keys.meta, sealed.substr(0, kNonceSize), kInfoAad, sealed.substr(kNonceSize));
  if (!out) {
    throw Error(ErrorKind::kUnauthorized,
                "the key does not open this snapshot: wrong key or corrupt snapshot");
  }
  return *out;
}

}  // namespace parc::backup
