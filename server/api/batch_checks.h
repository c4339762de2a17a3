#pragma once
// The checks of an agent's outbox batch (the body of POST /api/v1/messages, also carried
// by the control channel's "report") before anything is stored: the batch's shape, then
// each message on its own. Pure functions of the bytes an agent sent, so that they can
// be fuzzed without a server (tests/fuzz/fuzz_agent_batch.cpp).
#include <cstddef>
#include <vector>

#include "common/json/json.h"
#include "server/store/store.h"

namespace parc::server::api {

inline constexpr std::size_t kMaxBatch = 500;

/// One message of a batch, validated (inventories summarised for the host lists);
/// throws kBadRequest / kTooLarge with the reason.
store::IncomingMessage checkMessage(const Json& m, store::Id hostId, store::Time now);

/// A batch's valid messages, and the results the agent will get for every message.
struct CheckedBatch {
  std::vector<store::IncomingMessage> valid;
  std::vector<const Json*> metrics;     // per valid message: its payload in `body` if "metrics"
                                        // (whose `payload` text is left empty)
  std::vector<std::size_t> validIndex;  // per checked valid message: its index in `results`
  Json results = Json::array();         // {"id", "status": "stored"|"rejected", "error"?}
};

/// Checks the batch's shape (throws parc::Error when the whole batch is refused: not an
/// object, another version, no message list, more than kMaxBatch messages) and each
/// message (a bad one is rejected alone, with its reason). The outbox's "evicted"
/// counts become one more event. `body` must outlive the result (metrics point into it).
CheckedBatch checkBatch(const Json& body, store::Id hostId, store::Time now);

}  // namespace parc::server::api
