#include "server/api/fleet_routes.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <unordered_set>

#include "server/control/report_workers.h"
#include "server/forward/glpi_forwarder.h"
#include "server/health/prometheus.h"

namespace parc::server::api {

namespace {

using auth::Permission;

constexpr store::Time kStaleSeconds = 7 * 86400;
// Values older than this are not "current": a host that stopped reporting drops out of
// the scrape (Prometheus then marks its series stale) instead of freezing its last value.
constexpr store::Time kCurrentSeconds = 15 * 60;
constexpr double kDiskNearFullPct = 90;

struct ScopedFleet {
  std::map<store::Id, store::Tenant> tenants;
  std::vector<store::Host> hosts;        // in scope, not revoked
  std::unordered_set<store::Id> online;  // one read of the hub, not a lookup per host
};

ScopedFleet scopedFleet(Services& s, const Context& ctx) {
  ScopedFleet f;
  for (auto& t : s.store.listTenants(ctx.caller.scope)) f.tenants.emplace(t.id, std::move(t));
  for (store::Id id : s.hub.onlineHosts()) f.online.insert(id);
  for (auto& h : s.store.listHosts()) {
    if (!h.revoked && ctx.caller.scope.allows(h.tenantId)) f.hosts.push_back(std::move(h));
  }
  return f;
}

std::string tenantName(const ScopedFleet& f, store::Id id) {
  auto it = f.tenants.find(id);
  return it == f.tenants.end() ? std::to_string(id) : it->second.name;
}

Json summary(Services& s, alerts::HealthService& h, const Context& ctx) {
  ScopedFleet fleet = scopedFleet(s, ctx);
  std::map<store::Id, std::pair<long, long>> perTenant;  // total, online
  for (const auto& [id, t] : fleet.tenants) perTenant[id] = {0, 0};
  long online = 0, stale = 0;
  std::map<store::Id, const store::Host*> byId;
  for (const auto& host : fleet.hosts) {
    bool isOnline = fleet.online.count(host.id) > 0;
    auto& row = perTenant[host.tenantId];
    ++row.first;
    if (isOnline) {
      ++row.second;
      ++online;
    } else if (host.lastSeen.value_or(0) < ctx.now - kStaleSeconds) {
      ++stale;
    }
    byId.emplace(host.id, &host);
  }
  Json tenants = Json::array();
  for (const auto& [id, n] : perTenant) {
    tenants.push_back({{"tenant_id", id},
                       {"name", tenantName(fleet, id)},
                       {"hosts", n.first},
                       {"online", n.second}});
  }
  Json disks = Json::array();
  for (const auto& v : h.metrics().latest("disk.used_pct", ctx.now - kCurrentSeconds)) {
    auto host = byId.find(v.hostId);
    if (host == byId.end() || v.value < kDiskNearFullPct) continue;
    disks.push_back({{"host_id", v.hostId},
                     {"hostname", host->second->hostname},
                     {"tenant_id", v.tenantId},
                     {"mount", v.subject},
                     {"used_pct", v.value},
                     {"at", v.t}});
  }
  std::sort(disks.begin(), disks.end(), [](const Json& a, const Json& b) {
    return a["used_pct"].get<double>() > b["used_pct"].get<double>();
  });
  // Failing disks and stale backups: the caller's hosts with such an alert open.
  Json failingDisks = Json::array(), staleBackups = Json::array();
  for (const auto& a : h.alerts().openAlerts()) {
    auto host = byId.find(a.hostId);
    if (host == byId.end()) continue;  // another commune's, or a site-wide alert
    Json row{{"host_id", a.hostId},
             {"hostname", host->second->hostname},
             {"tenant_id", a.tenantId},
             {"subject", a.subject},
             {"since", a.openedAt}};
    if (a.ruleId == "smart_failing") failingDisks.push_back(std::move(row));
    if (a.ruleId == "backup_stale") staleBackups.push_back(std::move(row));
  }
  Json alertCounts = Json::object();
  for (const auto& [severity, n] : h.alerts().openCountsBySeverity(ctx.caller.scope.tenants)) {
    alertCounts[severity] = n;
  }
  return Json{{"hosts", fleet.hosts.size()},
              {"online", online},
              {"offline", static_cast<long>(fleet.hosts.size()) - online},
              {"stale", stale},
              {"tenants", tenants},
              {"open_alerts", alertCounts},
              {"disks_near_full", disks},
              {"failing_disks", failingDisks},
              {"stale_backups", staleBackups},
              {"disk_threshold_pct", kDiskNearFullPct}};
}

// The server's SQLite files on disk, with their write-ahead logs.
std::string databaseSizes(const std::filesystem::path& dataDir) {
  std::string out =
      health::prometheusFamily("parc_database_bytes", "gauge",
                               "Size of the server's SQLite files, write-ahead log included.");
  for (const char* name : {"parc.db", "metrics.sqlite", "alerts.sqlite", "glpi-forward.db"}) {
    std::error_code ec;
    std::uintmax_t bytes = 0;
    for (const std::string suffix : {"", "-wal"}) {
      auto size = std::filesystem::file_size(dataDir / (name + suffix), ec);
      if (!ec) bytes += size;
    }
    out += fmt::format("parc_database_bytes{{file=\"{}\"}} {}\n", name, bytes);
  }
  return out;
}

net::Response prometheus(Services& s, alerts::HealthService& h, const Context& ctx) {
  ScopedFleet fleet = scopedFleet(s, ctx);
  health::FleetCounts counts;
  std::map<store::Id, health::HostLabels> labels;
  for (const auto& [id, t] : fleet.tenants) counts.hostsByTenant[t.name] = {0, 0};
  for (const auto& host : fleet.hosts) {
    std::string tenant = tenantName(fleet, host.tenantId);
    auto& row = counts.hostsByTenant[tenant];
    ++row.first;
    if (fleet.online.count(host.id)) ++row.second;
    labels[host.id] = {host.hostname.empty() ? host.uid : host.hostname, tenant};
  }
  counts.openAlertsBySeverity = h.alerts().openCountsBySeverity(ctx.caller.scope.tenants);
  net::Response r;
  r.headers["content-type"] = "text/plain; version=0.0.4; charset=utf-8";
  r.body = health::prometheusText(
      counts, h.metrics().latest(std::nullopt, ctx.now - kCurrentSeconds), labels);
  // The server's own counters are fleet-wide: only for callers who see every commune.
  if (ctx.caller.scope.all()) {
    r.body += h.prometheusText();
    if (s.reports) r.body += s.reports->prometheusText();
    if (s.glpiForwarder) r.body += s.glpiForwarder->prometheusText();
    r.body += databaseSizes(s.config.dataDir);
    r.body += health::prometheusFamily("parc_agent_certificates_issued_total", "counter",
                                       "Agent certificates signed since start (enrolments and "
                                       "renewals).") +
              fmt::format("parc_agent_certificates_issued_total {}\n", s.ca.issuedCount());
  }
  return r;
}

}  // namespace

void addFleetRoutes(Router& r, Services& s, alerts::HealthService& health) {
  r.add("GET", "/api/v1/fleet/summary", Permission::kHostsRead,
        [&s, &health](Context& ctx) { return jsonResponse(200, summary(s, health, ctx)); });
  // Prometheus' conventional path; scraped with an API token (Authorization: Bearer).
  r.add("GET", "/metrics", Permission::kAlertsRead,
        [&s, &health](Context& ctx) { return prometheus(s, health, ctx); });
}

}  // namespace parc::server::api
