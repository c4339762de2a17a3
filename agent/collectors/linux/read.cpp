#include "agent/collectors/linux/read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <system_error>

namespace parc::agent::collectors::linux_ {

namespace fs = std::filesystem;

namespace {

// Owns a file descriptor so that every path out of readFile closes it.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

bool isBlank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\0';
}

}  // namespace

std::string FileRead::reason() const {
  if (ok()) return {};
  return std::strerror(error);
}

FileRead readFile(const fs::path& path, std::size_t maxBytes) {
  FileRead out;
  int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (raw < 0) {
    out.error = errno;
    return out;
  }
  UniqueFd fd(raw);
  std::string data;
  char buf[8192];
  while (data.size() < maxBytes) {
    ssize_t n = ::read(fd.get(), buf, std::min(sizeof buf, maxBytes - data.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      out.error = errno;  // e.g. EIO from a sysfs attribute the driver refuses
      return out;
    }
    if (n == 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  out.data = std::move(data);
  return out;
}

FileRead readFileTail(const fs::path& path, std::size_t maxBytes, std::size_t alignment) {
  FileRead out;
  int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (raw < 0) {
    out.error = errno;
    return out;
  }
  UniqueFd fd(raw);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    out.error = errno;
    return out;
  }
  auto size = static_cast<std::size_t>(std::max<off_t>(st.st_size, 0));
  std::size_t offset = 0;
  if (alignment == 0) alignment = 1;
  if (size > maxBytes) offset = (size - maxBytes + alignment - 1) / alignment * alignment;
  std::string data;
  char buf[8192];
  while (offset < size) {
    ssize_t n =
        ::pread(fd.get(), buf, std::min(sizeof buf, size - offset), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      out.error = errno;
      return out;
    }
    if (n == 0) break;  // the file shrank meanwhile
    data.append(buf, static_cast<std::size_t>(n));
    offset += static_cast<std::size_t>(n);
  }
  out.data = std::move(data);
  return out;
}

std::optional<std::string> readAttr(const fs::path& path) {
  FileRead r = readFile(path, 1 << 16);
  if (!r.ok()) return std::nullopt;
  return trim(*r.data);
}

std::optional<std::int64_t> readIntAttr(const fs::path& path) {
  auto text = readAttr(path);
  if (!text) return std::nullopt;
  return parseInt(*text);
}

std::vector<std::string> listDir(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<std::string> linkTargetName(const fs::path& link) {
  std::error_code ec;
  fs::path target = fs::read_symlink(link, ec);
  if (ec) return std::nullopt;
  // A target like "../.." names its device only once resolved; resolution needs the
  // target to exist, so dangling links (drivers in a recorded tree) use the text.
  fs::path resolved = fs::canonical(link, ec);
  std::string name = (ec ? target : resolved).filename().string();
  if (name == "." || name == "..") return std::nullopt;
  if (name.empty()) return std::nullopt;
  return name;
}

bool pathExists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

std::string trim(std::string_view text) {
  while (!text.empty() && isBlank(text.front())) text.remove_prefix(1);
  while (!text.empty() && isBlank(text.back())) text.remove_suffix(1);
  return std::string(text);
}

std::vector<std::string_view> splitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    auto nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

std::optional<std::int64_t> parseInt(std::string_view text) {
  std::string t = trim(text);
  std::string_view s = t;
  int base = 10;
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return std::nullopt;
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value, base);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return negative ? -value : value;
}

std::optional<double> parseDouble(std::string_view text) {
  std::string t = trim(text);
  if (t.empty()) return std::nullopt;
  char* end = nullptr;
  double value = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size()) return std::nullopt;
  return value;
}

}  // namespace parc::agent::collectors::linux_
