#include "server/api/route_helpers.h"

#include <charconv>

#include "common/error.h"

namespace parc::server::api {

Json toJson(const store::Tenant& t) {
  return Json{
      {"id", t.id}, {"name", t.name}, {"insee_code", t.inseeCode}, {"created_at", t.createdAt}};
}

Json toJson(const store::EnrollmentToken& t) {
  return Json{{"id", t.id},
              {"tenant_id", t.tenantId},
              {"prefix", t.prefix},
              {"description", t.description},
              {"created_at", t.createdAt},
              {"expires_at", t.expiresAt},
              {"max_uses", t.maxUses},
              {"uses", t.uses},
              {"revoked", t.revoked},
              {"created_by", t.createdBy}};
}

Json toJson(const store::User& u) {
  return Json{
      {"id", u.id},
      {"username", u.username},
      {"role", store::roleName(u.role)},
      {"tenants", u.allTenants && u.role != store::Role::kTownHallStaff ? Json() : Json(u.tenants)},
      {"disabled", u.disabled},
      {"totp_enabled", !u.totpSecret.empty()},
      {"created_at", u.createdAt}};
}

Json toJson(const store::ApiToken& t) {
  return Json{{"id", t.id},
              {"user_id", t.userId},
              {"name", t.name},
              {"prefix", t.prefix},
              {"role", store::roleName(t.role)},
              {"created_at", t.createdAt},
              {"expires_at", t.expiresAt},
              {"last_used_at", t.lastUsedAt ? Json(*t.lastUsedAt) : Json()},
              {"revoked", t.revoked}};
}

Json toJson(const store::AuditEntry& e) {
  return Json{{"id", e.id},         {"at", e.at},
              {"actor", e.actor},   {"action", e.action},
              {"target", e.target}, {"source", e.source},
              {"result", e.result}, {"tenant_id", e.tenantId ? Json(*e.tenantId) : Json()},
              {"detail", e.detail}, {"hash", e.hash}};
}

Json toJson(const store::InventoryChangeRow& c) {
  return Json{{"id", c.id},         {"at", c.at},       {"section", c.section},
              {"kind", c.kind},     {"item", c.item},   {"field", c.field},
              {"before", c.before}, {"after", c.after}, {"summary", c.summary}};
}

Json hostJson(const store::Host& h, control::ControlHub& hub) {
  Json j{{"id", h.id},
         {"tenant_id", h.tenantId},
         {"uid", h.uid},
         {"hostname", h.hostname},
         {"os", h.osName},
         {"hardware", h.hardware},
         {"serial", h.serial},
         {"enrolled_at", h.enrolledAt},
         {"last_seen", h.lastSeen ? Json(*h.lastSeen) : Json()},
         {"inventory_at", h.inventoryAt ? Json(*h.inventoryAt) : Json()},
         {"certificate_not_after", h.certNotAfter},
         {"revoked", h.revoked},
         {"match_host_id", h.matchHostId ? Json(*h.matchHostId) : Json()},
         {"online", false},
         {"offline_since", h.offlineSince ? Json(*h.offlineSince) : Json()},
         {"agent_version", h.agentVersion},
         {"clone_suspected", h.cloneSuspected}};  // docs/inventory.md, "Cloned PCs"
  // Presence in memory is exact; the store's copy is written in batches.
  if (auto p = hub.presence(h.id)) {
    j["online"] = p->online;
    j["last_seen"] = std::max<store::Time>(p->lastSeen, h.lastSeen.value_or(0));
    j["offline_since"] = p->offlineSince ? Json(*p->offlineSince) : Json();
    if (!p->agentVersion.empty()) j["agent_version"] = p->agentVersion;
  }
  return j;
}

Json bodyObject(const Context& ctx) {
  Json body = ctx.json();
  if (!body.is_object()) throw Error(ErrorKind::kBadRequest, "expected a JSON object");
  return body;
}

std::string requireText(const Json& body, const char* key, size_t maxLen) {
  auto it = body.find(key);
  if (it == body.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    throw Error(ErrorKind::kBadRequest, std::string("field '") + key + "' is required");
  }
  std::string v = it->get<std::string>();
  if (v.size() > maxLen)
    throw Error(ErrorKind::kBadRequest, std::string("field '") + key + "' is too long");
  return v;
}

int optionalInt(const Json& body, const char* key, int fallback, int min, int max) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_number_integer())
    throw Error(ErrorKind::kBadRequest, std::string("field '") + key + "' must be an integer");
  auto v = it->get<std::int64_t>();
  if (v < min || v > max) {
    throw Error(ErrorKind::kBadRequest, std::string("field '") + key + "' must be between " +
                                            std::to_string(min) + " and " + std::to_string(max));
  }
  return static_cast<int>(v);
}

std::int64_t queryInt(const Context& ctx, const char* name, std::int64_t fallback, std::int64_t min,
                      std::int64_t max) {
  std::string text = ctx.request.query(name);
  if (text.empty()) return fallback;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
    throw Error(ErrorKind::kBadRequest, std::string("parameter '") + name +
                                            "' must be an integer between " + std::to_string(min) +
                                            " and " + std::to_string(max));
  }
  return v;
}

void audit(Services& s, const Context& ctx, const std::string& action, const std::string& target,
           std::optional<store::Id> tenantId, const std::string& result,
           const std::string& detail) {
  store::AuditEntry e;
  e.at = ctx.now;
  e.actor = ctx.caller.describe();
  e.action = action;
  e.target = target;
  e.source = ctx.request.remoteAddress;
  e.result = result;
  e.tenantId = tenantId;
  e.detail = detail;
  s.store.appendAudit(e);
}

void auditDenied(Services& s, const Context& ctx, const std::string& reason) {
  audit(s, ctx, "access.denied", ctx.request.method + " " + ctx.request.path(), std::nullopt,
        "denied", reason);
}

void outOfScope(Services& s, const Context& ctx, const std::string& what,
                std::optional<store::Id> tenantId) {
  auditDenied(s, ctx,
              "out of scope: " + what +
                  (tenantId ? " of tenant " + std::to_string(*tenantId) : std::string()));
  throw Error(ErrorKind::kNotFound, "no such " + what);
}

store::Host scopedHost(Services& s, const Context& ctx, store::Id id) {
  auto host = s.store.findHost(id);
  if (!host) throw Error(ErrorKind::kNotFound, "no such host");
  if (!ctx.caller.scope.allows(host->tenantId)) outOfScope(s, ctx, "host", host->tenantId);
  return *host;
}

store::Tenant scopedTenant(Services& s, const Context& ctx, store::Id id) {
  auto tenant = s.store.findTenant(id);
  if (!tenant) throw Error(ErrorKind::kNotFound, "no such tenant");
  if (!ctx.caller.scope.allows(tenant->id)) outOfScope(s, ctx, "tenant", tenant->id);
  return *tenant;
}

store::EnrollmentToken scopedToken(Services& s, const Context& ctx, store::Id id) {
  auto token = s.store.findToken(id);
  if (!token) throw Error(ErrorKind::kNotFound, "no such token");
  if (!ctx.caller.scope.allows(token->tenantId)) outOfScope(s, ctx, "token", token->tenantId);
  return *token;
}

}  // namespace parc::server::api
