#pragma once
// A stand-in VNC server on the PC's loopback for the remote-desktop tunnel tests: greets
// like RFB ("RFB 003.008"), then echoes what it gets, one thread per connection.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <thread>

namespace parc::testing {

class EchoVnc {
 public:
  explicit EchoVnc(std::uint16_t port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    bound_ = ::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
             ::listen(listener_, 4) == 0;
    thread_ = std::thread([this] { serve(); });
  }
  ~EchoVnc() {
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
  }
  bool bound() const { return bound_; }
  int accepted() const { return accepted_; }

 private:
  void serve() {
    for (;;) {
      int c = ::accept(listener_, nullptr, nullptr);
      if (c < 0) return;
      ++accepted_;
      std::thread([c] {
        const char greeting[] = "RFB 003.008\n";
        (void)::write(c, greeting, sizeof greeting - 1);
        char buf[4096];
        ssize_t n;
        while ((n = ::read(c, buf, sizeof buf)) > 0) (void)::write(c, buf, n);
        ::close(c);
      }).detach();
    }
  }
  int listener_ = -1;
  bool bound_ = false;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

}  // namespace parc::testing
