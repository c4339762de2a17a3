#pragma once
// The server's end of the multiplexed streams (common/protocol/stream.h): opens streams
// on an agent's control channel, routes what comes back to each stream's endpoint, and
// ends every stream of a host whose channel goes away.
#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "common/protocol/stream.h"
#include "server/control/control_hub.h"

namespace parc::server::remote {

/// What receives one stream's traffic from the agent. Calls for one stream come from
/// the host's channel strand, in order.
class StreamEndpoint {
 public:
  virtual ~StreamEndpoint() = default;
  virtual void opened(const protocol::StreamOpened& m) = 0;
  virtual void data(std::string_view bytes) = 0;
  virtual void credit(std::uint32_t bytes) = 0;
  virtual void control(const Json& data) = 0;
  /// The agent closed the stream, or its channel went away (status "error").
  virtual void closed(const protocol::StreamClose& m) = 0;
};

class StreamHub final : public control::StreamSink {
 public:
  explicit StreamHub(control::ControlHub& hub) : hub_(hub) {}

  /// Opens a stream to the host; kUnavailable when it is offline.
  protocol::StreamId open(store::Id hostId, protocol::StreamKind kind, Json params,
                          std::uint32_t window, std::shared_ptr<StreamEndpoint> endpoint);
  /// Data towards the agent (the caller holds the credit); `onSent` once written.
  bool sendData(store::Id hostId, protocol::StreamId id, std::string_view bytes,
                std::function<void()> onSent);
  void sendCredit(store::Id hostId, protocol::StreamId id, std::uint32_t bytes);
  void sendControl(store::Id hostId, protocol::StreamId id, const Json& data);
  /// Closes from this side: the agent is told, the endpoint forgotten (no callback).
  void close(store::Id hostId, protocol::StreamId id, const std::string& reason);
  std::size_t openCount();

  void streamMessage(store::Id hostId, const Json& message) override;
  void streamData(store::Id hostId, const std::string& frame) override;
  void channelClosed(store::Id hostId) override;

 private:
  struct Entry {
    store::Id hostId;
    std::shared_ptr<StreamEndpoint> endpoint;
  };
  std::shared_ptr<StreamEndpoint> find(store::Id hostId, protocol::StreamId id);
  std::shared_ptr<StreamEndpoint> take(store::Id hostId, protocol::StreamId id);

  control::ControlHub& hub_;
  std::mutex mutex_;
  std::unordered_map<protocol::StreamId, Entry> streams_;
  std::atomic<protocol::StreamId> next_{1};
};

}  // namespace parc::server::remote
