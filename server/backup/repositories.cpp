#include "server/backup/repositories.h"

#include <functional>

#include "common/error.h"
#include "common/files/files.h"

namespace parc::server::backup {
namespace fs = std::filesystem;

Repositories::Repositories(fs::path root) : root_(std::move(root)) {}
Repositories::~Repositories() = default;

fs::path Repositories::dir(std::int64_t tenantId) const {
  if (tenantId <= 0) throw Error(ErrorKind::kBadRequest, "bad tenant id");
  return root_ / std::to_string(tenantId);
}

Repository* Repositories::find(std::int64_t tenantId) {
  auto path = dir(tenantId);
  std::lock_guard lock(mu_);
  if (auto it = repos_.find(tenantId); it != repos_.end()) return it->second.get();
  if (!fs::exists(path / "config")) return nullptr;
  auto& slot = repos_[tenantId];
  try {
    slot = std::make_unique<Repository>(path);
  } catch (...) {
    repos_.erase(tenantId);
    throw;
  }
  return slot.get();
}

Repository& Repositories::open(std::int64_t tenantId) {
  auto* repo = find(tenantId);
  if (!repo) throw Error(ErrorKind::kNotFound, "this tenant has no backup repository yet");
  return *repo;
}

Repository& Repositories::create(std::int64_t tenantId, const std::string& keyCheck,
                                 bool* created) {
  if (created) *created = false;
  if (keyCheck.empty() || keyCheck.size() > 256) {
    throw Error(ErrorKind::kBadRequest, "key check must be 1 to 256 characters");
  }
  if (auto* repo = find(tenantId)) {
    if (repo->keyCheck() != keyCheck) {
      throw Error(ErrorKind::kConflict,
                  "this tenant's backup repository was created with another key");
    }
    return *repo;
  }
  auto path = dir(tenantId);
  {
    std::lock_guard lock(mu_);
    if (!repos_.count(tenantId) && !fs::exists(path / "config")) {
      files::ensureDirectory(root_, 0700);
      Repository::init(path, keyCheck);
      if (created) *created = true;
    }
  }
  auto& repo = open(tenantId);
  if (repo.keyCheck() != keyCheck) {  // another agent created it in between
    throw Error(ErrorKind::kConflict,
                "this tenant's backup repository was created with another key");
  }
  return repo;
}

std::mutex& Repositories::uploadLock(std::int64_t tenantId, const std::string& packName) {
  auto h = std::hash<std::string>{}(packName) ^ static_cast<std::size_t>(tenantId);
  return uploadLocks_[h % uploadLocks_.size()];
}

void Repositories::setCommitListener(CommitListener listener) {
  commitListener_ = std::move(listener);
}

void Repositories::notifyCommit(std::int64_t tenantId, const std::string& host,
                                std::int64_t created) {
  if (commitListener_) commitListener_(tenantId, host, created);
}

}  // namespace parc::server::backup
