#pragma once
// At start, puts back into the time series the metrics batches that metrics.sqlite lost
// and parc.db holds (docs/health.md, "Storage"). Until 2026-12-02 metrics.sqlite committed
// with synchronous=NORMAL (a power cut could take its last commits, although their reports
// were acknowledged) and parc.db (synchronous=FULL) kept every batch as received for a
// day: the batches received since the newest one metrics.sqlite still holds (less a
// margin) are all there is to check. Metrics are now acknowledged on metrics.sqlite's own
// durable commit and parc.db gets no copies: the check matters for the first start after
// the upgrade, and finds nothing to walk once the old copies are past their retention.
#include <cstdint>

#include "server/alerts/health_service.h"
#include "server/store/store.h"

namespace parc::server::app {

struct MetricsReplay {
  store::Time since = 0;      // copies received from then on were checked
  std::int64_t checked = 0;   // copies read from parc.db
  std::int64_t restored = 0;  // batches the series lacked, now stored
  std::int64_t unusable = 0;  // copies the metrics store refuses (malformed)
};

/// How far before the newest batch held the check starts: commits of the metrics store
/// follow the order of arrival only up to a report's wait in the queues.
inline constexpr store::Time kMetricsReplayMargin = 600;

/// At most this far before the newest message received: the copies' default retention
/// (a day). Without it, a metrics store that lost (or never had) a month of batches
/// would have the start walk a month of parc.db's events.
inline constexpr store::Time kMetricsReplayWindow = 24 * 3600;

/// Checks the copies received since (newest batch held, or `now` when none is) less the
/// margin, no further back than the window before the newest message received, and
/// stores those the series lack, with the time they were received.
MetricsReplay replayLostMetrics(store::Store& store, alerts::HealthService& health,
                                store::Time now);

}  // namespace parc::server::app
