#include "common/files/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "common/error.h"

namespace parc::files {

std::string read(const std::filesystem::path& path) {
  auto content = tryRead(path);
  if (!content) throw Error(ErrorKind::kNotFound, "cannot read " + path.string());
  return *content;
}

std::optional<std::string> tryRead(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return ss.str();
}

void writeAtomic(const std::filesystem::path& path, std::string_view content, mode_t mode) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) throw Error(ErrorKind::kUnavailable, "cannot write " + tmp.string());
  ::fchmod(fd, mode);
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) throw Error(ErrorKind::kUnavailable, "cannot write " + tmp.string());
  std::filesystem::rename(tmp, path);
  // Make the rename itself durable.
  int dir =
      ::open(path.parent_path().empty() ? "." : path.parent_path().c_str(), O_RDONLY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void ensureDirectory(const std::filesystem::path& path, mode_t mode) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec)
    throw Error(ErrorKind::kUnavailable, "cannot create " + path.string() + ": " + ec.message());
  ::chmod(path.c_str(), mode);
}

}  // namespace parc::files
