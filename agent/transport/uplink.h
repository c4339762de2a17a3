#pragma once
// The agent's authenticated channel to the server for reports (mTLS, zstd bodies).
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/transport/identity.h"
#include "agent/transport/outbox.h"
#include "common/net/client.h"

namespace parc::agent::transport {

struct BatchResult {
  std::vector<std::string> done;  // stored, duplicate or rejected: remove from the outbox
  std::vector<std::pair<std::string, std::string>> rejected;  // id, reason
};

class Uplink {
 public:
  explicit Uplink(const Identity& identity);

  /// POSTs a batch to /api/v1/messages. Throws parc::Error when the server is
  /// unreachable (kUnavailable) or refuses the whole batch (the status's kind).
  BatchResult sendBatch(const std::vector<OutboxMessage>& batch,
                        const std::map<std::string, std::int64_t>& evicted) const;
  /// The same, for a body built by batchBody().
  BatchResult sendBody(const Json& body) const;

 private:
  Json post(const std::string& path, const Json& body) const;
  net::HttpsClient client_;
};

/// The body of POST /api/v1/messages for a batch (also what a control-channel report
/// carries).
Json batchBody(const std::vector<OutboxMessage>& batch,
               const std::map<std::string, std::int64_t>& evicted);
/// What the server's per-message results mean for the outbox.
BatchResult batchResult(const Json& results);

/// Sends one batch and returns its outcome; throws parc::Error when it was not taken.
using BatchSender = std::function<BatchResult(const std::vector<OutboxMessage>& batch,
                                              const std::map<std::string, std::int64_t>& evicted)>;

/// Called with each batch's outcome once its messages have left the outbox.
using BatchObserver = std::function<void(const BatchResult&)>;

/// Drains the outbox through the uplink in batches; returns how many messages were
/// acknowledged. Throws parc::Error on the first failed batch (what was acknowledged
/// before stays acknowledged). `observer` (optional) learns which ids were done.
std::size_t drainOutbox(Outbox& outbox, const BatchSender& send,
                        const BatchObserver& observer = {});
std::size_t drainOutbox(Outbox& outbox, const Uplink& uplink, const BatchObserver& observer = {});

}  // namespace parc::agent::transport
