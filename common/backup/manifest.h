#pragma once
// A snapshot's content: the manifest (every entry of the tree, encrypted inside tree
// blobs) and the snapshot object the server stores: the manifest's blob ids, the plain
// list of every chunk id it references (so the server can check and collect garbage
// without keys), and encrypted descriptive metadata.
//
//   manifest = "PARCMAN1" entry*
//   entry    = u8:type u8:flags u32:mode u32:uid u32:gid u64:mtime_ns u64:size
//              bytes:path bytes:link_target u32:n (id[32] u32:len)*n
//   snapshot = "PARCSNAP" u32:version u32:n id*n (tree blobs, in order)
//              u32:m id*m (all referenced ids, sorted, unique) bytes:sealed_info
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/backup/bytes.h"
#include "common/backup/crypto.h"

namespace parc::backup {

enum class EntryType : std::uint8_t { kDirectory = 1, kFile = 2, kSymlink = 3 };
/// The file changed while it was read: its content may mix two versions.
constexpr std::uint8_t kEntryChanged = 1;

struct ChunkRef {
  ChunkId id{};
  std::uint32_t size = 0;
};

struct Entry {
  EntryType type = EntryType::kFile;
  std::uint8_t flags = 0;
  std::uint32_t mode = 0;  // permission bits only
  std::uint32_t uid = 0, gid = 0;
  std::int64_t mtimeNs = 0;
  std::uint64_t size = 0;
  std::string path;  // relative, '/'-separated, raw bytes (any encoding the OS gave)
  std::string linkTarget;
  std::vector<ChunkRef> chunks;
};

std::string encodeManifest(const std::vector<Entry>& entries);
/// Throws parc::Error kBadRequest on a malformed manifest.
std::vector<Entry> decodeManifest(std::string_view data);

/// True when `path` is safe to create under a restore target: relative, no empty, "."
/// or ".." component, no NUL byte.
bool isSafeRelativePath(std::string_view path);

struct SnapshotObject {
  std::vector<ChunkId> tree;  // manifest blobs, concatenated in order
  std::vector<ChunkId> refs;  // sorted, unique; includes the tree blobs
  std::string sealedInfo;     // nonce || AES-GCM(JSON info) || tag, under the meta key
};

std::string encodeSnapshot(const SnapshotObject& s);
SnapshotObject decodeSnapshot(std::string_view data);

/// Seals and opens the snapshot's descriptive information (host, paths, counts).
std::string sealInfo(const TenantKeys& keys, std::string_view json);
/// Throws parc::Error kUnauthorized when the key does not open it (wrong key).
std::string openInfo(const TenantKeys& keys, std::string_view sealed);

}  // namespace parc::backup
