#include "agent/remote/path_guard.h"

#include <fcntl.h>
#include <limits.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace parc::agent::remote {

namespace {

std::string fdPath(int fd) {
  char buf[PATH_MAX + 1] = {};
  std::string link = "/proc/self/fd/" + std::to_string(fd);
  ssize_t n = ::readlink(link.c_str(), buf, PATH_MAX);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

PathGuard::PathGuard(const std::vector<std::filesystem::path>& roots) {
  for (const auto& root : roots) {
    char buf[PATH_MAX + 1] = {};
    if (!::realpath(root.c_str(), buf)) {
      spdlog::warn("remote file root {} ignored: {}", root.string(), std::strerror(errno));
      continue;
    }
    roots_.emplace_back(buf);
  }
}

bool PathGuard::underRoot(const std::string& resolved) const {
  for (const auto& root : roots_) {
    if (resolved == root) return true;
    if (resolved.size() > root.size() && resolved.compare(0, root.size(), root) == 0 &&
        (root == "/" || resolved[root.size()] == '/'))
      return true;
  }
  return false;
}

UniqueFd PathGuard::openDirectory(const std::string& requested, std::string& name,
                                  std::string& resolvedDir) const {
  if (roots_.empty())
    throw Error(ErrorKind::kForbidden, "file transfer is not enabled on this PC (no file_roots)");
  if (requested.empty() || requested[0] != '/')
    throw Error(ErrorKind::kBadRequest, "the path must be absolute");
  if (requested.find('\0') != std::string::npos)
    throw Error(ErrorKind::kBadRequest, "the path contains a NUL byte");
  std::filesystem::path p(requested);
  for (const auto& part : p) {
    if (part == ".." || part == ".")
      throw Error(ErrorKind::kForbidden, "'..' and '.' are refused in paths");
  }
  name = p.filename().string();
  if (name.empty()) throw Error(ErrorKind::kBadRequest, "the path names a directory");
  char buf[PATH_MAX + 1] = {};
  if (!::realpath(p.parent_path().c_str(), buf)) {
    if (errno == ENOENT) throw Error(ErrorKind::kNotFound, "no such directory");
    throw Error(ErrorKind::kForbidden,
                std::string("directory not accessible: ") + std::strerror(errno));
  }
  if (!underRoot(buf)) throw Error(ErrorKind::kForbidden, "the path is outside the allowed roots");
  UniqueFd dir(::open(buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
  if (!dir)
    throw Error(ErrorKind::kForbidden,
                std::string("cannot open the directory: ") + std::strerror(errno));
  // The directory may have been swapped for a link between realpath and open.
  resolvedDir = fdPath(dir.get());
  if (!underRoot(resolvedDir))
    throw Error(ErrorKind::kForbidden, "the path is outside the allowed roots");
  return dir;
}

OpenedFile PathGuard::openForRead(const std::string& requested) const {
  std::string name, dir;
  UniqueFd d = openDirectory(requested, name, dir);
  UniqueFd fd(::openat(d.get(), name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fd) {
    if (errno == ELOOP) throw Error(ErrorKind::kForbidden, "symbolic links are refused");
    if (errno == ENOENT) throw Error(ErrorKind::kNotFound, "no such file");
    throw Error(ErrorKind::kForbidden,
                std::string("cannot open the file: ") + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
    throw Error(ErrorKind::kBadRequest, "not a regular file");
  // Back to blocking reads (O_NONBLOCK only kept a FIFO from hanging the open).
  ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
  return OpenedFile{std::move(fd), static_cast<std::uint64_t>(st.st_size),
                    (dir == "/" ? "" : dir) + "/" + name};
}

WriteTarget PathGuard::openForWrite(const std::string& requested) const {
  WriteTarget t;
  std::string dir;
  t.dir = openDirectory(requested, t.name, dir);
  struct stat st {};
  if (::fstatat(t.dir.get(), t.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(st.st_mode)) throw Error(ErrorKind::kForbidden, "symbolic links are refused");
    if (!S_ISREG(st.st_mode)) throw Error(ErrorKind::kBadRequest, "not a regular file");
  }
  t.path = (dir == "/" ? "" : dir) + "/" + t.name;
  return t;
}

}  // namespace parc::agent::remote
