#pragma once
// The agent's end of the control channel: one outbound WebSocket (wss, mTLS) kept open,
// re-dialled with jitter so that a fleet does not return in the same second.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "agent/control/commands.h"
#include "agent/transport/identity.h"
#include "common/net/websocket.h"

namespace parc::agent::control {

struct ChannelTiming {
  /// No frame for this long ends the connection; pings go at half of it (20 s), below
  /// the 30 s after which common proxies and NATs cut idle connections.
  std::chrono::seconds idleTimeout{40};
  /// First redial after a drop: uniform in [minFirstRetry, maxFirstRetry]; then
  /// exponential with full jitter up to maxRetry.
  std::chrono::milliseconds minFirstRetry{1000};
  std::chrono::milliseconds maxFirstRetry{10000};
  std::chrono::milliseconds maxRetry{300000};
};

/// What the channel carries besides commands: stream messages and binary stream frames
/// (agent/remote/stream_manager.h). Called on the channel's thread.
class StreamHandler {
 public:
  virtual ~StreamHandler() = default;
  virtual void attach(net::WsConnectionPtr connection) = 0;
  virtual void detach() = 0;
  virtual void handleMessage(const Json& message) = 0;
  virtual void handleBinary(const std::string& frame) = 0;
};

class ControlChannel {
 public:
  ControlChannel(const transport::Identity& identity, CommandRegistry commands,
                 ChannelTiming timing = {});
  ~ControlChannel();
  /// Before start(): where stream traffic goes (none: streams are not served).
  void setStreamHandler(StreamHandler* handler) { streams_ = handler; }
  void start();
  void stop();
  bool connected() const { return connected_; }
  /// Uses this identity from now on (renewed certificate, new anchors): the current
  /// connection is dropped and the channel redials at once.
  void setIdentity(const transport::Identity& identity);
  /// Sends an outbox batch (the body of POST /api/v1/messages) over the open channel
  /// and waits for the server's answer, given once the batch is durable. nullopt when
  /// the channel is down, drops, or no answer comes within `timeout`: the caller sends
  /// the batch another way (message ids make a second copy harmless).
  std::optional<protocol::ReportAck> report(const Json& batch, std::chrono::milliseconds timeout);

 private:
  void loop();
  void handle(const net::WsConnectionPtr& connection, const std::string& text);
  /// Runs a slow command on a thread of its own (at most kMaxAside at once).
  bool runAside(const net::WsConnectionPtr& connection, const protocol::Command& command);
  static constexpr std::size_t kMaxAside = 4;
  std::chrono::milliseconds retryDelay(int attempt);

  net::WsClientOptions options_;
  CommandRegistry commands_;
  ChannelTiming timing_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::shared_ptr<net::WsClient> client_;
  std::vector<std::string> anchors_;  // fingerprints reported in the hello
  bool redialNow_ = false;
  std::atomic<bool> connected_{false};
  StreamHandler* streams_ = nullptr;
  struct Aside {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<Aside> aside_;  // guarded by mutex_; joined by stop()
  // Reports waiting for their answer (guarded by mutex_): a null value until it comes.
  net::WsConnectionPtr open_;  // the connection reports go on, while connected
  std::unordered_map<std::string, std::optional<protocol::ReportAck>> reports_;
  std::condition_variable reportAnswered_;
  void answered(protocol::ReportAck ack);
  void dropReports();
};

}  // namespace parc::agent::control
