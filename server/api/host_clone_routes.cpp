// Cloned PCs (docs/inventory.md, "Cloned PCs"): a PC imaged onto others carries the
// same agent identity. The store keeps their inventories aside; here the server says
// so (log, audit, alert) and a technician accepts new hardware when it is legitimate.
#include <spdlog/spdlog.h>

#include "common/error.h"
#include "server/alerts/health_service.h"
#include "server/api/host_clones.h"
#include "server/api/route_helpers.h"
#include "server/app/health_loop.h"
#include "server/control/control_hub.h"

namespace parc::server::api {

namespace {

using auth::Permission;

// The reading of the "clone_suspected" alert rule (server/alerts/rules/defaults.cpp).
constexpr const char* kCloneMetric = "inventory.clone_suspected";

void observeClone(Services& s, const store::Host& host, store::Time now, double value) {
  if (!s.health) return;
  if (!s.health->engine().host(host.id)) s.health->setHost(hostInfo(host));
  s.health->engine().observe(host.id, {{kCloneMetric, "", value}}, now);
  s.health->engine().evaluate(now, host.id);
}

Json parsedOrNull(const std::string& text) {
  if (text.empty()) return nullptr;
  try {
    return parseJson(text);
  } catch (const Error&) {
    return nullptr;
  }
}

Json reportJson(const store::CloneReport& r, bool withDocument) {
  Json j{{"id", r.id},
         {"first_at", r.firstAt},
         {"received_at", r.receivedAt},
         {"reports", r.reports},
         {"source", r.source},
         {"recorded", parsedOrNull(r.recorded)},
         {"current", parsedOrNull(r.current)},
         {"agent_flag", parsedOrNull(r.agentFlag)},
         {"reason", r.reason},
         {"resolved_at", r.resolvedAt ? Json(*r.resolvedAt) : Json()},
         {"resolution", r.resolution}};
  if (withDocument) j["inventory"] = parsedOrNull(r.document);
  return j;
}

// GET /api/v1/hosts/{id}/clone-reports?limit=: newest first, with what they sent.
net::Response cloneReports(Context& ctx, Services& s) {
  store::Host host = scopedHost(s, ctx, ctx.id("id"));
  auto limit = static_cast<int>(queryInt(ctx, "limit", 20, 1, 100));
  Json items = Json::array();
  for (const auto& r : s.store.listCloneReports(host.id, limit))
    items.push_back(reportJson(r, true));
  return jsonResponse(200, Json{{"host_id", host.id},
                                {"clone_suspected", host.cloneSuspected},
                                {"hardware", parsedOrNull(host.hardwareFingerprint)},
                                {"items", items},
                                {"count", items.size()}});
}

// POST /api/v1/hosts/{id}/hardware/accept {"report_id"?}: the motherboard was replaced.
// The agent hears it through its settings ("accepted_hardware", pushed now and at every
// connection) and records the new hardware as its own.
net::Response acceptHardware(Context& ctx, Services& s) {
  store::Host host = scopedHost(s, ctx, ctx.id("id"));
  std::optional<store::Id> reportId;
  if (!ctx.request.body.empty()) {
    Json body = bodyObject(ctx);
    if (auto it = body.find("report_id"); it != body.end()) {
      if (!it->is_number_integer() || it->get<store::Id>() < 1)
        throw Error(ErrorKind::kBadRequest, "report_id must be a positive integer");
      reportId = it->get<store::Id>();
    }
  }
  std::string target = "host:" + std::to_string(host.id);
  std::string who = ctx.caller.user ? ctx.caller.user->username : ctx.caller.describe();
  auto accepted = s.store.acceptHardware(host.id, reportId, ctx.now, who);
  if (!accepted) {
    std::string reason = reportId ? "no such unresolved clone report for this host"
                                  : "this host is not suspected of being cloned";
    audit(s, ctx, "host.hardware.accept", target, host.tenantId, reason);
    throw Error(ErrorKind::kConflict, reason);
  }
  Json fingerprint = parseJson(*accepted);
  Json config = parseJson(s.store.hostConfig(host.id));
  if (!config.is_object()) config = Json::object();
  config["accepted_hardware"] = fingerprint;
  s.store.setHostConfig(host.id, config.dump());
  s.hub.pushConfig(host.id, config);
  audit(s, ctx, "host.hardware.accept", target, host.tenantId, "ok", *accepted);
  observeClone(s, host, ctx.now, 0);
  spdlog::info("host {} ({}): new hardware accepted by {}: {}", host.id, host.hostname,
               ctx.caller.describe(), *accepted);
  return jsonResponse(200,
                      Json{{"id", host.id}, {"clone_suspected", false}, {"hardware", fingerprint}});
}

}  // namespace

void noteCloneSuspected(Services& s, const store::Host& host, const std::string& source,
                        store::Time now, bool detected) {
  observeClone(s, host, now, 1);
  if (!detected) return;
  auto reports = s.store.listCloneReports(host.id, 1);
  std::string reason = reports.empty() ? std::string("matériel différent") : reports[0].reason;
  spdlog::warn(
      "host {} ({}): clone suspected, inventory from {} kept aside, not merged: {} / clone "
      "suspecté, inventaire gardé à part",
      host.id, host.hostname, source.empty() ? "?" : source, reason);
  store::AuditEntry e;
  e.at = now;
  e.actor = "host:" + host.uid;
  e.action = "host.clone_suspected";
  e.target = "host:" + std::to_string(host.id);
  e.source = source;
  e.result = "kept aside";
  e.tenantId = host.tenantId;
  e.detail = "Clone suspecté : " + reason;
  s.store.appendAudit(e);
}

void addHostCloneRoutes(Router& r, Services& s) {
  r.add("GET", "/api/v1/hosts/{id}/clone-reports", Permission::kHostsRead,
        [&s](Context& c) { return cloneReports(c, s); });
  r.add("POST", "/api/v1/hosts/{id}/hardware/accept", Permission::kHostsWrite,
        [&s](Context& c) { return acceptHardware(c, s); });
}

}  // namespace parc::server::api
