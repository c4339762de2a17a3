// `parcctl remote tunnel HOST --local ADDRESS:PORT`: the console's remote-desktop tunnel
// for a VNC viewer of one's own. Each TCP connection accepted here is one desktop
// session (its own WebSocket, registered and audited by the server like the console's),
// relayed to 127.0.0.1:[remote] vnc_port on the PC. Runs until SIGINT/SIGTERM, or the
// end of the first connection with --once.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>
#include <list>
#include <mutex>
#include <set>
#include <thread>

#include "cli/commands/remote_streams.h"
#include "cli/commands/stream_session.h"
#include "common/error.h"

namespace parc::cli {

namespace {

std::atomic<bool> stopRequested{false};

void onStopSignal(int) {
  stopRequested = true;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

sockaddr_in parseLocal(const std::string& local) {
  auto colon = local.rfind(':');
  sockaddr_in a{};
  a.sin_family = AF_INET;
  int port = -1;
  try {
    std::size_t used = 0;
    if (colon != std::string::npos) port = std::stoi(local.substr(colon + 1), &used);
    if (colon == std::string::npos || used != local.size() - colon - 1) port = -1;
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535 ||
      ::inet_pton(AF_INET, local.substr(0, colon).c_str(), &a.sin_addr) != 1)
    throw Error(ErrorKind::kBadRequest,
                "--local wants IPv4-ADDRESS:PORT (e.g. 127.0.0.1:5901), got '" + local + "'");
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  return a;
}

int listenOn(const sockaddr_in& address, const std::string& local) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw Error(ErrorKind::kUnavailable, std::string("socket: ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(fd, 8) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    throw Error(ErrorKind::kUnavailable, "cannot listen on " + local + ": " + why);
  }
  return fd;
}

std::string boundAddress(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &a.sin_addr, text, sizeof text);
  return std::string(text) + ":" + std::to_string(ntohs(a.sin_port));
}

bool writeAll(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// One TCP connection = one desktop session, until either side closes.
void relayConnection(const Globals& g, long long host, int fd) {
  StreamSession s(
      sessionSocketOptions(g, "/api/v1/hosts/" + std::to_string(host) + "/sessions/desktop"),
      {[fd](const std::string& bytes) {
         if (!writeAll(fd, bytes)) ::shutdown(fd, SHUT_RDWR);
       },
       // The session ended (host side, an administrator, refused): the viewer sees EOF.
       [fd] { ::shutdown(fd, SHUT_RDWR); }});
  if (!s.waitOpen()) {
    std::cerr << "tunnel: the server refused the desktop session of host " << host << "\n";
    return;
  }
  char buf[32768];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    s.sendRaw(std::string(buf, static_cast<std::size_t>(n)));
  }
  s.close();
}

// The connections being relayed, so that a stop can end them.
class Connections {
 public:
  void start(const Globals& g, long long host, int fd) {
    std::lock_guard lock(mutex_);
    fds_.insert(fd);
    threads_.emplace_back([this, &g, host, fd] {
      try {
        relayConnection(g, host, fd);
      } catch (const std::exception& e) {
        std::cerr << "tunnel: " << e.what() << "\n";
      }
      std::lock_guard lock(mutex_);
      fds_.erase(fd);
      ::close(fd);
    });
  }
  ~Connections() {
    {
      std::lock_guard lock(mutex_);
      for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : threads_) t.join();
  }

 private:
  std::mutex mutex_;
  std::set<int> fds_;
  std::list<std::thread> threads_;
};

}  // namespace

void runTunnel(const Globals& g, long long host, const std::string& local, bool once) {
  sockaddr_in address = parseLocal(local);
  sessionSocketOptions(g, "/");  // no session: say so before listening
  if ((ntohl(address.sin_addr.s_addr) >> 24) != 127)
    std::cerr << "warning: " << local
              << " is not a loopback address: whoever reaches it uses the PC's desktop under "
                 "your account\n";
  Fd listener(listenOn(address, local));
  struct sigaction sa {};
  sa.sa_handler = onStopSignal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  std::cout << "listening on " << boundAddress(listener.get()) << ", relaying to host " << host
            << "'s desktop (VNC) port" << std::endl;
  if (once) {
    int fd = -1;
    while (fd < 0 && !stopRequested) {
      pollfd p{listener.get(), POLLIN, 0};
      if (::poll(&p, 1, 200) > 0) fd = ::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC);
    }
    if (fd < 0) return;
    Fd connection(fd);
    relayConnection(g, host, fd);
    return;
  }
  Connections connections;
  while (!stopRequested) {
    pollfd p{listener.get(), POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    int fd = ::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) connections.start(g, host, fd);
  }
}

}  // namespace parc::cli
