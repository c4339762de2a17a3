// Slow-loris after the TLS handshake, against the real server on loopback: clients that
// complete TLS and then send their headers a byte at a time, or announce a body and never
// finish it, or dribble a second request on a kept-alive connection, are cut once the
// request timeout has passed (`[security] request_timeout_seconds`, 3 s here), while a
// normal request on the same listener is still answered at once.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "common/files/files.h"
#include "common/net/client.h"
#include "tests/integration/console_api.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kRequestTimeout = 3s;

// One raw TLS 1.3 connection (OpenSSL directly, to control every byte), non-blocking
// once the handshake is done.
class RawTls {
 public:
  explicit RawTls(std::uint16_t port) : ctx_(SSL_CTX_new(TLS_client_method()), SSL_CTX_free) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_NONE, nullptr);
    ssl_.reset(SSL_new(ctx_.get()));
    SSL_set_fd(ssl_.get(), fd_);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (SSL_connect(ssl_.get()) != 1) return;
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
    connected_ = true;
    since = Clock::now();
  }
  ~RawTls() {
    ssl_.reset();
    if (fd_ >= 0) ::close(fd_);
  }

  bool connected() const { return connected_; }

  /// Sends `bytes`; false once the server has closed the connection.
  bool send(const std::string& bytes) {
    if (!open()) return false;
    int n = SSL_write(ssl_.get(), bytes.data(), static_cast<int>(bytes.size()));
    if (n <= 0) {
      int err = SSL_get_error(ssl_.get(), n);
      if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) closed_ = true;
    }
    ERR_clear_error();
    return !closed_;
  }

  /// Reads what the server sent (session tickets, answers); false once it has closed.
  bool open() {
    while (!closed_) {
      char buf[4096];
      int n = SSL_read(ssl_.get(), buf, sizeof buf);
      if (n > 0) {
        received.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      int err = SSL_get_error(ssl_.get(), n);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) break;
      closed_ = true;  // close_notify, EOF or reset
    }
    ERR_clear_error();
    return !closed_;
  }

  Clock::time_point since;
  std::string received;

 private:
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx_;
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl_{nullptr, SSL_free};
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
};

class SlowClients : public ::testing::Test, protected ConsoleApi {
 protected:
  void SetUp() override {
    std::signal(SIGPIPE, SIG_IGN);
    files::writeAtomic(tmp.path() / "server.toml",
                       "[security]\nrequest_timeout_seconds = 3\n"
                       "console_connections_per_address = 16\n",
                       0600);
    server = std::make_unique<ServerFixture>(
        tmp.path() / "server", 0, 0,
        std::vector<std::string>{"--config", (tmp.path() / "server.toml").string()});
    connect(*server);
  }

  // A normal request on each listener, timed (a fresh connection each time).
  Clock::duration normalRequests() {
    auto start = Clock::now();
    connect(*server);
    EXPECT_EQ(call("GET", "/api/v1/health", "").status, 200);
    tls::ClientTlsConfig pinned;
    pinned.pinnedFingerprint = server->caFingerprint;
    net::HttpsClient agent(net::parseUrl(server->agentUrl), tls::TlsContext::client(pinned), 10s);
    net::Response r = agent.send(
        {"POST", "/api/v1/enroll", {{"content-type", "application/json"}}, "{}", {}, {}});
    EXPECT_EQ(r.status, 400) << r.body;  // refused as malformed, but answered
    return Clock::now() - start;
  }

  TempDir tmp;
  std::unique_ptr<ServerFixture> server;
};

TEST_F(SlowClients, SlowHeadersAndUnfinishedBodiesAreCutWhileOthersAreServed) {
  // 40 on the agent listener (a town hall's address may hold many), 10 on the console
  // (under its 16 per address, so that the limit per address is not what cuts them).
  struct Slow {
    std::unique_ptr<RawTls> tls;
    std::string script;  // sent a byte per tick after the first `burst` bytes
    std::size_t sent = 0;
    std::optional<Clock::duration> cutAfter{};
  };
  const std::string slowHeaders =
      "POST /api/v1/enroll HTTP/1.1\r\nHost: parc\r\nContent-Type: application/json\r\n"
      "X-Padding: " +
      std::string(400, 'a') + "\r\n\r\n{}";
  const std::string unfinishedBody =
      "POST /api/v1/enroll HTTP/1.1\r\nHost: parc\r\nContent-Type: application/json\r\n"
      "Content-Length: 100000\r\n\r\n{\"token\":\"" +
      std::string(99000, 'b');
  std::vector<Slow> slow;
  for (int i = 0; i < 50; ++i) {
    std::uint16_t port = i < 40 ? server->agentPort : server->consolePort;
    Slow s;
    s.tls = std::make_unique<RawTls>(port);
    s.script = i % 2 ? unfinishedBody : slowHeaders;
    ASSERT_TRUE(s.tls->connected()) << i;
    // The unfinished body arrives quickly up to its last part; headers come a byte a tick.
    if (i % 2) {
      s.sent = s.script.size() - 500;
      s.tls->send(s.script.substr(0, s.sent));
    }
    slow.push_back(std::move(s));
  }
  auto tick = [&] {
    for (auto& s : slow) {
      if (s.cutAfter) continue;
      if (s.sent < s.script.size() && s.tls->send(s.script.substr(s.sent++, 1))) continue;
      if (!s.tls->open()) s.cutAfter = Clock::now() - s.tls->since;
    }
  };
  // While they all dribble, normal requests on both listeners are answered promptly.
  auto until = Clock::now() + 2s;
  while (Clock::now() < until) {
    tick();
    std::this_thread::sleep_for(100ms);
  }
  for (const auto& s : slow) EXPECT_FALSE(s.cutAfter) << "cut before the timeout";
  EXPECT_LT(normalRequests(), 2s);
  // Then every slow client is cut, soon after the request timeout, never left open.
  until = Clock::now() + kRequestTimeout + 5s;
  while (Clock::now() < until) {
    tick();
    bool all = true;
    for (const auto& s : slow) all = all && s.cutAfter.has_value();
    if (all) break;
    std::this_thread::sleep_for(100ms);
  }
  for (std::size_t i = 0; i < slow.size(); ++i) {
    ASSERT_TRUE(slow[i].cutAfter) << "client " << i << " still open";
    EXPECT_GE(*slow[i].cutAfter, kRequestTimeout - 500ms) << i;
    EXPECT_LT(*slow[i].cutAfter, kRequestTimeout + 2s) << i;
    // Nothing was answered to a request never finished (no 400 for half a header).
    EXPECT_EQ(slow[i].tls->received.find("HTTP/1.1 2"), std::string::npos) << i;
  }
  EXPECT_LT(normalRequests(), 2s);
}

// A kept-alive connection: a first request answered, then the next one dribbled a byte
// at a time. It is cut at the request timeout, not after the idle wait (60 s) plus it.
TEST_F(SlowClients, ADribbledSecondRequestOnAKeptAliveConnectionIsCut) {
  RawTls c(server->consolePort);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send("GET /api/v1/health HTTP/1.1\r\nHost: parc\r\n\r\n"));
  ASSERT_TRUE(waitFor(
      [&] {
        c.open();
        return c.received.find("\r\n\r\n") != std::string::npos;
      },
      5s));
  EXPECT_EQ(c.received.rfind("HTTP/1.1 200", 0), 0u) << c.received;
  const std::string next =
      "GET /api/v1/health HTTP/1.1\r\nHost: parc\r\nX-Slow: " + std::string(1000, 'c') + "\r\n\r\n";
  auto start = Clock::now();
  std::size_t i = 0;
  while (Clock::now() - start < kRequestTimeout + 5s && c.send(next.substr(i++ % next.size(), 1)))
    std::this_thread::sleep_for(100ms);
  auto cut = Clock::now() - start;
  EXPECT_FALSE(c.open()) << "still open after " << std::chrono::duration<double>(cut).count();
  EXPECT_LT(cut, kRequestTimeout + 2s);
  EXPECT_GE(cut, kRequestTimeout - 500ms);
}

}  // namespace
}  // namespace parc::testing
