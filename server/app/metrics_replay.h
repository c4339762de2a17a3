#pragma once
// At start, puts back into the time series the metrics batches that metrics.sqlite lost
// and parc.db holds (docs/health.md, "Storage"). metrics.sqlite commits with
// synchronous=NORMAL: a kill -9 loses nothing, but a power cut may lose its last commits,
// although their reports were acknowledged. parc.db (synchronous=FULL) keeps every batch
// as received for a day, and a WAL loses only a tail of commits: the batches received
// since the newest one metrics.sqlite still holds (less a margin) are all there is to
// check.
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

/// Checks the copies received since (newest batch held, or `now` when none is) less the
/// margin, and stores those the series lack, with the time they were received.
MetricsReplay replayLostMetrics(store::Store& store, alerts::HealthService& health,
                                store::Time now);

}  // namespace parc::server::app
