#pragma once
// The network side of parc-server: an event loop (network threads + a worker pool for
// handlers) and HTTPS listeners. Plain interfaces; Beast lives in server.cpp only.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/net/http.h"
#include "common/net/websocket.h"
#include "common/tls/tls_context.h"

namespace parc::net {

class EventLoop {
 public:
  /// `workerThreads` run request handlers and upgrade decisions, so a slow database write
  /// never stalls I/O; `channelThreads` run the messages of established WebSocket channels,
  /// so a burst of them never delays a new connection or a request.
  EventLoop(int networkThreads, int workerThreads, int channelThreads = 2);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  /// Blocks until stop() or SIGINT/SIGTERM; on a signal, calls onSignal first.
  void run(const std::function<void(int)>& onSignal = {});
  /// Stops accepting, lets requests in flight finish for up to `grace`, then returns from run().
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  /// For the systemd watchdog: how long the network threads and the two pools took to run
  /// the last no-op posted to them, or have kept it waiting so far (the worst of the
  /// three), and posts the next ones. Small while all move; grows without end when one
  /// hangs.
  std::chrono::steady_clock::duration probe();

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

struct ServerLimits {
  std::size_t maxBodyBytes = 8 * 1024 * 1024;
  std::size_t maxHeaderBytes = 16 * 1024;
  std::chrono::seconds handshakeTimeout{10};
  /// Bound on reading one whole request (headers and body): slow senders are cut.
  std::chrono::seconds requestTimeout{30};
  /// Bound on an idle keep-alive connection waiting for its next request.
  std::chrono::seconds idleTimeout{60};
  /// Sessions and open WebSocket channels together; keep it under the process's open-files
  /// limit, or the databases cannot open their files when it is reached.
  std::size_t maxConnections = 60000;
  std::size_t maxConnectionsPerAddress = 1000;
};

class HttpsServer {
 public:
  /// Binds at once (throws parc::Error if the address is taken) and starts accepting.
  /// `upgrade` (optional) decides on WebSocket upgrade requests; without it they get 404.
  HttpsServer(EventLoop& loop, std::string name, const std::string& address, std::uint16_t port,
              std::shared_ptr<tls::TlsContext> tls, ServerLimits limits, Handler handler,
              UpgradeHandler upgrade = {}, WsLimits wsLimits = {});
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  std::uint16_t port() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace parc::net
