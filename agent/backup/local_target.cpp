// The local target: the server's repository library, called in-process.
#include "agent/backup/target.h"
#include "common/error.h"
#include "server/backup/repository.h"

namespace parc::agent::backup {
namespace {

class LocalTarget : public Target {
 public:
  explicit LocalTarget(const std::filesystem::path& root) : repo_(root) {}
  std::string keyCheck() override { return repo_.keyCheck(); }
  std::vector<bool> hasChunks(const std::vector<ChunkId>& ids) override {
    return repo_.hasChunks(ids);
  }
  void putPack(std::string pack) override { repo_.putPack(pack); }
  std::string commitSnapshot(const std::string& object, const std::string& host) override {
    return repo_.commitSnapshot(object, host);
  }
  std::vector<SnapshotSummary> listSnapshots() override {
    std::vector<SnapshotSummary> out;
    for (const auto& s : repo_.listSnapshots()) out.push_back({s.id, s.created, s.host});
    return out;
  }
  std::string readSnapshot(const std::string& id) override { return repo_.readSnapshot(id); }
  std::pair<BlobHeader, std::string> readBlob(const ChunkId& id) override {
    auto loc = repo_.locate(id);
    if (!loc) {
      throw Error(ErrorKind::kNotFound, "the repository has no chunk " + parc::backup::toHex(id));
    }
    return {loc->header, repo_.readBlob(*loc)};
  }
  bool acquireLease(const std::string& holder, std::chrono::seconds ttl) override {
    return repo_.acquireLease(holder, false, ttl);
  }
  void releaseLease(const std::string& holder) override { repo_.releaseLease(holder); }
  std::optional<std::string> keySlot(const std::string& name) override {
    return repo_.keySlot(name);
  }
  void putKeySlot(const std::string& name, const std::string& wrapped) override {
    repo_.putKeySlot(name, wrapped);
  }

 private:
  server::backup::Repository repo_;
};

}  // namespace

TargetPtr openLocalTarget(const std::filesystem::path& repo) {
  return std::make_unique<LocalTarget>(repo);
}

void initLocalRepository(const std::filesystem::path& repo, const std::string& keyCheck) {
  server::backup::Repository::init(repo, keyCheck);
}

}  // namespace parc::agent::backup
