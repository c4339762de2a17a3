// Backup policies: the tenant's, a host's override, and the effective policy an agent
// fetches with its certificate (docs/backups.md, "Policies").
#include <spdlog/spdlog.h>

#include "common/error.h"
#include "server/api/backup_routes.h"
#include "server/api/route_helpers.h"
#include "server/backup/maintenance.h"
#include "server/backup/policies.h"
#include "server/backup/repositories.h"

namespace parc::server::api {

namespace {

using auth::Permission;
using server::backup::Policies;

Policies& policies(Services& s) {
  if (!s.backupPolicies)
    throw Error(ErrorKind::kUnavailable, "backups are not enabled on this server");
  return *s.backupPolicies;
}

Json stamp(Json j, const std::optional<store::StoredBackupPolicy>& row) {
  j["stored"] = row.has_value();
  j["updated_at"] = row ? Json(row->updatedAt) : Json(nullptr);
  j["updated_by"] = row ? Json(row->updatedBy) : Json(nullptr);
  j["enabled_since"] = row && row->enabledSince ? Json(*row->enabledSince) : Json(nullptr);
  return j;
}

net::Response getTenantPolicy(Context& ctx, Services& s) {
  store::Tenant t = scopedTenant(s, ctx, ctx.id("id"));
  auto& p = policies(s);
  return jsonResponse(200, stamp(Json{{"tenant_id", t.id},
                                      {"policy", server::backup::toJson(p.tenantPolicy(t.id))}},
                                 p.store().tenantPolicy(t.id)));
}

// PUT /api/v1/tenants/{id}/backup-policy {policy}: the whole document (missing fields
// take the defaults); validated before anything is written.
net::Response putTenantPolicy(Context& ctx, Services& s) {
  store::Tenant t = scopedTenant(s, ctx, ctx.id("id"));
  Json body = bodyObject(ctx);
  auto policy = server::backup::parseTenantPolicy(body);
  Json normal = server::backup::toJson(policy);
  auto& p = policies(s);
  // A legal hold protects records from the people who could delete them: only an
  // administrator lifts it.
  bool admin = ctx.caller.user && ctx.caller.user->role == store::Role::kAdministrator;
  if (!policy.legalHold && p.tenantPolicy(t.id).legalHold && !admin) {
    audit(s, ctx, "backup.policy.tenant", "tenant:" + std::to_string(t.id), t.id, "refused",
          "legal hold lift by a non-administrator");
    throw Error(ErrorKind::kForbidden, "only an administrator lifts a legal hold");
  }
  p.store().put(t.id, 0, normal.dump(), policy.enabled, ctx.now, ctx.caller.describe());
  audit(s, ctx, "backup.policy.tenant", "tenant:" + std::to_string(t.id), t.id, "ok",
        std::string(policy.enabled ? "enabled" : "disabled") + ", " +
            std::to_string(policy.include.size()) + " folder(s)" +
            (policy.legalHold ? ", legal hold" : ""));
  return jsonResponse(
      200, stamp(Json{{"tenant_id", t.id}, {"policy", normal}}, p.store().tenantPolicy(t.id)));
}

Json hostPolicyJson(Services& s, const store::Host& h) {
  auto& p = policies(s);
  auto over = p.hostOverride(h.id);
  auto since = p.enabledSince(h);
  return Json{{"host_id", h.id},
              {"tenant_id", h.tenantId},
              {"override", over ? *over : Json(nullptr)},
              {"tenant_policy", server::backup::toJson(p.tenantPolicy(h.tenantId))},
              {"effective", server::backup::agentPolicyJson(p.effective(h), h.id)},
              {"enabled_since", since ? Json(*since) : Json(nullptr)}};
}

net::Response getHostPolicy(Context& ctx, Services& s) {
  store::Host h = scopedHost(s, ctx, ctx.id("id"));
  return jsonResponse(200, hostPolicyJson(s, h));
}

// PUT /api/v1/hosts/{id}/backup-policy {fields}: only the fields given override the
// tenant's; the result must still be a valid policy.
net::Response putHostPolicy(Context& ctx, Services& s) {
  store::Host h = scopedHost(s, ctx, ctx.id("id"));
  Json over = server::backup::parseHostOverride(bodyObject(ctx));
  auto& p = policies(s);
  server::backup::applyOverride(p.tenantPolicy(h.tenantId), over);  // throws if unusable
  std::optional<bool> enabled;
  if (over.contains("enabled")) enabled = over["enabled"].get<bool>();
  p.store().put(h.tenantId, h.id, over.dump(), enabled, ctx.now, ctx.caller.describe());
  std::string fields;
  for (const auto& [k, v] : over.items()) fields += (fields.empty() ? "" : ", ") + k;
  audit(s, ctx, "backup.policy.host", "host:" + std::to_string(h.id), h.tenantId, "ok",
        "overrides: " + (fields.empty() ? std::string("none") : fields));
  return jsonResponse(200, hostPolicyJson(s, h));
}

net::Response deleteHostPolicy(Context& ctx, Services& s) {
  store::Host h = scopedHost(s, ctx, ctx.id("id"));
  if (!policies(s).store().removeHostPolicy(h.id))
    throw Error(ErrorKind::kNotFound, "this host has no backup policy override");
  audit(s, ctx, "backup.policy.host.delete", "host:" + std::to_string(h.id), h.tenantId);
  return jsonResponse(200, hostPolicyJson(s, h));
}

// GET /api/v1/backup/policy: the caller's effective policy (host from the certificate),
// with its own start time inside the tenant's spread window.
net::Response agentPolicy(Context& ctx, Services& s) {
  const auto& h = *ctx.caller.host;
  Json j = server::backup::agentPolicyJson(policies(s).effective(h), h.id);
  j["host_id"] = h.id;
  return jsonResponse(200, j);
}

// POST /api/v1/tenants/{id}/backups/verify {"seconds"?=120 (1–3600)}: re-hashes the
// tenant's packs from the first one for at most `seconds`; the background job goes on
// from where this stopped. Problems are audited ("damaged") and listed.
net::Response verifyTenant(Context& ctx, Services& s) {
  store::Tenant t = scopedTenant(s, ctx, ctx.id("id"));
  if (!s.backupJobs) throw Error(ErrorKind::kUnavailable, "backups are not enabled on this server");
  int seconds = 120;
  if (!ctx.request.body.empty()) seconds = optionalInt(bodyObject(ctx), "seconds", 120, 1, 3600);
  if (!s.backups || !s.backups->find(t.id))
    throw Error(ErrorKind::kNotFound, "this tenant has no backup repository");
  auto run = s.backupJobs->verify(t.id, ctx.now, std::chrono::seconds(seconds), true);
  audit(s, ctx, "backup.verify.request", "tenant:" + std::to_string(t.id), t.id,
        run.report.ok() ? "ok" : "damaged",
        std::to_string(run.report.packs) + " pack(s) checked" +
            (run.complete ? "" : ", continued in the background"));
  return jsonResponse(200, Json{{"tenant_id", t.id},
                                {"ok", run.report.ok()},
                                {"complete", run.complete},
                                {"packs", run.report.packs},
                                {"blobs", run.report.blobs},
                                {"snapshots", run.report.snapshots},
                                {"problems", run.report.problems}});
}

template <typename F>
RouteHandler bind(Services& s, F f) {
  return [&s, f](Context& ctx) { return f(ctx, s); };
}

}  // namespace

void addBackupPolicyAgentRoutes(Router& r, Services& s) {
  r.add("GET", "/api/v1/backup/policy", Permission::kAgent, bind(s, agentPolicy));
}

void addBackupPolicyConsoleRoutes(Router& r, Services& s) {
  r.add("GET", "/api/v1/tenants/{id}/backup-policy", Permission::kTenantsRead,
        bind(s, getTenantPolicy));
  r.add("PUT", "/api/v1/tenants/{id}/backup-policy", Permission::kBackupsWrite,
        bind(s, putTenantPolicy));
  r.add("GET", "/api/v1/hosts/{id}/backup-policy", Permission::kHostsRead, bind(s, getHostPolicy));
  r.add("PUT", "/api/v1/hosts/{id}/backup-policy", Permission::kBackupsWrite,
        bind(s, putHostPolicy));
  r.add("DELETE", "/api/v1/hosts/{id}/backup-policy", Permission::kBackupsWrite,
        bind(s, deleteHostPolicy));
  r.add("POST", "/api/v1/tenants/{id}/backups/verify", Permission::kBackupsWrite,
        bind(s, verifyTenant));
}

}  // namespace parc::server::api
