#pragma once
// The agent's end of the multiplexed streams: takes stream messages and binary frames
// from the control channel, runs one AgentStream per open stream, and cancels them all
// when the channel drops (the server has ended them on its side already).
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>

#include "agent/control/control_channel.h"
#include "agent/remote/agent_stream.h"
#include "agent/remote/remote_config.h"
#include "common/net/websocket.h"

namespace parc::agent::remote {

class StreamManager final : public control::StreamHandler {
 public:
  explicit StreamManager(RemoteSettings settings);
  ~StreamManager();
  StreamManager(const StreamManager&) = delete;
  StreamManager& operator=(const StreamManager&) = delete;

  /// The control channel (re)connected / went away.
  void attach(net::WsConnectionPtr connection) override;
  void detach() override;
  /// A text message of a stream type (protocol::isStreamMessage).
  void handleMessage(const Json& message) override;
  void handleBinary(const std::string& frame) override;
  std::size_t openCount();

 private:
  void refuse(protocol::StreamId id, const std::string& reason);
  std::shared_ptr<AgentStream> find(protocol::StreamId id);

  std::shared_ptr<const RemoteSettings> settings_;
  std::size_t maxStreams_;
  std::mutex mutex_;
  std::condition_variable done_;
  std::shared_ptr<StreamOutput> output_;
  std::map<protocol::StreamId, std::shared_ptr<AgentStream>> streams_;
  std::size_t running_ = 0;  // worker threads alive (a cancelled stream may still wind down)
};

}  // namespace parc::agent::remote
