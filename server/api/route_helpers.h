#pragma once
// What the console's route groups share: JSON views of the rows, input checks, the
// audit call, and lookups that honour the caller's tenant scope.
#include <string>
#include <vector>

#include "server/api/router.h"
#include "server/api/services.h"

namespace parc::server::api {

Json toJson(const store::Tenant& t);
Json toJson(const store::EnrollmentToken& t);
Json toJson(const store::User& u);
Json toJson(const store::ApiToken& t);
Json toJson(const store::AuditEntry& e);
Json toJson(const store::InventoryChangeRow& c);
/// A host with its live presence from the control hub.
Json hostJson(const store::Host& h, control::ControlHub& hub);

template <typename T>
Json listJson(const std::vector<T>& items) {
  Json arr = Json::array();
  for (const auto& i : items) arr.push_back(toJson(i));
  return Json{{"items", arr}, {"count", items.size()}};
}

/// The request body as a JSON object; kBadRequest otherwise.
Json bodyObject(const Context& ctx);
std::string requireText(const Json& body, const char* key, size_t maxLen);
int optionalInt(const Json& body, const char* key, int fallback, int min, int max);
/// A query parameter as an integer in [min, max]; `fallback` when absent.
std::int64_t queryInt(const Context& ctx, const char* name, std::int64_t fallback, std::int64_t min,
                      std::int64_t max);

/// Appends to the audit log: who (the caller), what, on what, from where, result.
void audit(Services& s, const Context& ctx, const std::string& action, const std::string& target,
           std::optional<store::Id> tenantId, const std::string& result = "ok",
           const std::string& detail = {});

/// Audits a refusal of a signed-in caller: action `access.denied`, target "METHOD path",
/// result `denied`, the reason in the detail (no tenant: administrators of all see it).
void auditDenied(Services& s, const Context& ctx, const std::string& reason);

/// An object that exists but lies outside the caller's scope (another commune's, or
/// another user's): audited as a probe (auditDenied, detail "out of scope: …"), then
/// kNotFound "no such <what>", exactly as for an id that does not exist.
[[noreturn]] void outOfScope(Services& s, const Context& ctx, const std::string& what,
                             std::optional<store::Id> tenantId);

/// The host, tenant or token with this id, if the caller's scope covers it: otherwise
/// kNotFound, exactly as for an id that does not exist (ids reveal nothing). An id that
/// exists outside the caller's scope is a cross-tenant probe: audited (auditDenied).
store::Host scopedHost(Services& s, const Context& ctx, store::Id id);
store::Tenant scopedTenant(Services& s, const Context& ctx, store::Id id);
store::EnrollmentToken scopedToken(Services& s, const Context& ctx, store::Id id);

}  // namespace parc::server::api
