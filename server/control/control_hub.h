#pragma once
// The server's side of the agents' control channels: who is online (kept in memory,
// written to the store in batches), and commands sent to an agent with their replies.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

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

class ControlHub {
 public:
  /// `flushInterval`: how often presence changes are written; a host's last-seen time
  /// is rewritten at most every `lastSeenGranularity` while it stays online.
  ControlHub(store::Store& store, std::chrono::milliseconds flushInterval,
             std::chrono::seconds lastSeenGranularity = std::chrono::seconds(60));
  ~ControlHub();
  ControlHub(const ControlHub&) = delete;
  ControlHub& operator=(const ControlHub&) = delete;

  /// Decides on `GET /api/v1/control` upgrades (agent listener): the client certificate
  /// must be an enrolled host's.
  net::UpgradeDecision upgrade(const net::Request& request);

  /// Sends a command and waits for its reply. kUnavailable when the host is offline,
  /// disconnects, or does not answer in time.
  protocol::Reply call(store::Id hostId, const std::string& command, const Json& payload,
                       std::chrono::seconds timeout);
  /// Sends the host's settings now if it is online (no wait).
  void pushConfig(store::Id hostId, const Json& config);

  std::optional<Presence> presence(store::Id hostId);
  std::size_t onlineCount();
  /// Writes pending presence changes now (also done by the flusher and at destruction).
  void flush();

 private:
  struct Link {
    std::uint64_t generation = 0;
    net::WsConnectionPtr connection;
    Presence presence;
    store::Time flushedLastSeen = 0;
    bool dirty = false;
  };
  struct Pending {
    store::Id hostId;
    std::promise<protocol::Reply> reply;
  };

  net::WsHandlers handlersFor(store::Id hostId, std::uint64_t generation);
  void opened(store::Id hostId, std::uint64_t generation, net::WsConnectionPtr connection);
  void received(store::Id hostId, std::uint64_t generation, const std::string& text);
  void seen(store::Id hostId, std::uint64_t generation);
  void closed(store::Id hostId, std::uint64_t generation, const std::string& reason);
  void flusherLoop();

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
};

}  // namespace parc::server::control
