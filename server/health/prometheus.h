#pragma once
// The fleet in Prometheus' text exposition format (version 0.0.4), for a Prometheus or
// VictoriaMetrics that scrapes `GET /metrics` with an API token (docs/health.md).
// Label values come from agents (host names, disk mount points): they are escaped as
// the format requires, and metric names are reduced to [a-zA-Z0-9_].
#include <map>
#include <string>
#include <vector>

#include "server/health/metrics_store.h"

namespace parc::server::health {

struct HostLabels {
  std::string host;    // host name as the agent reported it
  std::string tenant;  // the commune's name
};

struct FleetCounts {
  std::map<std::string, std::pair<long, long>> hostsByTenant;  // tenant → (total, online)
  std::map<std::string, long> openAlertsBySeverity;
};

/// "disk.used_pct" → "parc_agent_disk_used_pct": agent metrics have their own prefix,
/// which no family of the server's (parc_hosts, parc_metric_batches_total…) starts with.
std::string prometheusName(const std::string& metric);
/// A label value escaped for the text format (backslash, double quote, line feed).
std::string prometheusLabel(const std::string& value);
/// The "# HELP" and "# TYPE" lines that open a metric family (`type`: gauge, counter,
/// summary); every family the server exposes starts with them.
std::string prometheusFamily(const std::string& name, const std::string& type,
                             const std::string& help);

/// The exposition: fleet counts, then one gauge per metric name with a sample per
/// series (labels host, tenant, subject), timestamps in milliseconds.
std::string prometheusText(const FleetCounts& counts, const std::vector<LatestValue>& values,
                           const std::map<Id, HostLabels>& hosts);

}  // namespace parc::server::health
