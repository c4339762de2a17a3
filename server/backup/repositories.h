#pragma once
// The server's backup repositories, one per tenant under <root>/<tenant-id>/: chunks
// dedupe across the PCs of a tenant and never across tenants (each tenant has its own
// key, so its chunk ids could not match another's anyway). Opened lazily, on the first
// request that needs them, and kept open: a Repository reconciles on open, which must
// not run twice concurrently for the same directory.
#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "server/backup/repository.h"

namespace parc::server::backup {

class Repositories {
 public:
  explicit Repositories(std::filesystem::path root);
  ~Repositories();

  /// The tenant's repository, or nullptr when none was created yet.
  Repository* find(std::int64_t tenantId);
  /// find(), or kNotFound.
  Repository& open(std::int64_t tenantId);
  /// Creates the tenant's repository with this key check. When one exists with the same
  /// key check it is returned as is; with another, kConflict (a different tenant key
  /// would make every existing snapshot unreadable).
  Repository& create(std::int64_t tenantId, const std::string& keyCheck, bool* created = nullptr);

  /// Serialises the parts of one pack upload: Repository::appendUpload checks then
  /// appends, which two concurrent requests for the same pack would interleave.
  std::mutex& uploadLock(std::int64_t tenantId, const std::string& packName);

  const std::filesystem::path& root() const { return root_; }

  /// Told of every snapshot committed through the server (tenant, host label, date).
  using CommitListener = std::function<void(std::int64_t, const std::string&, std::int64_t)>;
  void setCommitListener(CommitListener listener);
  void notifyCommit(std::int64_t tenantId, const std::string& host, std::int64_t created);

 private:
  std::filesystem::path dir(std::int64_t tenantId) const;

  std::filesystem::path root_;
  std::mutex mu_;  // guards repos_ (and opening/creating; a Repository locks itself)
  std::map<std::int64_t, std::unique_ptr<Repository>> repos_;
  std::array<std::mutex, 32> uploadLocks_;
  CommitListener commitListener_;  // set once at start, before the listeners run
};

}  // namespace parc::server::backup
