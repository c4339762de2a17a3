#pragma once
// File transfer stays under the allowed roots: the request must be absolute without `.`
// or `..` components, its directory is resolved (realpath) and must lie under a root,
// and the file itself is opened relative to that directory with O_NOFOLLOW, so neither
// `../` nor a symbolic link (in the directory path or as the file) leads elsewhere.
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/files/unique_fd.h"

namespace parc::agent::remote {

struct OpenedFile {
  UniqueFd fd;
  std::uint64_t size = 0;
  std::string path;  // resolved
};

/// A directory under a root, opened, and the name of the file inside it.
struct WriteTarget {
  UniqueFd dir;
  std::string name;
  std::string path;  // resolved
};

class PathGuard {
 public:
  /// Roots that do not exist are ignored (logged).
  explicit PathGuard(const std::vector<std::filesystem::path>& roots);

  /// An existing regular file for reading. kForbidden for any escape or symbolic link,
  /// kNotFound when absent, kBadRequest for a relative path or a directory.
  OpenedFile openForRead(const std::string& requested) const;
  /// Where to write `requested` (the directory must exist). Same refusals.
  WriteTarget openForWrite(const std::string& requested) const;

  const std::vector<std::string>& roots() const { return roots_; }

 private:
  UniqueFd openDirectory(const std::string& requested, std::string& name,
                         std::string& resolvedDir) const;
  bool underRoot(const std::string& resolved) const;

  std::vector<std::string> roots_;  // canonical
};

}  // namespace parc::agent::remote
