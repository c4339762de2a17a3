#pragma once
#include "server/api/router.h"
#include "server/api/services.h"

namespace parc::server::api {

/// Routes of the agent listener: enrolment (no certificate) and agent reports (mTLS).
void addAgentRoutes(Router& router, Services& services);

/// Ends a renewal's overlap when the agent presents its new certificate for the first
/// time: from then on the previous certificate is refused.
void noteCertificateInUse(store::Store& store, const store::Host& host,
                          const tls::PeerCertificate& peer);

}  // namespace parc::server::api
