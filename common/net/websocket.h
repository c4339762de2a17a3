#pragma once
// WebSocket channels (over the same TLS as HTTPS) behind plain interfaces: the agent's
// control channel (text frames) and its multiplexed streams (binary frames), and the
// console's session sockets. Beast stays in websocket.cpp.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/net/http.h"
#include "common/tls/tls_context.h"

namespace parc::net {

/// One open WebSocket, either side. Thread-safe.
class WsConnection {
 public:
  virtual ~WsConnection() = default;
  /// Queues a text message (one writer sends them in order); dropped once closing.
  virtual void send(std::string text) = 0;
  /// Queues a binary message. `onSent` (optional) runs on the connection's I/O thread
  /// once the frame is written to the socket (or dropped because the connection ended):
  /// what end-to-end flow control waits for. The default refuses: text-only peers.
  virtual void sendBinary(std::string bytes, std::function<void()> onSent = {});
  /// Bytes queued and not yet written (text and binary).
  virtual std::size_t queuedBytes() const { return 0; }
  /// Sends a close frame after what is queued; the peer's answer ends the connection.
  virtual void close() = 0;
};
using WsConnectionPtr = std::shared_ptr<WsConnection>;

/// What the application does with a connection. Called in order, never concurrently
/// for one connection (on a channel-pool strand on the server, the caller's thread on clients).
struct WsHandlers {
  std::function<void(WsConnectionPtr)> onOpen;
  std::function<void(const std::string&)> onMessage;
  /// Binary messages; without this handler a binary message closes the connection.
  std::function<void(const std::string&)> onBinary;
  /// Any frame from the peer, pings and pongs included: presence. For a message, it runs
  /// just before onMessage or onBinary, in the same callback.
  std::function<void()> onActivity;
  std::function<void(const std::string& reason)> onClose;
};

struct WsLimits {
  std::size_t maxMessageBytes = 1024 * 1024;
  std::size_t maxQueuedMessages = 16384;
  /// Messages read but not yet handled, per connection: past this, reading pauses until
  /// the handlers catch up. A peer that sends faster than it is served (a compromised PC
  /// flooding its channel) is slowed by TCP instead of filling the server's memory.
  std::size_t maxUnhandledBytes = std::size_t{8} << 20;
  /// No frame for this long closes the connection; a ping is sent at half of it, so
  /// proxies that cut idle connections see traffic well before they would.
  std::chrono::seconds idleTimeout{40};
  std::chrono::seconds handshakeTimeout{15};
};

/// The server's answer to an upgrade request: accept with handlers, or refuse.
struct UpgradeDecision {
  std::optional<WsHandlers> accept;
  Response refusal;
};
/// Runs on a worker thread, like Handler. Request.peer holds the client certificate.
using UpgradeHandler = std::function<UpgradeDecision(const Request&)>;

struct WsClientOptions {
  Endpoint server;
  std::string path;
  std::shared_ptr<tls::TlsContext> tls;
  WsLimits limits;
  /// Extra request headers (Cookie, Origin, Authorization) for console sockets.
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Connects and runs the channel on the calling thread until it ends; returns why it
/// ended ("closed by server", "timeout", "TLS …"). Never throws for network failures.
/// `stopSignal` is set by the caller's `stop()` handle to end it from another thread.
class WsClient {
 public:
  explicit WsClient(WsClientOptions options);
  /// Only once run() has returned: ends what the client left pending.
  ~WsClient();
  std::string run(const WsHandlers& handlers);
  /// Ends run() promptly from any thread (sends a close frame if connected).
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace parc::net
