#pragma once
// Internal to parc_net: the WebSocket half shared by server upgrades and the client.
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "common/net/asio.h"
#include "common/net/tls_names.h"
#include "common/net/websocket.h"

namespace parc::net::detail {

/// Something the server can ask to stop at shutdown.
class Stoppable {
 public:
  virtual ~Stoppable() = default;
  virtual void stop() = 0;
};

/// Runs a server-side WebSocket on an accepted TLS stream after `request` asked to
/// upgrade. `callbacks` is where handlers run (a strand on the channel pool). `onEnd`
/// runs when the channel is gone (releases the connection's slot).
std::shared_ptr<Stoppable> startServerChannel(TlsStream stream,
                                              http::request<http::string_body> request,
                                              WsHandlers handlers, WsLimits limits,
                                              asio::any_io_executor callbacks,
                                              std::function<void()> onEnd);

}  // namespace parc::net::detail
