#include "server/api/host_cert_routes.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/error.h"
#include "server/api/route_helpers.h"

namespace parc::server::api {

namespace {

using auth::Permission;

std::string hostTarget(store::Id id) {
  return "host:" + std::to_string(id);
}

// POST /api/v1/hosts/{id}/revoke: the host's certificates are refused from now on, and
// its live control channel is closed at once (the sweep would within seconds anyway).
net::Response revoke(Context& ctx, Services& s) {
  store::Host host = scopedHost(s, ctx, ctx.id("id"));
  bool already = host.revoked;
  if (!already && !s.store.revokeHost(host.id)) throw Error(ErrorKind::kNotFound, "no such host");
  bool wasOnline = s.hub.disconnect(host.id);
  audit(s, ctx, "host.revoke", hostTarget(host.id), host.tenantId, "ok",
        already ? "already revoked" : "certificate " + host.certSerial + " revoked");
  spdlog::info("host {} ({}) revoked by {}", host.id, host.hostname, ctx.caller.describe());
  return jsonResponse(200, Json{{"id", host.id}, {"revoked", true}, {"disconnected", wasOnline}});
}

// POST /api/v1/hosts/{id}/match/approve: `id` is the re-enrolled PC. It is merged into
// the host it matched (same device id, same tenant), which keeps its history and takes
// the new certificate; the agent is disconnected so that it comes back as that host.
net::Response approveMatch(Context& ctx, Services& s) {
  store::Host host = scopedHost(s, ctx, ctx.id("id"));
  if (!host.matchHostId) throw Error(ErrorKind::kConflict, "this host has no pending match");
  store::Id into = *host.matchHostId;
  if (!s.store.approveHostMatch(host.id))
    throw Error(ErrorKind::kConflict, "this host has no pending match");
  s.hub.disconnect(host.id);
  audit(s, ctx, "host.match.approve", hostTarget(into), host.tenantId, "ok",
        "host " + std::to_string(host.id) + " merged into host " + std::to_string(into));
  return jsonResponse(200, Json{{"id", into}, {"merged", host.id}});
}

// POST /api/v1/hosts/{id}/match/reject: two machines after all; both rows stay.
net::Response rejectMatch(Context& ctx, Services& s) {
  store::Host host = scopedHost(s, ctx, ctx.id("id"));
  if (!host.matchHostId || !s.store.rejectHostMatch(host.id))
    throw Error(ErrorKind::kConflict, "this host has no pending match");
  audit(s, ctx, "host.match.reject", hostTarget(host.id), host.tenantId, "ok",
        "kept apart from host " + std::to_string(*host.matchHostId));
  return jsonResponse(200, Json{{"id", host.id}, {"match_host_id", nullptr}});
}

// GET /api/v1/ca: the trust anchors and, for the caller's hosts, which ones their agents
// reported: promoting a staged CA is safe once every active host knows it.
net::Response caStatus(Context& ctx, Services& s) {
  auto reported = s.hub.reportedAnchors();
  std::string staged;
  Json anchors = Json::array();
  std::vector<store::Host> hosts;
  for (auto& h : s.store.listHosts()) {
    if (!h.revoked && ctx.caller.scope.allows(h.tenantId)) hosts.push_back(std::move(h));
  }
  for (const auto& a : s.ca.anchors()) {
    if (a.state == "staged") staged = a.fingerprint;
    std::int64_t knowing = 0;
    for (const auto& h : hosts) {
      auto it = reported.find(h.id);
      if (it != reported.end() &&
          std::find(it->second.begin(), it->second.end(), a.fingerprint) != it->second.end())
        ++knowing;
    }
    anchors.push_back(Json{{"fingerprint", a.fingerprint},
                           {"state", a.state},
                           {"common_name", a.commonName},
                           {"not_after", a.notAfter},
                           {"hosts_knowing", knowing}});
  }
  // Hosts that have not shown they know the staged CA: they would be cut off if it were
  // promoted then the current one retired. At most 200 listed; the count is exact.
  Json notReady = Json::array();
  std::int64_t notReadyCount = 0, reporting = 0;
  for (const auto& h : hosts) {
    auto it = reported.find(h.id);
    if (it != reported.end()) ++reporting;
    if (staged.empty()) continue;
    bool knows = it != reported.end() &&
                 std::find(it->second.begin(), it->second.end(), staged) != it->second.end();
    if (knows) continue;
    ++notReadyCount;
    if (notReady.size() < 200)
      notReady.push_back(Json{{"id", h.id},
                              {"hostname", h.hostname},
                              {"tenant_id", h.tenantId},
                              {"reported", it != reported.end()}});
  }
  return jsonResponse(200, Json{{"active", s.ca.fingerprint()},
                                {"staged", staged.empty() ? Json() : Json(staged)},
                                {"anchors", anchors},
                                {"hosts", hosts.size()},
                                {"hosts_reporting", reporting},
                                {"hosts_without_staged", notReadyCount},
                                {"hosts_without_staged_list", notReady},
                                {"promotion_safe", !staged.empty() && notReadyCount == 0}});
}

}  // namespace

void addHostCertRoutes(Router& r, Services& s) {
  r.add("POST", "/api/v1/hosts/{id}/revoke", Permission::kHostsWrite,
        [&s](Context& c) { return revoke(c, s); });
  r.add("POST", "/api/v1/hosts/{id}/match/approve", Permission::kHostsWrite,
        [&s](Context& c) { return approveMatch(c, s); });
  r.add("POST", "/api/v1/hosts/{id}/match/reject", Permission::kHostsWrite,
        [&s](Context& c) { return rejectMatch(c, s); });
  r.add("GET", "/api/v1/ca", Permission::kHostsRead, [&s](Context& c) { return caStatus(c, s); });
}

}  // namespace parc::server::api
