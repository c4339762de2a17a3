#pragma once
// One stream on the agent (common/protocol/stream.h): a worker thread runs the kind's
// work (PTY, file, VNC socket) while the control channel's thread feeds it what the
// server sends. Credit both ways: the worker waits for the server's credit before
// sending, and grants credit back only once it has written what it received.
#include <sys/eventfd.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/files/unique_fd.h"
#include "common/protocol/stream.h"

namespace parc::agent::remote {

/// Where a stream's frames go: the control channel's current connection.
class StreamOutput {
 public:
  virtual ~StreamOutput() = default;
  virtual void sendText(const Json& message) = 0;
  virtual void sendBinary(std::string frame) = 0;
};

class AgentStream : public std::enable_shared_from_this<AgentStream> {
 public:
  AgentStream(protocol::StreamId id, std::uint32_t sendWindow, std::shared_ptr<StreamOutput> out);
  virtual ~AgentStream() = default;
  AgentStream(const AgentStream&) = delete;
  AgentStream& operator=(const AgentStream&) = delete;

  /// Starts the worker; `onDone` runs on it when the stream is over.
  void start(Json params, std::function<void()> onDone);
  // From the control channel's thread; never block.
  void incoming(std::string_view bytes);  // kTooLarge beyond the credit granted
  void credit(std::uint32_t bytes);
  void control(const Json& data);
  /// The server closed the stream or the channel went away: the worker stops.
  void cancel(const std::string& reason);
  protocol::StreamId id() const { return id_; }

 protected:
  struct Incoming {
    bool control = false;
    std::string bytes;
    Json data;
  };
  /// The kind's work, on the worker thread. Throwing parc::Error closes the stream with
  /// "refused" (kForbidden, kNotFound, kBadRequest, kTooLarge) or "error".
  virtual void run(const Json& params) = 0;

  void opened(Json info);
  /// Sends all of `bytes`, waiting for credit; false once cancelled.
  bool sendAll(std::string_view bytes);
  /// Credit available now (no wait).
  std::size_t creditAvailable() const { return toServer_.available(); }
  /// Sends up to the credit available (call after creditAvailable() > 0).
  void sendChunk(std::string_view bytes);
  /// Next message from the server, waiting up to `timeout`; nullopt on timeout or cancel.
  std::optional<Incoming> next(std::chrono::milliseconds timeout);
  std::optional<Incoming> tryNext();
  /// After writing `n` received bytes to their destination: credit back to the server.
  void delivered(std::size_t n);
  void close(const std::string& status, const std::string& reason, Json info = Json::object());
  bool cancelled();
  /// Readable whenever something arrives, credit is granted or the stream is cancelled:
  /// for poll() loops.
  int wakeFd() const { return wake_.get(); }
  void clearWake();

 private:
  void wakeUp();

  protocol::StreamId id_;
  std::shared_ptr<StreamOutput> out_;
  protocol::SendWindow toServer_;
  protocol::ReceiveWindow fromServer_;
  UniqueFd wake_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Incoming> queue_;
  bool cancelled_ = false;
  bool closed_ = false;
  std::string cancelReason_;
};

}  // namespace parc::agent::remote
