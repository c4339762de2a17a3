#pragma once
// The server's side of the agents' control channels: who is online (kept in memory,
// written to the store in batches), and commands sent to an agent with their replies.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/net/websocket.h"
#include "common/protocol/control.h"
#include "server/store/store.h"

namespace parc::server::control {

struct Presence {
  bool online = false;
  store::Time lastSeen = 0;
  std::optional<store::Time> offlineSince;
  std::string agentVersion;
};

/// Receives what the control channel carries besides commands: stream messages and
/// binary stream frames (server/remote/stream_hub.h). Called on the channel's strand.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  virtual void streamMessage(store::Id hostId, const Json& message) = 0;
  virtual void streamData(store::Id hostId, const std::string& frame) = 0;
  /// The host's channel ended or was replaced: its streams are gone.
  virtual void channelClosed(store::Id hostId) = 0;
};

/// Stores the outbox batches agents send over the channel ("report") and answers each
/// once durable (server/control/report_workers.h). Called on a network thread: must not
/// block.
class ReportSink {
 public:
  using Answer = std::function<void(const protocol::ReportAck&)>;
  virtual ~ReportSink() = default;
  /// `source`: the agent's address, as the HTTPS route would know it; `bytes`: the size
  /// of the message as it arrived (what queueing it costs is in proportion).
  virtual void report(store::Id hostId, const std::string& source, protocol::Report report,
                      std::size_t bytes, Answer answer) = 0;
};

class ControlHub {
 public:
  /// `flushInterval`: how often presence changes are written; a host's last-seen time
  /// is rewritten at most every `lastSeenGranularity` while it stays online.
  /// `sweepInterval`: how often live channels are checked against revocation and
  /// certificate expiry (a revoked host is cut within this delay).
  ControlHub(store::Store& store, std::chrono::milliseconds flushInterval,
             std::chrono::seconds lastSeenGranularity = std::chrono::seconds(60),
             std::chrono::milliseconds sweepInterval = std::chrono::milliseconds(2000));
  ~ControlHub();
  ControlHub(const ControlHub&) = delete;
  ControlHub& operator=(const ControlHub&) = delete;

  /// The control channel's WebSocket endpoint (agent listener, permission `agent`).
  static constexpr const char* kPath = "/api/v1/control";

  /// Decides on `GET /api/v1/control` upgrades (agent listener): the client certificate
  /// must be an enrolled host's.
  net::UpgradeDecision upgrade(const net::Request& request);

  /// Sends a command and waits for its reply. kUnavailable when the host is offline,
  /// disconnects, or does not answer in time.
  protocol::Reply call(store::Id hostId, const std::string& command, const Json& payload,
                       std::chrono::seconds timeout);
  /// Where stream traffic goes; set once before the listeners start.
  void setStreamSink(StreamSink* sink) { sink_ = sink; }
  /// Where reports go; without one they are refused (503) and agents use HTTPS.
  void setReportSink(ReportSink* sink) { reports_ = sink; }
  /// Queues a text (stream control) or binary (stream data) frame to an online host;
  /// false when it is offline. `onSent` runs once written (flow control).
  bool sendText(store::Id hostId, std::string text);
  bool sendBinary(store::Id hostId, std::string frame, std::function<void()> onSent = {});
  /// Sends the host's settings now if it is online (no wait).
  void pushConfig(store::Id hostId, const Json& config);

  std::optional<Presence> presence(store::Id hostId);
  std::size_t onlineCount();
  /// Hosts with an open channel (in memory, no I/O).
  std::vector<store::Id> onlineHosts();
  /// Writes pending presence changes now (also done by the flusher and at destruction).
  void flush();

  /// Closes the host's live control channel, if any; true when one was open.
  bool disconnect(store::Id hostId);
  /// Closes channels whose host is revoked, whose certificate expired or is no longer
  /// the host's (overlap ended, merged host). Runs every sweep interval; returns how many.
  std::size_t sweep();

  /// The CA fingerprints an agent says it trusts (control hello, renewal, check-in).
  void reportAnchors(store::Id hostId, std::vector<std::string> fingerprints);
  /// Host id → reported fingerprints, for hosts that reported since the server started.
  std::unordered_map<store::Id, std::vector<std::string>> reportedAnchors();

 private:
  struct Link {
    std::uint64_t generation = 0;
    net::WsConnectionPtr connection;
    std::string fingerprint;  // of the certificate the channel was opened with
    Presence presence;
    store::Time flushedLastSeen = 0;
    bool dirty = false;
  };
  struct Pending {
    store::Id hostId;
    std::promise<protocol::Reply> reply;
  };

  net::WsHandlers handlersFor(store::Id hostId, std::uint64_t generation, std::string fingerprint,
                              std::string source);
  void opened(store::Id hostId, std::uint64_t generation, net::WsConnectionPtr connection,
              const std::string& fingerprint);
  void received(store::Id hostId, std::uint64_t generation, const std::string& text,
                const std::string& source);
  void seen(store::Id hostId, std::uint64_t generation);
  void closed(store::Id hostId, std::uint64_t generation, const std::string& reason);
  void flusherLoop();
  void sweeperLoop();
  net::WsConnectionPtr detach(store::Id hostId, const std::string* fingerprint);

  store::Store& store_;
  std::chrono::milliseconds flushInterval_;
  std::chrono::seconds granularity_;
  std::mutex mutex_;
  std::unordered_map<store::Id, Link> links_;
  std::unordered_map<std::string, std::shared_ptr<Pending>> pending_;
  std::uint64_t nextGeneration_ = 1;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread flusher_;
  std::chrono::milliseconds sweepInterval_;
  std::unordered_map<store::Id, std::vector<std::string>> anchors_;  // guarded by mutex_
  std::thread sweeper_;
  std::atomic<StreamSink*> sink_{nullptr};
  std::atomic<ReportSink*> reports_{nullptr};
  void report(store::Id hostId, std::uint64_t generation, Json message, const std::string& source,
              std::size_t bytes);
};

}  // namespace parc::server::control
