#pragma once
#include <chrono>

#include "server/api/router.h"
#include "server/api/services.h"

namespace parc::server::api {

/// Routes of the agent listener: enrolment (no certificate) and agent reports (mTLS).
void addAgentRoutes(Router& router, Services& services);

/// Stores one outbox batch from `host` (the body of POST /api/v1/messages, also carried
/// by the control channel's "report"): each message once by id, answered only once
/// durable. Returns the per-message results; throws parc::Error when the whole batch is
/// refused (version, shape, size). `source`: the reporting address, kept with the
/// inventories of a suspected clone (docs/inventory.md, "Cloned PCs").
Json ingestBatch(Services& s, const store::Host& host, const Json& body, store::Time now,
                 const std::string& source = "");

/// One report of ingestBatches: in, the host, its parsed body and address; out, the
/// per-message results, or the error that refused the whole batch.
struct IngestReport {
  const store::Host* host = nullptr;
  const Json* body = nullptr;
  std::string source;
  Json results;
  std::exception_ptr error;
  /// Sent over the control channel, whose hub writes the host's presence (last_seen) in
  /// batches: the store need not touch the host's row for each report.
  bool overChannel = false;
};
/// Where ingestBatches spent its time: the stores' commits (the metrics store's, then
/// parc.db's group commit, waiting for them included), health (events and presence for the
/// rules), and the per-report finish.
struct IngestTimings {
  std::chrono::steady_clock::duration store{}, health{}, finish{};
};
/// ingestBatch for the reports of many hosts at once: their messages are stored in one
/// transaction of each store (one fsync), each report still answered on its own.
IngestTimings ingestBatches(Services& s, std::vector<IngestReport>& reports, store::Time now);

/// Ends a renewal's overlap when the agent presents its new certificate for the first
/// time: from then on the previous certificate is refused.
void noteCertificateInUse(store::Store& store, const store::Host& host,
                          const tls::PeerCertificate& peer);

}  // namespace parc::server::api
