#pragma once
// One remote session on the server: the technician's WebSocket (browser or parcctl) on
// one side, the agent's stream on the other, bytes relayed both ways under the stream's
// credit windows, the session registered, a terminal recorded.
//
// Towards the client, binary frames carry the stream's bytes; text frames (except for
// the desktop, whose client is noVNC and speaks raw RFB) carry JSON:
// {"type":"ready","session":N,"window":W,"info":{…}}, {"type":"credit","bytes":N},
// {"type":"control","data":{…}},
// {"type":"end","status":"ok|refused|error","reason":"…","info":{…}}. From the client: binary =
// bytes for the host; text {"type":"resize","cols":C,"rows":R},
// {"type":"eof"} (end of an upload).
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

#include "common/net/websocket.h"
#include "server/remote/asciicast.h"
#include "server/remote/session_registry.h"
#include "server/remote/stream_hub.h"

namespace parc::server::remote {

struct RelayOptions {
  store::Id hostId = 0;
  protocol::StreamKind kind = protocol::StreamKind::kTerminal;
  Json params = Json::object();  // for the agent
  bool jsonToClient = true;      // false for noVNC
  int cols = 80, rows = 24;      // terminal
  std::string source;            // the client's address, for the audit
  /// Bytes the client may queue for a host that does not take them yet.
  std::size_t maxPendingBytes = 8 * 1024 * 1024;
};

class Relay final : public StreamEndpoint, public std::enable_shared_from_this<Relay> {
 public:
  Relay(StreamHub& hub, SessionRegistry& registry, RelayOptions options, SessionRecord record);

  // The client's WebSocket.
  void clientOpened(net::WsConnectionPtr connection);
  void clientText(const std::string& text);
  void clientBinary(const std::string& bytes);
  void clientClosed(const std::string& reason);
  /// Ends the session from the server (an administrator, shutdown).
  void terminate(const std::string& why);

  // The agent's stream.
  void opened(const protocol::StreamOpened& m) override;
  void data(std::string_view bytes) override;
  void credit(std::uint32_t bytes) override;
  void control(const Json& data) override;
  void closed(const protocol::StreamClose& m) override;

 private:
  struct Pending {
    bool control = false;
    std::string bytes;
    Json data;
  };
  void pumpLocked();
  void forwarded(std::size_t n);
  void deliveredToClient(std::size_t n);
  void endLocked(const std::string& status, const std::string& reason, const Json& info,
                 bool closeStream);
  void sendJsonLocked(const Json& j);

  StreamHub& hub_;
  SessionRegistry& registry_;
  RelayOptions options_;
  SessionRecord record_;
  std::mutex mutex_;
  net::WsConnectionPtr client_;
  protocol::StreamId stream_ = 0;
  store::Id session_ = 0;
  bool opened_ = false;
  bool ended_ = false;
  protocol::SendWindow toHost_{0};
  protocol::ReceiveWindow fromHost_;
  protocol::ReceiveWindow fromClient_;
  std::deque<Pending> pending_;
  std::size_t pendingBytes_ = 0;
  std::int64_t bytesToHost_ = 0, bytesFromHost_ = 0;
  std::unique_ptr<AsciicastRecorder> recorder_;
};

}  // namespace parc::server::remote
