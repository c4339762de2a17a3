#include "server/app/metrics_replay.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/error.h"

namespace parc::server::app {

namespace {

// Stores the copies of one page that the series lack, in runs of one receipt time (the
// rules and the presence see each batch when it really arrived).
void restore(alerts::HealthService& health, const std::vector<store::Store::MetricsCopy>& lost,
             MetricsReplay& replay) {
  std::vector<Json> payloads;
  payloads.reserve(lost.size());
  for (const auto& c : lost) {
    try {
      payloads.push_back(parseJson(c.payload));
    } catch (const Error&) {
      payloads.push_back(Json());  // refused below, as at its arrival
    }
  }
  for (std::size_t i = 0; i < lost.size();) {
    std::vector<alerts::HealthService::MetricsMessage> run;
    std::size_t end = i;
    for (; end < lost.size() && lost[end].receivedAt == lost[i].receivedAt; ++end) {
      run.push_back({lost[end].hostId, lost[end].tenantId, &lost[end].messageId, &payloads[end]});
    }
    auto why = health.ingestMetricsMany(run, lost[i].receivedAt);
    for (const auto& w : why) ++(w.empty() ? replay.restored : replay.unusable);
    i = end;
  }
}

}  // namespace

MetricsReplay replayLostMetrics(store::Store& store, alerts::HealthService& health,
                                store::Time now) {
  MetricsReplay replay;
  replay.since = health.metrics().lastIngestedAt().value_or(now) - kMetricsReplayMargin;
  if (auto newest = store.lastMessageReceivedAt())
    replay.since = std::max(replay.since, *newest - kMetricsReplayWindow);
  store.forEachMetricsCopy(replay.since, [&](std::vector<store::Store::MetricsCopy>& page) {
    replay.checked += static_cast<std::int64_t>(page.size());
    std::vector<std::pair<store::Id, std::string>> ids;
    ids.reserve(page.size());
    for (const auto& c : page) ids.emplace_back(c.hostId, c.messageId);
    auto held = health.metrics().holds(ids);
    std::vector<store::Store::MetricsCopy> lost;
    for (std::size_t i = 0; i < page.size(); ++i) {
      if (!held[i]) lost.push_back(std::move(page[i]));
    }
    restore(health, lost, replay);
  });
  return replay;
}

}  // namespace parc::server::app
