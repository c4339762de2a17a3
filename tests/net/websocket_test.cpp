// WebSocket channels behind their plain interface (common/net/websocket.h): a connection
// its user keeps after the client is gone (a command still running on another thread, a
// session object destroyed after its socket) must close cleanly. It once crashed parcctl
// now and then: the connection outlived the I/O context it was registered with.
#include "common/net/websocket.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <future>
#include <iterator>
#include <mutex>
#include <thread>
#include <vector>

#include "common/crypto/x509.h"
#include "common/error.h"
#include "common/net/client.h"
#include "common/net/server.h"
#include "tests/common/test_pki.h"
#include "tests/common/wait.h"
#include "tests/net/running_loop.h"

namespace parc::net {
namespace {

using Pki = parc::testing::TestPki;
using parc::testing::RunningLoop;
using parc::testing::waitFor;

std::shared_ptr<tls::TlsContext> serverTls(const Pki& pki) {
  tls::ServerTlsConfig sc;
  sc.certificateChainPem = pki.certPem;
  sc.privateKeyPem = pki.keyPem;
  return tls::TlsContext::server(sc);
}

std::shared_ptr<tls::TlsContext> clientTls(const Pki& pki) {
  tls::ClientTlsConfig cc;
  cc.caBundlePem = pki.caPem;
  return tls::TlsContext::client(cc);
}

WsClientOptions channelTo(std::uint16_t port, std::shared_ptr<tls::TlsContext> tls) {
  WsClientOptions o;
  o.server = Endpoint{"127.0.0.1", port};
  o.path = "/ws";
  o.tls = std::move(tls);
  return o;
}

Request getRoot() {
  Request r;
  r.method = "GET";
  r.target = "/";
  return r;
}

// Requests answered with `status` and `body`, whatever they ask.
Handler answering(int status, std::string body) {
  return [status, body](const Request&) {
    return Response{status, {{"content-type", "text/plain"}}, body};
  };
}

// Every upgrade accepted, each connection with a copy of `handlers`.
UpgradeHandler accepting(WsHandlers handlers) {
  return [handlers](const Request&) {
    UpgradeDecision d;
    d.accept = handlers;
    return d;
  };
}

TEST(WebSocket, AConnectionMayOutliveItsClient) {
  Pki pki;
  EventLoop loop(1, 1);
  // An echo server.
  HttpsServer server(loop, "echo", "127.0.0.1", 0, serverTls(pki), ServerLimits{},
                     answering(404, ""), [](const Request&) {
                       UpgradeDecision d;
                       auto conn = std::make_shared<WsConnectionPtr>();
                       WsHandlers h;
                       h.onOpen = [conn](WsConnectionPtr c) { *conn = std::move(c); };
                       h.onMessage = [conn](const std::string& text) {
                         (*conn)->send("echo:" + text);
                       };
                       h.onClose = [conn](const std::string&) { conn->reset(); };
                       d.accept = h;
                       return d;
                     });
  RunningLoop running(loop);
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
      WsClient client(channelTo(server.port(), clientTls(pki)));
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
  waitFor([&] { return threads() == threadsBefore; }, std::chrono::seconds(5));
  EXPECT_EQ(threads(), threadsBefore) << "threads left by 20 clients";
}

// A channel's message may take long (a full inventory: parsed, checked, queued): the
// channel pool runs it, so the workers still decide upgrades and answer requests. With
// one thread for each, a message held on the channel pool delays neither.
TEST(WebSocket, AHeldChannelMessageDelaysNeitherUpgradesNorRequests) {
  Pki pki;
  EventLoop loop(1, 1, 1);
  std::promise<void> held, release;
  std::shared_future<void> released = release.get_future().share();
  WsHandlers holding;
  holding.onMessage = [&](const std::string& text) {
    if (text != "hold") return;
    held.set_value();
    released.wait();
  };
  HttpsServer server(loop, "test", "127.0.0.1", 0, serverTls(pki), ServerLimits{},
                     answering(200, "answered"), accepting(holding));
  RunningLoop running(loop);
  auto client = clientTls(pki);
  auto openChannel = [&] { return std::make_unique<WsClient>(channelTo(server.port(), client)); };

  auto first = openChannel();
  WsHandlers sendsHold;
  sendsHold.onOpen = [](const WsConnectionPtr& c) { c->send("hold"); };
  std::thread firstRunner([&] { first->run(sendsHold); });
  ASSERT_EQ(held.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);

  // While the message is held: a request is answered and a second channel opens (its
  // upgrade decided on the workers; the server's onOpen would wait for the channel pool).
  HttpsClient https(Endpoint{"127.0.0.1", server.port()}, client, std::chrono::seconds(10));
  auto answer = std::async(std::launch::async, [&] { return https.send(getRoot()).body; });
  auto second = openChannel();
  std::atomic<bool> secondOpen{false};
  WsHandlers notesOpen;
  notesOpen.onOpen = [&](const WsConnectionPtr&) { secondOpen = true; };
  std::thread secondRunner([&] { second->run(notesOpen); });
  bool requestAnswered = answer.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
  waitFor([&] { return secondOpen.load(); }, std::chrono::seconds(5));
  EXPECT_TRUE(requestAnswered) << "a request waited behind a channel's message";
  EXPECT_TRUE(secondOpen) << "an upgrade waited behind a channel's message";

  release.set_value();
  EXPECT_EQ(answer.get(), "answered");
  first->stop();
  second->stop();
  firstRunner.join();
  secondRunner.join();
}

// An open channel holds a descriptor as a request's connection does: the connection limit
// counts both, so that the process keeps descriptors for its files (server_app.cpp).
TEST(WebSocket, OpenChannelsCountTowardsTheConnectionLimit) {
  Pki pki;
  EventLoop loop(1, 1, 1);
  ServerLimits limits;
  limits.maxConnections = 2;
  HttpsServer server(loop, "test", "127.0.0.1", 0, serverTls(pki), limits,
                     answering(200, "answered"), accepting(WsHandlers{}));
  RunningLoop running(loop);
  auto client = clientTls(pki);
  auto request = [&] {
    try {
      return HttpsClient(Endpoint{"127.0.0.1", server.port()}, client, std::chrono::seconds(5))
          .send(getRoot())
          .status;
    } catch (const Error&) {
      return 0;  // refused: closed before the handshake
    }
  };

  struct Channel {
    std::unique_ptr<WsClient> client;
    std::thread runner;
    std::atomic<bool> open{false};
  };
  std::vector<std::unique_ptr<Channel>> channels;
  for (int i = 0; i < 2; ++i) {
    auto c = std::make_unique<Channel>();
    c->client = std::make_unique<WsClient>(channelTo(server.port(), client));
    WsHandlers h;
    h.onOpen = [open = &c->open](const WsConnectionPtr&) { *open = true; };
    c->runner = std::thread([client = c->client.get(), h] { client->run(h); });
    ASSERT_TRUE(waitFor([&] { return c->open.load(); }, std::chrono::seconds(10)))
        << "channel " << i;
    channels.push_back(std::move(c));
  }
  EXPECT_EQ(request(), 0) << "a third connection past the limit of two";

  channels[0]->client->stop();
  channels[0]->runner.join();
  EXPECT_TRUE(waitFor([&] { return request() == 200; }, std::chrono::seconds(10)))
      << "the closed channel's place is free again";

  channels[1]->client->stop();
  channels[1]->runner.join();
}

// A peer that sends faster than its messages are handled is slowed, not buffered: past
// maxUnhandledBytes the server stops reading that connection, TCP fills, and the rest
// waits on the sender's side. Nothing is lost: every message is handled, in order.
TEST(WebSocket, AFloodingPeerWaitsForTheHandlersInsteadOfFillingTheServer) {
  Pki pki;
  EventLoop loop(1, 1, 1);
  WsLimits wsLimits;
  wsLimits.maxUnhandledBytes = std::size_t{2} << 20;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::mutex mutex;
  std::vector<std::string> handled;
  WsHandlers recording;
  recording.onMessage = [&](const std::string& text) {
    if (text == "hold") released.wait();
    std::lock_guard lock(mutex);
    handled.push_back(text.substr(0, 8));
  };
  HttpsServer server(loop, "test", "127.0.0.1", 0, serverTls(pki), ServerLimits{},
                     answering(404, ""), accepting(recording), wsLimits);
  RunningLoop running(loop);

  WsClient client(channelTo(server.port(), clientTls(pki)));
  constexpr int kMessages = 64;
  constexpr std::size_t kBytes = std::size_t{900} << 10;  // 56 MiB in all, past any loopback buffer
  std::promise<WsConnectionPtr> opened;
  WsHandlers h;
  h.onOpen = [&](WsConnectionPtr c) {
    c->send("hold");
    for (int i = 0; i < kMessages; ++i) {
      std::string m = std::to_string(1000 + i);
      m.resize(kBytes, 'x');
      c->send(std::move(m));
    }
    opened.set_value(std::move(c));
  };
  std::thread runner([&] { client.run(h); });
  auto openedFuture = opened.get_future();
  ASSERT_EQ(openedFuture.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  WsConnectionPtr connection = openedFuture.get();

  std::this_thread::sleep_for(std::chrono::seconds(1));  // the server reads what it will
  EXPECT_GT(connection->queuedBytes(), kMessages * kBytes / 2)
      << "the server kept reading while its handler was held";

  release.set_value();
  waitFor(
      [&] {
        std::lock_guard lock(mutex);
        return handled.size() == kMessages + 1;
      },
      std::chrono::seconds(30));
  {
    std::lock_guard lock(mutex);
    ASSERT_EQ(handled.size(), kMessages + 1u);
    for (int i = 0; i < kMessages; ++i)
      EXPECT_EQ(handled[i + 1].substr(0, 4), std::to_string(1000 + i));
  }
  EXPECT_EQ(connection->queuedBytes(), 0u);
  connection.reset();
  client.stop();
  runner.join();
}

}  // namespace
}  // namespace parc::net
