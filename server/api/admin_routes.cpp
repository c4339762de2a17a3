// Administration: tenants, enrolment tokens, users and roles, API tokens.
#include <regex>

#include "common/crypto/hash.h"
#include "common/crypto/password.h"
#include "common/error.h"
#include "server/api/console_routes.h"
#include "server/api/route_helpers.h"
#include "server/security/password_policy.h"

namespace parc::server::api {

namespace {

using auth::Permission;

constexpr int kMaxTokenUses = 100000;
constexpr int kMaxTokenHours = 24 * 365;
constexpr int kMaxApiTokenDays = 365;

// Creating tenants and managing accounts changes who sees what: only an administrator
// who sees everything may do it.
void requireUnscoped(const Context& ctx) {
  if (!ctx.caller.scope.all())
    throw Error(ErrorKind::kForbidden, "only an administrator of every tenant may do this");
}

net::Response createTenant(Context& ctx, Services& s) {
  requireUnscoped(ctx);
  Json body = bodyObject(ctx);
  std::string name = requireText(body, "name", 200);
  std::string insee = requireText(body, "insee_code", 5);
  // INSEE commune codes: 5 characters, digits except Corsica's 2A/2B.
  static const std::regex kInsee("^(\\d{5}|2[AB]\\d{3})$");
  if (!std::regex_match(insee, kInsee)) {
    throw Error(ErrorKind::kBadRequest, "insee_code must be a 5-character INSEE commune code");
  }
  try {
    auto t = s.store.createTenant(name, insee, ctx.now);
    audit(s, ctx, "tenant.create", "tenant:" + std::to_string(t.id), t.id);
    return jsonResponse(201, toJson(t));
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kConflict)
      throw Error(ErrorKind::kConflict, "a tenant with this name exists");
    throw;
  }
}

net::Response createToken(Context& ctx, Services& s) {
  Json body = bodyObject(ctx);
  auto tenantIt = body.find("tenant_id");
  if (tenantIt == body.end() || !tenantIt->is_number_integer()) {
    throw Error(ErrorKind::kBadRequest, "field 'tenant_id' is required");
  }
  store::Tenant tenant = scopedTenant(s, ctx, tenantIt->get<store::Id>());
  int hours = optionalInt(body, "expires_in_hours", 24 * 7, 1, kMaxTokenHours);
  int maxUses = optionalInt(body, "max_uses", 1, 1, kMaxTokenUses);
  std::string description = body.value("description", std::string());
  if (description.size() > 200) throw Error(ErrorKind::kBadRequest, "description is too long");

  std::string secret = crypto::generateSecret("parc_enr");
  store::EnrollmentToken t;
  t.tenantId = tenant.id;
  t.prefix = secret.substr(0, 14);
  t.description = description;
  t.createdAt = ctx.now;
  t.expiresAt = ctx.now + static_cast<store::Time>(hours) * 3600;
  t.maxUses = maxUses;
  t.createdBy = ctx.caller.describe();
  t = s.store.createToken(t, crypto::hashSecret(secret));
  audit(s, ctx, "token.create", "token:" + std::to_string(t.id), t.tenantId);
  Json out = toJson(t);
  out["token"] = secret;  // shown once; only its hash is kept
  out["ca_fingerprint"] = s.ca.fingerprint();
  out["agent_url"] = s.config.agentUrl;
  return jsonResponse(201, out);
}

net::Response revokeToken(Context& ctx, Services& s) {
  store::EnrollmentToken token = scopedToken(s, ctx, ctx.id("id"));
  s.store.revokeToken(token.id);
  audit(s, ctx, "token.revoke", "token:" + std::to_string(token.id), token.tenantId);
  return jsonResponse(200, Json{{"id", token.id}, {"revoked", true}});
}

store::Role requireRole(const Json& body) {
  std::string name = requireText(body, "role", 32);
  auto role = store::roleFromName(name);
  if (!role) {
    throw Error(ErrorKind::kBadRequest,
                "role must be administrator, technician, helpdesk, read_only or town_hall_staff");
  }
  return *role;
}

// "tenants": null (every tenant) or an array of existing tenant ids.
void readTenantScope(Services& s, const Json& body, store::User& user) {
  auto it = body.find("tenants");
  if (it == body.end()) return;
  if (it->is_null()) {
    user.allTenants = true;
    user.tenants.clear();
    return;
  }
  if (!it->is_array())
    throw Error(ErrorKind::kBadRequest, "tenants must be null or an array of ids");
  std::vector<store::Id> ids;
  for (const auto& v : *it) {
    if (!v.is_number_integer() || !s.store.findTenant(v.get<store::Id>()))
      throw Error(ErrorKind::kBadRequest, "tenants must list existing tenant ids");
    ids.push_back(v.get<store::Id>());
  }
  user.allTenants = false;
  user.tenants = std::move(ids);
}

void checkScopeFitsRole(const store::User& user) {
  if (user.role == store::Role::kTownHallStaff && user.tenants.empty()) {
    throw Error(ErrorKind::kBadRequest, "town-hall staff accounts need their tenant(s)");
  }
}

std::string checkedPassword(const Json& body, const std::string& username) {
  std::string password = requireText(body, "password", 1024);
  auto policy = security::password_policy::check(password, username);
  if (!policy.ok()) throw Error(ErrorKind::kBadRequest, policy.message());
  return password;
}

net::Response createUser(Context& ctx, Services& s) {
  requireUnscoped(ctx);
  Json body = bodyObject(ctx);
  std::string username = requireText(body, "username", 64);
  static const std::regex kName("^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$");
  if (!std::regex_match(username, kName)) {
    throw Error(ErrorKind::kBadRequest,
                "username: letters, digits and . _ @ - only, starting with a letter or digit");
  }
  store::Role role = requireRole(body);
  std::string password = checkedPassword(body, username);
  store::User user;
  user.username = username;
  user.role = role;
  readTenantScope(s, body, user);
  checkScopeFitsRole(user);
  store::User created = s.store.createUser(username, crypto::hashPassword(password), role, ctx.now);
  created.allTenants = user.allTenants;
  created.tenants = user.tenants;
  s.store.updateUser(created);
  audit(s, ctx, "user.create", "user:" + std::to_string(created.id), std::nullopt, "ok",
        std::string("role ") + store::roleName(role));
  return jsonResponse(201, toJson(created));
}

bool isActiveAdministrator(const store::User& u) {
  return u.role == store::Role::kAdministrator && u.allTenants && !u.disabled;
}

net::Response updateUser(Context& ctx, Services& s) {
  requireUnscoped(ctx);
  auto found = s.store.findUser(ctx.id("id"));
  if (!found) throw Error(ErrorKind::kNotFound, "no such user");
  store::User user = *found;
  Json body = bodyObject(ctx);
  std::vector<std::string> changed;
  for (auto it = body.begin(); it != body.end(); ++it) {
    const std::string& key = it.key();
    if (key == "role") {
      user.role = requireRole(body);
    } else if (key == "tenants") {
      readTenantScope(s, body, user);
    } else if (key == "disabled") {
      if (!it->is_boolean()) throw Error(ErrorKind::kBadRequest, "disabled must be true or false");
      user.disabled = it->get<bool>();
    } else if (key == "password") {
      user.passwordHash = crypto::hashPassword(checkedPassword(body, user.username));
    } else if (key == "totp_enabled" && it->is_boolean() && !it->get<bool>()) {
      user.totpSecret.clear();  // a lost phone: an administrator removes the factor
      user.totpPending.clear();
    } else {
      throw Error(ErrorKind::kBadRequest, "unknown field '" + key.substr(0, 64) + "'");
    }
    changed.push_back(key);
  }
  checkScopeFitsRole(user);
  // The last administrator who sees everything cannot be demoted, scoped or disabled.
  if (isActiveAdministrator(*found) && !isActiveAdministrator(user)) {
    int admins = 0;
    for (const auto& u : s.store.listUsers()) admins += isActiveAdministrator(u) ? 1 : 0;
    if (admins <= 1)
      throw Error(ErrorKind::kConflict, "this is the last administrator of every tenant");
  }
  s.store.updateUser(user);
  // Any change of who may do what ends the user's sessions: they sign in again.
  s.store.deleteSessionsOfUser(user.id);
  std::string detail;
  for (const auto& c : changed) detail += (detail.empty() ? "" : ",") + c;
  audit(s, ctx, "user.update", "user:" + std::to_string(user.id), std::nullopt, "ok", detail);
  return jsonResponse(200, toJson(user));
}

net::Response listApiTokens(Context& ctx, Services& s) {
  bool everyone = ctx.caller.user->role == store::Role::kAdministrator && ctx.caller.scope.all() &&
                  ctx.request.query("all") == "true";
  return jsonResponse(200, listJson(s.store.listApiTokens(
                               everyone ? std::nullopt : std::optional(ctx.caller.user->id))));
}

net::Response createApiToken(Context& ctx, Services& s) {
  if (ctx.caller.apiTokenId)
    throw Error(ErrorKind::kForbidden, "an API token cannot create API tokens");
  Json body = bodyObject(ctx);
  store::ApiToken t;
  t.userId = ctx.caller.user->id;
  t.name = requireText(body, "name", 100);
  t.role = body.contains("role") ? requireRole(body) : ctx.caller.user->role;
  if (auth::lesserRole(t.role, ctx.caller.user->role) != t.role)
    throw Error(ErrorKind::kForbidden, "a token cannot have more rights than its owner");
  int days = optionalInt(body, "expires_in_days", 90, 1, kMaxApiTokenDays);
  std::string secret = crypto::generateSecret("parc_api");
  t.prefix = secret.substr(0, 14);
  t.createdAt = ctx.now;
  t.expiresAt = ctx.now + static_cast<store::Time>(days) * 86400;
  t = s.store.createApiToken(t, crypto::hashSecret(secret));
  audit(s, ctx, "api_token.create", "api_token:" + std::to_string(t.id), std::nullopt, "ok",
        std::string("role ") + store::roleName(t.role));
  Json out = toJson(t);
  out["token"] = secret;  // shown once; only its hash is kept
  return jsonResponse(201, out);
}

net::Response revokeApiToken(Context& ctx, Services& s) {
  auto token = s.store.findApiToken(ctx.id("id"));
  bool admin = ctx.caller.user->role == store::Role::kAdministrator && ctx.caller.scope.all();
  if (!token || (token->userId != ctx.caller.user->id && !admin))
    throw Error(ErrorKind::kNotFound, "no such API token");
  s.store.revokeApiToken(token->id);
  audit(s, ctx, "api_token.revoke", "api_token:" + std::to_string(token->id), std::nullopt);
  return jsonResponse(200, Json{{"id", token->id}, {"revoked", true}});
}

}  // namespace

void addAdminRoutes(Router& r, Services& s) {
  r.add("GET", "/api/v1/tenants", Permission::kTenantsRead, [&s](Context& c) {
    return jsonResponse(200, listJson(s.store.listTenants(c.caller.scope)));
  });
  r.add("POST", "/api/v1/tenants", Permission::kTenantsWrite,
        [&s](Context& c) { return createTenant(c, s); });
  r.add("GET", "/api/v1/tenants/{id}", Permission::kTenantsRead,
        [&s](Context& c) { return jsonResponse(200, toJson(scopedTenant(s, c, c.id("id")))); });
  r.add("GET", "/api/v1/tokens", Permission::kTokensRead, [&s](Context& c) {
    return jsonResponse(200, listJson(s.store.listTokens(c.caller.scope)));
  });
  r.add("POST", "/api/v1/tokens", Permission::kTokensWrite,
        [&s](Context& c) { return createToken(c, s); });
  r.add("POST", "/api/v1/tokens/{id}/revoke", Permission::kTokensWrite,
        [&s](Context& c) { return revokeToken(c, s); });
  r.add("GET", "/api/v1/users", Permission::kUsersRead, [&s](Context& c) {
    requireUnscoped(c);
    return jsonResponse(200, listJson(s.store.listUsers()));
  });
  r.add("POST", "/api/v1/users", Permission::kUsersWrite,
        [&s](Context& c) { return createUser(c, s); });
  r.add("PUT", "/api/v1/users/{id}", Permission::kUsersWrite,
        [&s](Context& c) { return updateUser(c, s); });
  r.add("GET", "/api/v1/api-tokens", Permission::kApiTokens,
        [&s](Context& c) { return listApiTokens(c, s); });
  r.add("POST", "/api/v1/api-tokens", Permission::kApiTokens,
        [&s](Context& c) { return createApiToken(c, s); });
  r.add("POST", "/api/v1/api-tokens/{id}/revoke", Permission::kApiTokens,
        [&s](Context& c) { return revokeApiToken(c, s); });
}

}  // namespace parc::server::api
