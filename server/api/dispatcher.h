#pragma once
// Turns a Router into a listener's request handler: body decoding, authentication for
// the listener's trust model, the permission check, and errors as JSON.
#include "common/net/http.h"
#include "server/api/router.h"
#include "server/api/services.h"

namespace parc::server::api {

enum class Listener { kAgent, kConsole };

net::Handler makeDispatcher(const Router& router, Services& services, Listener listener);

/// The enrolled, non-revoked host behind a verified client certificate; kUnauthorized
/// without a certificate, kForbidden for one that is not an enrolled agent's.
store::Host authenticateAgentPeer(store::Store& store, const tls::PeerCertificate& peer);

}  // namespace parc::server::api
