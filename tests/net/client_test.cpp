// HttpsClient keep-alive against real TLS servers on 127.0.0.1: a scripted TLS server
// that counts the connections it accepts (and can misbehave on purpose), and the real
// HttpsServer with a short idle timeout.
#include "common/net/client.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "common/crypto/x509.h"
#include "common/error.h"
#include "common/net/server.h"
#include "tests/common/test_pki.h"
#include "tests/common/wait.h"
#include "tests/net/running_loop.h"

namespace parc::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using parc::testing::waitFor;

struct Pki : parc::testing::TestPki {
  std::shared_ptr<tls::TlsContext> client() const {
    tls::ClientTlsConfig cc;
    cc.caBundlePem = caPem;
    return tls::TlsContext::client(cc);
  }
  std::shared_ptr<tls::TlsContext> server() const {
    tls::ServerTlsConfig sc;
    sc.certificateChainPem = certPem;
    sc.privateKeyPem = keyPem;
    return tls::TlsContext::server(sc);
  }
};

// What the scripted server does with the n-th request (0-based) of a connection.
enum class Act {
  kKeepAlive,    // 200, connection kept
  kCloseHeader,  // 200 with Connection: close, then closes
  kThenDrop,     // 200 (keep-alive announced), then closes without a word: dead while idle
  kTruncate,     // headers announcing 100 bytes, 3 bytes, then closes: failure mid-response
};

// A blocking TLS server with one thread per connection; counts accepts.
class ScriptedServer {
 public:
  ScriptedServer(const Pki& pki, std::function<Act(int request)> script)
      : tls_(pki.server()),
        ctx_((SSL_CTX_up_ref(tls_->native()), tls_->native())),
        acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        script_(std::move(script)) {
    port_ = acceptor_.local_endpoint().port();
    acceptThread_ = std::thread([this] { acceptLoop(); });
  }
  ~ScriptedServer() {
    stopping_ = true;
    {
      // Wake the blocking accept with one last connection.
      asio::io_context io;
      tcp::socket s(io);
      beast::error_code ec;
      s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
    }
    acceptThread_.join();
    {
      std::lock_guard lock(mu_);
      for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);  // unblocks reads of kept connections
    }
    for (auto& t : connections_) t.join();
  }

  std::uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }
  int requests() const { return requests_.load(); }

 private:
  void acceptLoop() {
    for (;;) {
      tcp::socket socket(io_);
      beast::error_code ec;
      acceptor_.accept(socket, ec);
      if (stopping_ || ec) return;
      ++accepted_;
      std::lock_guard lock(mu_);
      fds_.push_back(socket.native_handle());
      connections_.emplace_back([this, s = std::move(socket)]() mutable { serve(std::move(s)); });
    }
  }

  void serve(tcp::socket socket) {
    const int fd = socket.native_handle();
    asio::ssl::stream<tcp::socket> stream(std::move(socket), ctx_);
    // Forgotten before the socket closes, so the destructor never shuts a reused fd.
    struct Forget {
      ScriptedServer& s;
      int fd;
      ~Forget() {
        std::lock_guard lock(s.mu_);
        std::erase(s.fds_, fd);
      }
    } forget{*this, fd};
    beast::error_code ec;
    stream.handshake(asio::ssl::stream_base::server, ec);
    if (ec) return;
    beast::flat_buffer buffer;
    for (int n = 0;; ++n) {
      http::request<http::string_body> req;
      http::read(stream, buffer, req, ec);
      if (ec) return;
      ++requests_;
      Act act = script_(n);
      if (act == Act::kTruncate) {
        std::string partial = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc";
        asio::write(stream, asio::buffer(partial), ec);
        stream.shutdown(ec);
        return;
      }
      http::response<http::string_body> res{http::status::ok, 11};
      res.body() = "answer " + std::to_string(n) + " to " + std::string(req.target());
      res.keep_alive(act != Act::kCloseHeader);
      res.prepare_payload();
      http::write(stream, res, ec);
      if (ec || act != Act::kKeepAlive) {
        if (act == Act::kCloseHeader) stream.shutdown(ec);
        // kThenDrop: the TCP connection just goes (as a server whose idle timer fired).
        return;
      }
    }
  }

  std::shared_ptr<tls::TlsContext> tls_;
  asio::ssl::context ctx_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::function<Act(int)> script_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0}, requests_{0};
  std::mutex mu_;
  std::vector<int> fds_;
  std::vector<std::thread> connections_;
  std::thread acceptThread_;
};

Request get(const std::string& target) {
  Request r;
  r.method = "GET";
  r.target = target;
  return r;
}

TEST(HttpsClientKeepAlive, ManyRequestsUseOneConnection) {
  Pki pki;
  ScriptedServer server(pki, [](int) { return Act::kKeepAlive; });
  {
    HttpsClient client(Endpoint{"127.0.0.1", server.port()}, pki.client(), 10s);
    for (int i = 0; i < 25; ++i) {
      auto res = client.send(get("/r" + std::to_string(i)));
      ASSERT_EQ(res.status, 200);
      EXPECT_EQ(res.body, "answer " + std::to_string(i) + " to /r" + std::to_string(i));
    }
    EXPECT_EQ(client.connectionsOpened(), 1u);
    // A copy shares the pool (the agent hands clients around by value).
    HttpsClient copy = client;
    EXPECT_EQ(copy.send(get("/copy")).status, 200);
    EXPECT_EQ(client.connectionsOpened(), 1u);
  }
  EXPECT_EQ(server.accepted(), 1);
  EXPECT_EQ(server.requests(), 26);
}

TEST(HttpsClientKeepAlive, AnotherTlsContextNeverReusesTheOldConnections) {
  // A renewed identity is a new TlsContext, hence a new client and a new pool.
  Pki pki;
  ScriptedServer server(pki, [](int) { return Act::kKeepAlive; });
  HttpsClient before(Endpoint{"127.0.0.1", server.port()}, pki.client(), 10s);
  ASSERT_EQ(before.send(get("/a")).status, 200);
  HttpsClient after(Endpoint{"127.0.0.1", server.port()}, pki.client(), 10s);
  ASSERT_EQ(after.send(get("/b")).status, 200);
  ASSERT_EQ(after.send(get("/c")).status, 200);
  EXPECT_EQ(after.connectionsOpened(), 1u);
  EXPECT_EQ(server.accepted(), 2);
}

TEST(HttpsClientKeepAlive, ConnectionCloseFromTheServerIsHonoured) {
  Pki pki;
  ScriptedServer server(pki, [](int) { return Act::kCloseHeader; });
  HttpsClient client(Endpoint{"127.0.0.1", server.port()}, pki.client(), 10s);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(client.send(get("/x")).status, 200);
  EXPECT_EQ(client.connectionsOpened(), 3u);
  EXPECT_EQ(server.accepted(), 3);
  EXPECT_EQ(server.requests(), 3);  // nothing was sent on a closed connection
}

TEST(HttpsClientKeepAlive, AConnectionClosedWhileIdleIsRetriedOnce) {
  Pki pki;
  // Every connection answers one request, then dies without saying so.
  ScriptedServer server(pki, [](int) { return Act::kThenDrop; });
  HttpsClient client(Endpoint{"127.0.0.1", server.port()}, pki.client(), 10s);
  ASSERT_EQ(client.send(get("/first")).status, 200);
  std::this_thread::sleep_for(100ms);  // the server has closed it by now
  auto res = client.send(get("/second"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "answer 0 to /second");  // served on a fresh connection
  EXPECT_EQ(client.connectionsOpened(), 2u);
  EXPECT_EQ(server.accepted(), 2);
  EXPECT_EQ(server.requests(), 2);
}

TEST(HttpsClientKeepAlive, AFailureAfterTheResponseStartedIsReportedNotRetried) {
  Pki pki;
  // The first request is served and kept; the second gets a truncated answer.
  ScriptedServer server(pki, [](int n) { return n == 0 ? Act::kKeepAlive : Act::kTruncate; });
  HttpsClient client(Endpoint{"127.0.0.1", server.port()}, pki.client(), 10s);
  ASSERT_EQ(client.send(get("/ok")).status, 200);
  try {
    client.send(get("/broken"));
    FAIL() << "a truncated response must be reported";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnavailable);
  }
  EXPECT_EQ(server.accepted(), 1);  // no second connection: not retried
  EXPECT_EQ(server.requests(), 2);
  // The broken connection is not kept: the next request works on a fresh one.
  ASSERT_EQ(client.send(get("/again")).status, 200);
  EXPECT_EQ(server.accepted(), 2);
}

TEST(HttpsClientKeepAlive, AnUnreachableServerIsStillAClearError) {
  Pki pki;
  std::uint16_t port;
  {
    ScriptedServer gone(pki, [](int) { return Act::kKeepAlive; });
    port = gone.port();
  }
  HttpsClient client(Endpoint{"127.0.0.1", port}, pki.client(), 5s);
  try {
    client.send(get("/"));
    FAIL() << "nobody listens";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnavailable);
    EXPECT_NE(std::string(e.what()).find("cannot connect"), std::string::npos) << e.what();
  }
}

// The real server: keep-alive across threads, and its idle timeout closing a kept
// connection, which the client retries transparently.
TEST(HttpsClientKeepAlive, RealServerIdleTimeoutAndConcurrentSenders) {
  Pki pki;
  EventLoop loop(1, 2);
  ServerLimits limits;
  limits.idleTimeout = 1s;
  std::atomic<int> handled{0};
  HttpsServer server(loop, "test", "127.0.0.1", 0, pki.server(), limits, [&](const Request& r) {
    ++handled;
    return Response{200, {{"content-type", "text/plain"}}, "ok " + r.target};
  });
  parc::testing::RunningLoop running(loop, 200ms);

  HttpsClient client(Endpoint{"127.0.0.1", server.port()}, pki.client(), 10s);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(client.send(get("/seq")).body, "ok /seq");
  EXPECT_EQ(client.connectionsOpened(), 1u);

  std::this_thread::sleep_for(1500ms);  // past the server's idle timeout
  EXPECT_EQ(client.send(get("/after-idle")).body, "ok /after-idle");
  EXPECT_EQ(client.connectionsOpened(), 2u);

  std::vector<std::thread> senders;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        auto target = "/t" + std::to_string(t) + "/" + std::to_string(i);
        if (client.send(get(target)).body == "ok " + target) ++ok;
      }
    });
  }
  for (auto& s : senders) s.join();
  EXPECT_EQ(ok.load(), 80);
  // Four threads need at most four more connections, not eighty.
  EXPECT_LE(client.connectionsOpened(), 6u);
  EXPECT_EQ(handled.load(), 91);
}

// The probe behind the server's systemd watchdog (server_app.cpp): small while the pools
// answer, growing while a handler holds the only worker, small again once it is free.
TEST(EventLoopProbe, GrowsWhileTheWorkersAreHeldAndRecovers) {
  Pki pki;
  EventLoop loop(1, 1);
  std::promise<void> release, held;
  std::shared_future<void> released = release.get_future().share();
  HttpsServer server(loop, "test", "127.0.0.1", 0, pki.server(), ServerLimits{},
                     [&](const Request&) {
                       held.set_value();
                       released.wait();
                       return Response{200, {{"content-type", "text/plain"}}, "late"};
                     });
  parc::testing::RunningLoop running(loop, 200ms);
  // Under 100 ms within a few tries: the pools' threads may still be starting (three pools;
  // slow under ASan on a busy machine), but a hung pool never gets there.
  auto settles = [&] {
    return waitFor(
        [&] {
          loop.probe();
          std::this_thread::sleep_for(20ms);
          return loop.probe() < 100ms;
        },
        1s, 0ms);
  };
  EXPECT_TRUE(settles()) << "an idle loop answers its probes at once";

  HttpsClient client(Endpoint{"127.0.0.1", server.port()}, pki.client(), 10s);
  auto answer = std::async(std::launch::async, [&] { return client.send(get("/held")).body; });
  held.get_future().wait();
  loop.probe();  // queued behind the held worker
  std::this_thread::sleep_for(300ms);
  EXPECT_GE(loop.probe(), 300ms) << "kept waiting by the held worker";
  release.set_value();
  EXPECT_EQ(answer.get(), "late");
  EXPECT_TRUE(settles()) << "answered again once the worker is free";
}

}  // namespace
}  // namespace parc::net
