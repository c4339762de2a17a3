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
#include <chrono>
#include <csignal>
#include <cstring>
#include <iostream>
#include <list>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "cli/commands/remote_streams.h"
#include "cli/commands/stream_session.h"
#include "common/error.h"
#include "common/files/unique_fd.h"
#include "common/net/http.h"

namespace parc::cli {

namespace {

std::atomic<bool> stopRequested{false};

void onStopSignal(int) {
  stopRequested = true;
}

sockaddr_in parseLocal(const std::string& local) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  try {
    auto ep = net::parseHostPort(local);
    if (::inet_pton(AF_INET, ep.host.c_str(), &a.sin_addr) == 1) {
      a.sin_port = htons(ep.port);
      return a;
    }
  } catch (const Error&) {
    // Said below, with the form expected.
  }
  throw Error(ErrorKind::kBadRequest,
              "--local wants IPv4-ADDRESS:PORT (e.g. 127.0.0.1:5901), got '" + local + "'");
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
void relayConnection(const net::WsClientOptions& options, long long host, int fd) {
  StreamSession s(options,
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
}

// The connections being relayed, so that a stop can end them.
class Connections {
 public:
  explicit Connections(net::WsClientOptions options, long long host)
      : options_(std::move(options)), host_(host) {}
  void start(int fd) {
    joinFinished();
    std::lock_guard lock(mutex_);
    fds_.insert(fd);
    auto self = threads_.emplace(threads_.end());
    *self = std::thread([this, fd, self] {
      try {
        relayConnection(options_, host_, fd);
      } catch (const std::exception& e) {
        std::cerr << "tunnel: " << e.what() << "\n";
      }
      std::lock_guard lock(mutex_);
      fds_.erase(fd);
      ::close(fd);
      finished_.push_back(self);
    });
  }
  bool empty() {
    std::lock_guard lock(mutex_);
    return fds_.empty();
  }
  ~Connections() {
    {
      std::lock_guard lock(mutex_);
      for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : threads_) t.join();
  }

 private:
  // A tunnel left open all day sees many connections: each ended one's thread is joined
  // at the next accept, not kept (with its stack) until the tunnel stops.
  void joinFinished() {
    std::vector<std::list<std::thread>::iterator> done;
    {
      std::lock_guard lock(mutex_);
      done.swap(finished_);
    }
    for (auto it : done) it->join();  // each has only its return left
    std::lock_guard lock(mutex_);
    for (auto it : done) threads_.erase(it);
  }

  const net::WsClientOptions options_;
  const long long host_;
  std::mutex mutex_;
  std::set<int> fds_;
  std::list<std::thread> threads_;  // a list: iterators stay valid as others come and go
  std::vector<std::list<std::thread>::iterator> finished_;
};

}  // namespace

void runTunnel(const Globals& g, long long host, const std::string& local, bool once) {
  sockaddr_in address = parseLocal(local);
  // Read once (no session: said before listening); every connection shares its TLS context.
  auto options =
      sessionSocketOptions(g, "/api/v1/hosts/" + std::to_string(host) + "/sessions/desktop");
  if ((ntohl(address.sin_addr.s_addr) >> 24) != 127)
    std::cerr << "warning: " << local
              << " is not a loopback address: whoever reaches it uses the PC's desktop under "
                 "your account\n";
  UniqueFd listener(listenOn(address, local));
  struct sigaction sa {};
  sa.sa_handler = onStopSignal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  std::cout << "listening on " << boundAddress(listener.get()) << ", relaying to host " << host
            << "'s desktop (VNC) port" << std::endl;
  Connections connections(std::move(options), host);
  bool accepted = false;
  while (!stopRequested) {
    if (once && accepted) {  // --once: no further connection; back when the first has ended
      if (connections.empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    pollfd p{listener.get(), POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    int fd = ::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    connections.start(fd);
    accepted = true;
  }
  // A stop (SIGINT/SIGTERM) ends whatever is still relayed: Connections' destructor.
}

}  // namespace parc::cli
