// WebSocket channels behind their plain interface (common/net/websocket.h): a connection
// its user keeps after the client is gone (a command still running on another thread, a
// session object destroyed after its socket) must close cleanly. It once crashed parcctl
// now and then: the connection outlived the I/O context it was registered with.
#include "common/net/websocket.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <iterator>
#include <mutex>
#include <thread>

#include "common/crypto/x509.h"
#include "common/net/server.h"
#include "tests/common/test_pki.h"

namespace parc::net {
namespace {

using Pki = parc::testing::TestPki;

TEST(WebSocket, AConnectionMayOutliveItsClient) {
  Pki pki;
  EventLoop loop(1, 1);
  tls::ServerTlsConfig sc;
  sc.certificateChainPem = pki.certPem;
  sc.privateKeyPem = pki.keyPem;
  // An echo server.
  HttpsServer server(
      loop, "echo", "127.0.0.1", 0, tls::TlsContext::server(sc), ServerLimits{},
      [](const Request&) {
        return Response{404, {}, {}};
      },
      [](const Request&) {
        UpgradeDecision d;
        auto conn = std::make_shared<WsConnectionPtr>();
        WsHandlers h;
        h.onOpen = [conn](WsConnectionPtr c) { *conn = std::move(c); };
        h.onMessage = [conn](const std::string& text) { (*conn)->send("echo:" + text); };
        h.onClose = [conn](const std::string&) { conn->reset(); };
        d.accept = h;
        return d;
      });
  std::thread serverThread([&] { loop.run(); });
  auto threads = [] {
    return std::distance(std::filesystem::directory_iterator("/proc/self/task"),
                         std::filesystem::directory_iterator());
  };
  auto threadsBefore = threads();

  for (int round = 0; round < 20; ++round) {
    WsConnectionPtr kept;
    std::mutex mutex;
    std::condition_variable cv;
    std::string answer;
    {
      tls::ClientTlsConfig cc;
      cc.caBundlePem = pki.caPem;
      WsClientOptions o;
      o.server = Endpoint{"127.0.0.1", server.port()};
      o.path = "/ws";
      o.tls = tls::TlsContext::client(cc);
      WsClient client(o);
      WsHandlers h;
      h.onOpen = [&](WsConnectionPtr c) {
        c->send("bonjour");
        std::lock_guard lock(mutex);
        kept = std::move(c);  // the user keeps it
      };
      h.onMessage = [&](const std::string& text) {
        std::lock_guard lock(mutex);
        answer = text;
        cv.notify_all();
      };
      std::thread runner([&] { client.run(h); });
      {
        std::unique_lock lock(mutex);
        ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return !answer.empty(); }));
      }
      EXPECT_EQ(answer, "echo:bonjour");
      client.stop();
      runner.join();
    }  // the client is gone; `kept` is not
    ASSERT_TRUE(kept);
    kept->send("into the void");  // dropped, never a crash
    kept.reset();                 // the last reference: closes its socket cleanly
  }
  // A joined thread can still be listed in /proc for a moment: the kernel wakes the joiner
  // before it reaps the task. A leaked thread stays; one being reaped goes within the wait.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (threads() != threadsBefore && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(threads(), threadsBefore) << "threads left by 20 clients";
  loop.stop(std::chrono::milliseconds(500));
  serverThread.join();
}

}  // namespace
}  // namespace parc::net
