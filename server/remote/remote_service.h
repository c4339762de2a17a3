#pragma once
// Remote support sessions on the console listener: `GET /api/v1/hosts/{id}/sessions/{kind}`
// upgrades to a WebSocket relayed to a stream on the host's control channel
// (docs/remote-support.md, "Streams" and "Consent policies").
#include <filesystem>

#include "common/net/websocket.h"
#include "server/api/services.h"
#include "server/auth/permissions.h"
#include "server/remote/session_registry.h"
#include "server/remote/stream_hub.h"

namespace parc::server::remote {

class RemoteService {
 public:
  /// The sessions' WebSocket endpoint (console listener) and the permission it needs;
  /// the route index lists them (server_app.cpp declares them on the console router).
  static constexpr const char* kSessionsPattern = "/api/v1/hosts/{id}/sessions/{kind}";
  static constexpr auth::Permission kSessionsPermission = auth::Permission::kRemoteSupport;

  RemoteService(store::Store& store, control::ControlHub& hub,
                const std::filesystem::path& dataDir);
  ~RemoteService();
  RemoteService(const RemoteService&) = delete;
  RemoteService& operator=(const RemoteService&) = delete;

  /// Decides on console WebSocket upgrades: a signed-in user with the remote-support
  /// permission (browser: session cookie + CSRF token in `?csrf=` + the console's own
  /// Origin; scripts: bearer token, no Origin), a host in their tenant scope, online.
  net::UpgradeDecision upgrade(api::Services& services, const net::Request& request);

  SessionRegistry& registry() { return registry_; }
  StreamHub& streams() { return streams_; }

 private:
  control::ControlHub& hub_;
  SessionRegistry registry_;
  StreamHub streams_;
};

}  // namespace parc::server::remote
