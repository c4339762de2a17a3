// The host's REST routes and the guard every module route goes through:
//   tenant outside the caller's scope, or module inactive for it → 404 (reveals nothing);
//   no module role allowing the route → 403. Administrators of every tenant hold every role.
#include <cstdlib>
#include <memory>
#include <regex>

#include "common/error.h"
#include "server/api/route_helpers.h"
#include "server/modules/module_host.h"
#include "server/modules/registry.h"
#include "server/modules/routes.h"

namespace parc::modules {

namespace {

using server::api::Context;
using server::api::jsonResponse;
using server::api::Services;
using server::auth::Permission;
using Host = std::shared_ptr<ModuleHost>;

std::filesystem::path communesPath() {
  if (const char* p = std::getenv("PARC_COMMUNES_CSV"); p && *p) return p;
  return PARC_COMMUNES_CSV_DEFAULT;
}

bool isFullAdministrator(const Context& ctx) {
  return ctx.caller.user && ctx.caller.user->role == server::store::Role::kAdministrator &&
         ctx.caller.scope.all();
}

void requireUnscoped(const Context& ctx) {
  if (!ctx.caller.scope.all())
    throw Error(ErrorKind::kForbidden, "only an administrator of every tenant may do this");
}

Json profileJson(const TenantProfile& p, const server::store::Tenant& t, const Communes& c) {
  auto commune = c.name(t.inseeCode);
  return Json{{"tenant_id", p.tenantId},
              {"legal_name", p.legalName},
              {"siret", p.siret},
              {"siren", p.siret.size() == 14 ? p.siret.substr(0, 9) : ""},
              {"vat_id", p.vatId},
              {"address_line1", p.addressLine1},
              {"address_line2", p.addressLine2},
              {"postcode", p.postcode},
              {"city", p.city},
              {"email", p.email},
              {"phone", p.phone},
              {"iban", p.iban},
              {"bic", p.bic},
              {"sepa_creditor_id", p.sepaCreditorId},
              {"ordonnateur_name", p.ordonnateurName},
              {"ordonnateur_title", p.ordonnateurTitle},
              {"payment_days", p.paymentDays},
              {"insee_code", t.inseeCode},
              {"commune", commune ? Json(*commune) : Json()},
              {"commune_check", !c.available() ? "reference unavailable"
                                : commune      ? "ok"
                                               : "unknown code"}};
}

std::string optText(const Json& body, const char* key, size_t maxLen, const std::string& fallback) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_string()) throw Error(ErrorKind::kBadRequest, std::string(key) + " must be text");
  std::string v = it->get<std::string>();
  if (v.size() > maxLen) throw Error(ErrorKind::kBadRequest, std::string(key) + " is too long");
  return v;
}

net::Response putProfile(Context& ctx, Services& s, const Host& host) {
  requireUnscoped(ctx);
  auto tenant = server::api::scopedTenant(s, ctx, ctx.id("id"));
  Json body = server::api::bodyObject(ctx);
  auto lock = host->lock();
  TenantProfile p = ModuleHost::profile(host->db(), tenant.id);
  p.legalName = optText(body, "legal_name", 200, p.legalName);
  p.siret = optText(body, "siret", 14, p.siret);
  p.vatId = optText(body, "vat_id", 13, p.vatId);
  p.addressLine1 = optText(body, "address_line1", 200, p.addressLine1);
  p.addressLine2 = optText(body, "address_line2", 200, p.addressLine2);
  p.postcode = optText(body, "postcode", 10, p.postcode);
  p.city = optText(body, "city", 100, p.city);
  p.email = optText(body, "email", 200, p.email);
  p.phone = optText(body, "phone", 30, p.phone);
  p.iban = optText(body, "iban", 34, p.iban);
  p.bic = optText(body, "bic", 11, p.bic);
  p.sepaCreditorId = optText(body, "sepa_creditor_id", 35, p.sepaCreditorId);
  p.ordonnateurName = optText(body, "ordonnateur_name", 200, p.ordonnateurName);
  p.ordonnateurTitle = optText(body, "ordonnateur_title", 200, p.ordonnateurTitle);
  p.paymentDays = server::api::optionalInt(body, "payment_days", p.paymentDays, 0, 120);
  if (!p.siret.empty() && !validSiret(p.siret))
    throw Error(ErrorKind::kBadRequest, "siret must be 14 digits with a valid check digit");
  if (!p.vatId.empty() &&
      (!validVatIdFr(p.vatId) || (!p.siret.empty() && p.vatId.substr(4) != p.siret.substr(0, 9))))
    throw Error(ErrorKind::kBadRequest,
                "vat_id must be the French VAT identifier of the SIRET's SIREN (FR + key + SIREN)");
  if (!p.iban.empty() && !validIban(p.iban))
    throw Error(ErrorKind::kBadRequest, "iban is not a valid IBAN (no spaces, check digits)");
  if (!p.bic.empty() && !validBic(p.bic))
    throw Error(ErrorKind::kBadRequest, "bic is not a valid BIC");
  if (!p.sepaCreditorId.empty() && !validCreditorId(p.sepaCreditorId))
    throw Error(ErrorKind::kBadRequest, "sepa_creditor_id is not a valid SEPA creditor identifier");
  // The commune code was checked for its shape at tenant creation; here against the COG.
  if (host->communes().available() && !host->communes().name(tenant.inseeCode))
    throw Error(ErrorKind::kBadRequest, "the tenant's INSEE code " + tenant.inseeCode +
                                            " is not a current commune of the COG");
  ModuleHost::saveProfile(host->db(), p);
  server::api::audit(s, ctx, "tenant.profile.update", "tenant:" + std::to_string(tenant.id),
                     tenant.id);
  return jsonResponse(200, profileJson(p, tenant, host->communes()));
}

Json modulesOfTenant(sqlite::Database& db, std::int64_t tenantId) {
  auto active = ModuleHost::activeModules(db, tenantId);
  Json out = Json::array();
  for (const auto& m : registry())
    out.push_back({{"name", m.name}, {"title", m.title}, {"active", active.count(m.name) > 0}});
  return out;
}

net::Response putTenantModules(Context& ctx, Services& s, const Host& host) {
  requireUnscoped(ctx);
  auto tenant = server::api::scopedTenant(s, ctx, ctx.id("id"));
  Json body = server::api::bodyObject(ctx);
  auto it = body.find("active");
  if (it == body.end() || !it->is_array())
    throw Error(ErrorKind::kBadRequest, "field 'active' must be the list of module names");
  std::set<std::string> wanted;
  for (const auto& n : *it) {
    if (!n.is_string() || !findModule(n.get<std::string>()))
      throw Error(ErrorKind::kBadRequest, "unknown module in 'active'");
    wanted.insert(n.get<std::string>());
  }
  auto lock = host->lock();
  auto before = ModuleHost::activeModules(host->db(), tenant.id);
  {
    sqlite::Transaction tx(host->db());
    for (const auto& m : registry())
      ModuleHost::setActive(host->db(), tenant.id, m.name, wanted.count(m.name) > 0, ctx.now);
    tx.commit();
  }
  for (const auto& m : registry()) {
    bool was = before.count(m.name) > 0, now = wanted.count(m.name) > 0;
    if (was != now)
      server::api::audit(s, ctx, now ? "module.activate" : "module.deactivate", "module:" + m.name,
                         tenant.id);
  }
  return jsonResponse(200, Json{{"items", modulesOfTenant(host->db(), tenant.id)}});
}

Json grantsJson(const std::vector<RoleGrant>& grants) {
  Json out = Json::array();
  for (const auto& g : grants)
    out.push_back({{"tenant_id", g.tenantId}, {"module", g.module}, {"role", g.role}});
  return out;
}

net::Response putUserRoles(Context& ctx, Services& s, const Host& host) {
  requireUnscoped(ctx);
  auto user = s.store.findUser(ctx.id("id"));
  if (!user) throw Error(ErrorKind::kNotFound, "no such user");
  Json body = server::api::bodyObject(ctx);
  auto it = body.find("roles");
  if (it == body.end() || !it->is_array())
    throw Error(ErrorKind::kBadRequest, "field 'roles' must be a list");
  std::vector<RoleGrant> grants;
  for (const auto& g : *it) {
    if (!g.is_object() || !g.contains("tenant_id") || !g["tenant_id"].is_number_integer())
      throw Error(ErrorKind::kBadRequest, "each role needs tenant_id, module and role");
    auto tenant = s.store.findTenant(g["tenant_id"].get<std::int64_t>());
    if (!tenant) throw Error(ErrorKind::kBadRequest, "no such tenant");
    // A role in a tenant the account cannot see would be a dead letter, or worse.
    if (!server::store::TenantScope::of(*user).allows(tenant->id))
      throw Error(ErrorKind::kBadRequest,
                  "the user's tenant scope does not include tenant " + std::to_string(tenant->id));
    grants.push_back({tenant->id, server::api::requireText(g, "module", 40),
                      server::api::requireText(g, "role", 40)});
  }
  auto lock = host->lock();
  ModuleHost::setGrants(host->db(), user->id, grants);
  server::api::audit(s, ctx, "user.module_roles", "user:" + user->username, std::nullopt, "ok",
                     std::to_string(grants.size()) + " role(s)");
  return jsonResponse(200, Json{{"items", grantsJson(ModuleHost::grantsOf(host->db(), user->id))}});
}

// What the console needs for its navigation: per visible tenant, its active modules and
// the caller's roles in each.
net::Response myModules(Context& ctx, Services& s, const Host& host) {
  auto tenants = s.store.listTenants(ctx.caller.scope);
  auto lock = host->lock();
  Json items = Json::array();
  for (const auto& t : tenants) {
    for (const auto& name : ModuleHost::activeModules(host->db(), t.id)) {
      const Module* m = findModule(name);
      if (!m) continue;
      std::set<std::string> roles;
      if (isFullAdministrator(ctx))
        for (const auto& r : m->roles) roles.insert(r.name);
      else if (ctx.caller.user)
        roles = ModuleHost::rolesOf(host->db(), ctx.caller.user->id, t.id, name);
      if (roles.empty()) continue;
      items.push_back({{"tenant_id", t.id},
                       {"tenant_name", t.name},
                       {"module", name},
                       {"title", m->title},
                       {"nav_label", m->navLabel.empty() ? m->title : m->navLabel},
                       {"roles", roles}});
    }
  }
  Json catalogue = Json::array();
  for (const auto& m : registry()) {
    Json roles = Json::array();
    for (const auto& r : m.roles) roles.push_back({{"name", r.name}, {"label", r.label}});
    catalogue.push_back({{"name", m.name},
                         {"title", m.title},
                         {"nav_label", m.navLabel.empty() ? m.title : m.navLabel},
                         {"roles", roles}});
  }
  return jsonResponse(200, Json{{"items", items}, {"modules", catalogue}});
}

void addModuleRoute(server::api::Router& router, Services& services, const Host& host,
                    const Module& module, const ModuleRoute& route) {
  std::string pattern = "/api/v1/modules/" + module.name + "/tenants/{tenant}" + route.path;
  std::string name = module.name;
  std::vector<std::string> allowed = route.roles;
  ModuleHandler handler = route.handler;
  const Module* m = &module;
  router.add(
      route.method, pattern, Permission::kAuthenticated,
      [&services, host, name, allowed, handler, m](Context& ctx) {
        std::int64_t tenantId = ctx.id("tenant");
        if (!ctx.caller.scope.allows(tenantId) || !services.store.findTenant(tenantId))
          throw Error(ErrorKind::kNotFound, "no such tenant");
        auto lock = host->lock();
        if (!ModuleHost::isActive(host->db(), tenantId, name))
          throw Error(ErrorKind::kNotFound, "module " + name + " is not active here");
        std::set<std::string> roles;
        if (isFullAdministrator(ctx))
          for (const auto& r : m->roles) roles.insert(r.name);
        else if (ctx.caller.user)
          roles = ModuleHost::rolesOf(host->db(), ctx.caller.user->id, tenantId, name);
        // Without any role in the module, the caller learns nothing of it either.
        if (roles.empty())
          throw Error(ErrorKind::kNotFound, "module " + name + " is not active here");
        bool ok = false;
        for (const auto& r : allowed) ok = ok || roles.count(r) > 0;
        if (!ok)
          throw Error(
              ErrorKind::kForbidden, "your module roles do not allow this (needs one of: " + [&] {
                std::string s;
                for (const auto& r : allowed) s += (s.empty() ? "" : ", ") + r;
                return s;
              }() + ")");
        ModuleContext mctx{ctx, services, *host, host->db(), tenantId, roles};
        return handler(mctx);
      });
}

}  // namespace

void ModuleContext::audit(const std::string& action, const std::string& target,
                          const std::string& detail) const {
  server::api::audit(services, http, action, target, tenantId, "ok", detail);
}

void addRoutes(server::api::Router& router, Services& services) {
  auto host = std::make_shared<ModuleHost>(services.config.dataDir / "parc.db", communesPath());
  router.add("GET", "/api/v1/modules", Permission::kAuthenticated,
             [&services, host](Context& ctx) { return myModules(ctx, services, host); });
  router.add("GET", "/api/v1/tenants/{id}/modules", Permission::kTenantsWrite,
             [&services, host](Context& ctx) {
               auto tenant = server::api::scopedTenant(services, ctx, ctx.id("id"));
               auto lock = host->lock();
               return jsonResponse(200, Json{{"items", modulesOfTenant(host->db(), tenant.id)}});
             });
  router.add("PUT", "/api/v1/tenants/{id}/modules", Permission::kTenantsWrite,
             [&services, host](Context& ctx) { return putTenantModules(ctx, services, host); });
  router.add("GET", "/api/v1/tenants/{id}/profile", Permission::kTenantsRead,
             [&services, host](Context& ctx) {
               auto tenant = server::api::scopedTenant(services, ctx, ctx.id("id"));
               auto lock = host->lock();
               return jsonResponse(200, profileJson(ModuleHost::profile(host->db(), tenant.id),
                                                    tenant, host->communes()));
             });
  router.add("PUT", "/api/v1/tenants/{id}/profile", Permission::kTenantsWrite,
             [&services, host](Context& ctx) { return putProfile(ctx, services, host); });
  router.add("GET", "/api/v1/users/{id}/module-roles", Permission::kUsersRead,
             [&services, host](Context& ctx) {
               auto user = services.store.findUser(ctx.id("id"));
               if (!user) throw Error(ErrorKind::kNotFound, "no such user");
               auto lock = host->lock();
               return jsonResponse(
                   200, Json{{"items", grantsJson(ModuleHost::grantsOf(host->db(), user->id))}});
             });
  router.add("PUT", "/api/v1/users/{id}/module-roles", Permission::kUsersWrite,
             [&services, host](Context& ctx) { return putUserRoles(ctx, services, host); });
  for (const auto& module : registry())
    for (const auto& route : module.routes()) addModuleRoute(router, services, host, module, route);
}

}  // namespace parc::modules
