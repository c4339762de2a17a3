#include "agent/backup/test_restore.h"

#include <algorithm>
#include <random>

#include "agent/backup/engine.h"
#include "common/backup/pack.h"
#include "common/error.h"

namespace parc::agent::backup {

SampleCheck testRestoreSample(Target& target, const parc::backup::TenantKeys& keys,
                              const std::string& snapshotId, std::size_t maxFiles,
                              std::uint64_t maxBytes) {
  SampleCheck out;
  auto entries = readManifest(target, keys, snapshotId);
  std::vector<const parc::backup::Entry*> files;
  for (const auto& e : entries) {
    if (e.type == parc::backup::EntryType::kFile && !e.chunks.empty()) files.push_back(&e);
  }
  std::mt19937_64 rng{std::random_device{}()};
  std::shuffle(files.begin(), files.end(), rng);
  parc::backup::BlobCodec codec(keys, 0);
  std::string plain;
  for (const auto* e : files) {
    if (out.files >= maxFiles || out.bytes >= maxBytes) break;
    ++out.files;
    for (const auto& c : e->chunks) {
      try {
        auto [header, stored] = target.readBlob(c.id);
        codec.decode(header, stored, plain);  // GCM tag, then the id re-computed
        if (plain.size() != c.size || codec.id(plain) != c.id)
          throw Error(ErrorKind::kBadRequest, "content does not match its id");
        ++out.chunks;
        out.bytes += plain.size();
      } catch (const Error& err) {
        out.problems.push_back(e->path + ", chunk " + parc::backup::toHex(c.id) + ": " +
                               err.what());
        break;  // one problem per file is enough to name it
      }
    }
  }
  return out;
}

}  // namespace parc::agent::backup
