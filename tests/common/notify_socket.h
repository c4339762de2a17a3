#pragma once
// systemd's side of sd_notify for tests: a datagram socket that a program is pointed
// at with NOTIFY_SOCKET, read with bounded waits.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace parc::testing {

class NotifySocket {
 public:
  explicit NotifySocket(std::filesystem::path path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (fd_ < 0 || path_.string().size() >= sizeof(addr.sun_path))
      throw std::runtime_error("notify socket: cannot create " + path_.string());
    std::strcpy(addr.sun_path, path_.c_str());
    std::filesystem::remove(path_);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("notify socket: cannot bind " + path_.string());
  }
  ~NotifySocket() {
    ::close(fd_);
    std::filesystem::remove(path_);
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  const std::filesystem::path& path() const { return path_; }

  /// The next datagram, or nothing within `timeout`.
  std::optional<std::string> next(std::chrono::milliseconds timeout) const {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    char buffer[4096];
    auto n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0) return std::nullopt;
    return std::string(buffer, static_cast<std::size_t>(n));
  }

  /// Reads until a datagram containing `text` (true) or `timeout` (false); what was read
  /// on the way is appended to `seen` when given.
  bool waitFor(const std::string& text, std::chrono::milliseconds timeout,
               std::string* seen = nullptr) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      auto message = next(left);
      if (!message) return false;
      if (seen) *seen += *message + "\n";
      if (message->find(text) != std::string::npos) return true;
    }
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace parc::testing
