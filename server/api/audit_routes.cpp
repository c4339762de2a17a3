// The audit log: filtered reading (scoped), chain verification, export.
#include "common/error.h"
#include "server/api/console_routes.h"
#include "server/api/route_helpers.h"
#include "server/auth/audit_log.h"

namespace parc::server::api {

namespace {

using auth::Permission;

// GET /api/v1/audit?actor=&action=&since=&until=&limit=&before=
net::Response listAudit(Context& ctx, Services& s) {
  store::AuditQuery q;
  q.scope = ctx.caller.scope;
  q.actor = ctx.request.query("actor").substr(0, 200);
  q.action = ctx.request.query("action").substr(0, 100);
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  if (auto v = queryInt(ctx, "since", -1, 0, kMax); v >= 0) q.since = v;
  if (auto v = queryInt(ctx, "until", -1, 0, kMax); v >= 0) q.until = v;
  q.beforeId = queryInt(ctx, "before", 0, 1, kMax);
  q.limit = static_cast<int>(queryInt(ctx, "limit", 100, 1, 1000));
  return jsonResponse(200, listJson(s.store.queryAudit(q)));
}

// The whole chain is global: only an administrator of every tenant verifies or exports it.
void requireWholeLog(const Context& ctx) {
  if (!ctx.caller.scope.all())
    throw Error(ErrorKind::kForbidden, "the whole audit log is for administrators of every tenant");
}

net::Response verify(Context& ctx, Services& s) {
  requireWholeLog(ctx);
  std::string head = ctx.request.query("head");
  auto v = auth::verifyAuditLog(
      s.store, head.empty() ? std::nullopt : std::optional<std::string>(head.substr(0, 64)));
  audit(s, ctx, "audit.verify", "", std::nullopt, v.ok ? "ok" : "broken");
  return jsonResponse(200, Json{{"ok", v.ok},
                                {"records", v.records},
                                {"first_id", v.firstId},
                                {"head", v.head},
                                {"first_bad_id", v.firstBadId ? Json(v.firstBadId) : Json()},
                                {"reason", v.reason}});
}

net::Response exportLog(Context& ctx, Services& s) {
  requireWholeLog(ctx);
  audit(s, ctx, "audit.export", "", std::nullopt);
  net::Response res;
  res.status = 200;
  res.body = auth::exportAuditLog(s.store);
  res.headers["content-type"] = "application/x-ndjson";
  res.headers["content-disposition"] = "attachment; filename=\"parc-audit.jsonl\"";
  return res;
}

}  // namespace

void addAuditRoutes(Router& r, Services& s) {
  r.add("GET", "/api/v1/audit", Permission::kAuditRead,
        [&s](Context& c) { return listAudit(c, s); });
  r.add("GET", "/api/v1/audit/verify", Permission::kAuditRead,
        [&s](Context& c) { return verify(c, s); });
  r.add("GET", "/api/v1/audit/export", Permission::kAuditRead,
        [&s](Context& c) { return exportLog(c, s); });
}

}  // namespace parc::server::api
