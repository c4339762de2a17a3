#include "server/api/remote_session_routes.h"

#include <map>

#include "common/error.h"
#include "common/files/files.h"
#include "server/api/route_helpers.h"
#include "server/remote/remote_service.h"

namespace parc::server::api {

namespace {

using auth::Permission;

remote::RemoteService& service(Services& s) {
  if (!s.remote) throw Error(ErrorKind::kUnavailable, "remote support is not running");
  return *s.remote;
}

Json sessionJson(const remote::SessionRecord& r) {
  Json j{{"id", r.id},
         {"username", r.username},
         {"host_id", r.hostId},
         {"tenant_id", r.tenantId ? Json(*r.tenantId) : Json()},
         {"kind", r.kind},
         {"started_at", r.startedAt},
         {"ended_at", r.endedAt ? Json(*r.endedAt) : Json()},
         {"bytes_to_host", r.bytesToHost},
         {"bytes_from_host", r.bytesFromHost},
         {"result", r.result},
         {"detail", r.detail},
         {"consent", r.consent},
         {"recording", r.recording},
         {"active", r.active}};
  if (r.endedAt) j["duration_seconds"] = *r.endedAt - r.startedAt;
  return j;
}

bool isAdmin(const Context& ctx) {
  return ctx.caller.user && ctx.caller.user->role == store::Role::kAdministrator;
}

// GET /api/v1/remote/sessions?limit=&active=1 — administrators see everyone's (in their
// scope), the others their own.
net::Response list(Context& ctx, Services& s) {
  int limit = static_cast<int>(queryInt(ctx, "limit", 100, 1, 1000));
  bool activeOnly = ctx.request.query("active") == "1";
  std::optional<store::Id> user;
  if (!isAdmin(ctx)) user = ctx.caller.user->id;
  Json items = Json::array();
  for (const auto& r : service(s).registry().list(user, ctx.caller.scope, limit)) {
    if (!activeOnly || r.active) items.push_back(sessionJson(r));
  }
  return jsonResponse(200, Json{{"items", items}, {"count", items.size()}});
}

// An administrator sees every session of their communes, anyone else their own: another
// user's session, or another commune's, reads as missing and the probe is audited.
void requireOwnSession(Services& s, const Context& ctx, const remote::SessionRecord& r) {
  if (r.tenantId && !ctx.caller.scope.allows(*r.tenantId))
    outOfScope(s, ctx, "session", r.tenantId);
  if (!isAdmin(ctx) && r.userId != ctx.caller.user->id) outOfScope(s, ctx, "session", std::nullopt);
}

net::Response get(Context& ctx, Services& s) {
  auto r = service(s).registry().find(ctx.id("id"));
  if (!r) throw Error(ErrorKind::kNotFound, "no such session");
  requireOwnSession(s, ctx, *r);
  return jsonResponse(200, sessionJson(*r));
}

// GET /api/v1/remote/sessions/{id}/recording: a terminal session's asciicast file, for
// whoever may read the session (administrators in their scope, the others their own; any
// other answers 404, like a session that does not exist, the probe audited). What was shown may be
// confidential: each download is audited.
net::Response recording(Context& ctx, Services& s) {
  auto r = service(s).registry().find(ctx.id("id"));
  if (!r) throw Error(ErrorKind::kNotFound, "no such session");
  requireOwnSession(s, ctx, *r);
  if (r->recording.empty()) throw Error(ErrorKind::kNotFound, "this session has no recording");
  auto cast = files::tryRead(r->recording);
  if (!cast)
    throw Error(ErrorKind::kNotFound, "the recording of session " + std::to_string(r->id) +
                                          " is no longer on the server");
  audit(s, ctx, "remote.session.recording", "session:" + std::to_string(r->id), r->tenantId, "ok",
        std::to_string(cast->size()) + " bytes");
  net::Response res;
  res.status = 200;
  res.headers["content-type"] = "application/x-asciicast";
  res.headers["content-disposition"] =
      "attachment; filename=\"session-" + std::to_string(r->id) + ".cast\"";
  res.body = std::move(*cast);
  return res;
}

// DELETE /api/v1/remote/sessions/{id}: an administrator ends anyone's, a technician theirs.
net::Response end(Context& ctx, Services& s) {
  auto& registry = service(s).registry();
  auto r = registry.find(ctx.id("id"));
  if (!r) throw Error(ErrorKind::kNotFound, "no such session");
  requireOwnSession(s, ctx, *r);
  if (!registry.end(r->id, "ended by " + ctx.caller.describe()))
    throw Error(ErrorKind::kConflict, "the session is not running");
  audit(s, ctx, "remote.session.end", "session:" + std::to_string(r->id), r->tenantId);
  return jsonResponse(200, Json{{"ended", true}, {"id", r->id}});
}

// GET /api/v1/tenants/{id}/remote-sessions?limit= — who connected to the tenant's PCs,
// when, for what and how it ended: readable by everyone who reads the tenant, town-hall
// staff and read-only accounts included (the issue's "the town hall can see who
// connected and when"). No recording path nor error detail: those stay with the
// technicians (GET /api/v1/remote/sessions) and the audit log.
net::Response tenantSessions(Context& ctx, Services& s) {
  store::Tenant t = scopedTenant(s, ctx, ctx.id("id"));
  int limit = static_cast<int>(queryInt(ctx, "limit", 100, 1, 1000));
  std::map<store::Id, std::string> hostNames;
  Json items = Json::array();
  for (const auto& r : service(s).registry().listForTenant(t.id, limit)) {
    auto name = hostNames.find(r.hostId);
    if (name == hostNames.end()) {
      auto host = s.store.findHost(r.hostId);
      name = hostNames.emplace(r.hostId, host ? host->hostname : std::string()).first;
    }
    Json j{{"id", r.id},
           {"username", r.username},
           {"host_id", r.hostId},
           {"hostname", name->second},
           {"kind", r.kind},
           {"started_at", r.startedAt},
           {"ended_at", r.endedAt ? Json(*r.endedAt) : Json()},
           {"result", r.result},
           {"consent", r.consent},
           {"active", r.active}};
    if (r.endedAt) j["duration_seconds"] = *r.endedAt - r.startedAt;
    items.push_back(std::move(j));
  }
  return jsonResponse(200, Json{{"tenant_id", t.id}, {"items", items}, {"count", items.size()}});
}

net::Response getConsent(Context& ctx, Services& s) {
  store::Tenant t = scopedTenant(s, ctx, ctx.id("id"));
  return jsonResponse(
      200, Json{{"tenant_id", t.id},
                {"policy", remote::consentPolicyName(service(s).registry().consentPolicy(t.id))}});
}

// PUT /api/v1/tenants/{id}/remote-consent {"policy": "none"|"notify"|"ask"}
net::Response setConsent(Context& ctx, Services& s) {
  store::Tenant t = scopedTenant(s, ctx, ctx.id("id"));
  Json body = bodyObject(ctx);
  auto policy = remote::consentPolicyFromName(requireText(body, "policy", 16));
  service(s).registry().setConsentPolicy(t.id, policy, ctx.now);
  audit(s, ctx, "tenant.remote_consent", "tenant:" + std::to_string(t.id), t.id, "ok",
        std::string("policy ") + remote::consentPolicyName(policy));
  return jsonResponse(200,
                      Json{{"tenant_id", t.id}, {"policy", remote::consentPolicyName(policy)}});
}

}  // namespace

void addRemoteSessionRoutes(Router& r, Services& s) {
  r.add("GET", "/api/v1/remote/sessions", Permission::kRemoteSupport,
        [&s](Context& c) { return list(c, s); });
  r.add("GET", "/api/v1/remote/sessions/{id}", Permission::kRemoteSupport,
        [&s](Context& c) { return get(c, s); });
  r.add("GET", "/api/v1/remote/sessions/{id}/recording", Permission::kRemoteSupport,
        [&s](Context& c) { return recording(c, s); });
  r.add("DELETE", "/api/v1/remote/sessions/{id}", Permission::kRemoteSupport,
        [&s](Context& c) { return end(c, s); });
  r.add("GET", "/api/v1/tenants/{id}/remote-sessions", Permission::kTenantsRead,
        [&s](Context& c) { return tenantSessions(c, s); });
  r.add("GET", "/api/v1/tenants/{id}/remote-consent", Permission::kTenantsRead,
        [&s](Context& c) { return getConsent(c, s); });
  r.add("PUT", "/api/v1/tenants/{id}/remote-consent", Permission::kTenantsWrite,
        [&s](Context& c) { return setConsent(c, s); });
}

}  // namespace parc::server::api
