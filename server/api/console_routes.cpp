#include "server/api/console_routes.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <limits>
#include <regex>

#include "common/crypto/hash.h"
#include "common/error.h"

namespace parc::server::api {

namespace {

using auth::Permission;

constexpr int kMaxTokenUses = 100000;
constexpr int kMaxTokenHours = 24 * 365;

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

Json toJson(const store::Host& h) {
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
         {"online", false},
         {"offline_since", h.offlineSince ? Json(*h.offlineSince) : Json()},
         {"agent_version", h.agentVersion}};
  return j;
}

Json hostJson(const store::Host& h, control::ControlHub& hub) {
  Json j = toJson(h);
  // Presence in memory is exact; the store's copy is written in batches.
  if (auto p = hub.presence(h.id)) {
    j["online"] = p->online;
    j["last_seen"] = std::max<store::Time>(p->lastSeen, h.lastSeen.value_or(0));
    j["offline_since"] = p->offlineSince ? Json(*p->offlineSince) : Json();
    if (!p->agentVersion.empty()) j["agent_version"] = p->agentVersion;
  }
  return j;
}

Json toJson(const store::User& u) {
  return Json{{"id", u.id}, {"username", u.username}, {"role", store::roleName(u.role)}};
}

Json toJson(const store::AuditEntry& e) {
  return Json{{"id", e.id},         {"at", e.at},         {"actor", e.actor},  {"action", e.action},
              {"target", e.target}, {"source", e.source}, {"result", e.result}};
}

Json toJson(const store::InventoryChangeRow& c) {
  return Json{{"id", c.id},         {"at", c.at},       {"section", c.section},
              {"kind", c.kind},     {"item", c.item},   {"field", c.field},
              {"before", c.before}, {"after", c.after}, {"summary", c.summary}};
}

template <typename T>
Json listJson(const std::vector<T>& items) {
  Json arr = Json::array();
  for (const auto& i : items) arr.push_back(toJson(i));
  return Json{{"items", arr}, {"count", items.size()}};
}

void audit(Services& s, const Context& ctx, const std::string& action, const std::string& target,
           const std::string& result = "ok") {
  s.store.appendAudit(
      {0, ctx.now, ctx.caller.describe(), action, target, ctx.request.remoteAddress, result});
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

net::Response login(Context& ctx, Services& s) {
  Json body = ctx.json();
  if (!body.is_object()) throw Error(ErrorKind::kBadRequest, "expected a JSON object");
  std::string username = requireText(body, "username", 128);
  std::string password = requireText(body, "password", 1024);
  auto result = s.sessions.login(username, password, ctx.now);
  s.store.appendAudit({0, ctx.now, "user:" + username, "login", "", ctx.request.remoteAddress,
                       result ? "ok" : "bad credentials"});
  if (!result) throw Error(ErrorKind::kUnauthorized, "wrong username or password");
  return jsonResponse(200, Json{{"token", result->token},
                                {"expires_at", result->expiresAt},
                                {"user", toJson(result->user)}});
}

net::Response logout(Context& ctx, Services& s) {
  s.sessions.logout(ctx.caller.sessionToken);
  audit(s, ctx, "logout", "");
  return jsonResponse(200, Json{{"ok", true}});
}

net::Response createTenant(Context& ctx, Services& s) {
  Json body = ctx.json();
  if (!body.is_object()) throw Error(ErrorKind::kBadRequest, "expected a JSON object");
  std::string name = requireText(body, "name", 200);
  std::string insee = requireText(body, "insee_code", 5);
  // INSEE commune codes: 5 characters, digits except Corsica's 2A/2B.
  static const std::regex kInsee("^(\\d{5}|2[AB]\\d{3})$");
  if (!std::regex_match(insee, kInsee)) {
    throw Error(ErrorKind::kBadRequest, "insee_code must be a 5-character INSEE commune code");
  }
  try {
    auto t = s.store.createTenant(name, insee, ctx.now);
    audit(s, ctx, "tenant.create", "tenant:" + std::to_string(t.id));
    return jsonResponse(201, toJson(t));
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kConflict)
      throw Error(ErrorKind::kConflict, "a tenant with this name exists");
    throw;
  }
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

net::Response createToken(Context& ctx, Services& s) {
  Json body = ctx.json();
  if (!body.is_object()) throw Error(ErrorKind::kBadRequest, "expected a JSON object");
  auto tenantIt = body.find("tenant_id");
  if (tenantIt == body.end() || !tenantIt->is_number_integer()) {
    throw Error(ErrorKind::kBadRequest, "field 'tenant_id' is required");
  }
  auto tenant = s.store.findTenant(tenantIt->get<store::Id>());
  if (!tenant) throw Error(ErrorKind::kNotFound, "no such tenant");
  int hours = optionalInt(body, "expires_in_hours", 24 * 7, 1, kMaxTokenHours);
  int maxUses = optionalInt(body, "max_uses", 1, 1, kMaxTokenUses);
  std::string description = body.value("description", std::string());
  if (description.size() > 200) throw Error(ErrorKind::kBadRequest, "description is too long");

  std::string secret = crypto::generateSecret("parc_enr");
  store::EnrollmentToken t;
  t.tenantId = tenant->id;
  t.prefix = secret.substr(0, 14);
  t.description = description;
  t.createdAt = ctx.now;
  t.expiresAt = ctx.now + static_cast<store::Time>(hours) * 3600;
  t.maxUses = maxUses;
  t.createdBy = ctx.caller.describe();
  t = s.store.createToken(t, crypto::hashSecret(secret));
  audit(s, ctx, "token.create", "token:" + std::to_string(t.id));
  Json out = toJson(t);
  out["token"] = secret;  // shown once; only its hash is kept
  out["ca_fingerprint"] = s.ca.fingerprint();
  return jsonResponse(201, out);
}

net::Response revokeToken(Context& ctx, Services& s) {
  store::Id id = ctx.id("id");
  if (!s.store.revokeToken(id)) throw Error(ErrorKind::kNotFound, "no such token");
  audit(s, ctx, "token.revoke", "token:" + std::to_string(id));
  return jsonResponse(200, Json{{"id", id}, {"revoked", true}});
}

net::Response hostDetail(Context& ctx, Services& s) {
  auto host = s.store.findHost(ctx.id("id"));
  if (!host) throw Error(ErrorKind::kNotFound, "no such host");
  Json out = hostJson(*host, s.hub);
  out["config"] = parseJson(s.store.hostConfig(host->id));
  auto doc = s.store.hostInventory(host->id);
  out["inventory"] = doc ? parseJson(*doc, 256) : Json();
  return jsonResponse(200, out);
}

// A query parameter as an integer in [min, max]; `fallback` when absent.
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

// GET /api/v1/hosts/{id}/history?limit=&before=: newest first; `before` pages back.
net::Response hostHistory(Context& ctx, Services& s) {
  auto host = s.store.findHost(ctx.id("id"));
  if (!host) throw Error(ErrorKind::kNotFound, "no such host");
  auto limit = static_cast<int>(queryInt(ctx, "limit", 100, 1, 1000));
  store::Id before = queryInt(ctx, "before", 0, 1, std::numeric_limits<store::Id>::max());
  return jsonResponse(200, listJson(s.store.listInventoryChanges(host->id, limit, before)));
}

net::Response listHosts(Context&, Services& s) {
  Json arr = Json::array();
  auto hosts = s.store.listHosts();
  for (const auto& h : hosts) arr.push_back(hostJson(h, s.hub));
  return jsonResponse(200, Json{{"items", arr}, {"count", hosts.size()}});
}

// POST /api/v1/hosts/{id}/commands: one command over the control channel, answered
// with the agent's reply (or 503 when it is offline or silent).
net::Response hostCommand(Context& ctx, Services& s) {
  auto host = s.store.findHost(ctx.id("id"));
  if (!host) throw Error(ErrorKind::kNotFound, "no such host");
  Json body = ctx.json();
  if (!body.is_object()) throw Error(ErrorKind::kBadRequest, "expected a JSON object");
  std::string command = requireText(body, "command", 64);
  Json payload = body.value("payload", Json::object());
  if (!payload.is_object()) throw Error(ErrorKind::kBadRequest, "payload must be an object");
  int timeout = optionalInt(body, "timeout_seconds", 30, 1, 120);
  std::string target = "host:" + std::to_string(host->id);
  try {
    protocol::Reply reply = s.hub.call(host->id, command, payload, std::chrono::seconds(timeout));
    audit(s, ctx, "host.command:" + command, target, reply.status);
    return jsonResponse(200, protocol::toJson(reply));
  } catch (const Error& e) {
    audit(s, ctx, "host.command:" + command, target, e.what());
    throw;
  }
}

// PUT /api/v1/hosts/{id}/config: settings the agent applies without reinstalling.
net::Response setHostConfig(Context& ctx, Services& s) {
  auto host = s.store.findHost(ctx.id("id"));
  if (!host) throw Error(ErrorKind::kNotFound, "no such host");
  Json body = ctx.json();
  if (!body.is_object()) throw Error(ErrorKind::kBadRequest, "expected a JSON object");
  Json config = Json::object();
  if (body.contains("inventory_interval")) {
    config["inventory_interval"] = optionalInt(body, "inventory_interval", 3600, 60, 7 * 24 * 3600);
  }
  if (auto d = body.find("disabled_collectors"); d != body.end()) {
    if (!d->is_array())
      throw Error(ErrorKind::kBadRequest, "disabled_collectors must be an array of names");
    for (const auto& n : *d) {
      if (!n.is_string() || n.get_ref<const std::string&>().size() > 64) {
        throw Error(ErrorKind::kBadRequest, "disabled_collectors must be an array of names");
      }
    }
    config["disabled_collectors"] = *d;
  }
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (!config.contains(it.key()))
      throw Error(ErrorKind::kBadRequest, "unknown setting '" + it.key().substr(0, 64) + "'");
  }
  s.store.setHostConfig(host->id, config.dump());
  s.hub.pushConfig(host->id, config);
  audit(s, ctx, "host.config", "host:" + std::to_string(host->id));
  return jsonResponse(200, config);
}

}  // namespace

void addConsoleRoutes(Router& r, Services& s) {
  r.add("GET", "/api/v1/health", Permission::kPublic, [&s](Context&) {
    return jsonResponse(
        200,
        Json{{"status", "ok"}, {"version", PARC_VERSION}, {"ca_fingerprint", s.ca.fingerprint()}});
  });
  r.add("POST", "/api/v1/login", Permission::kPublic, [&s](Context& c) { return login(c, s); });
  r.add("POST", "/api/v1/logout", Permission::kAuthenticated,
        [&s](Context& c) { return logout(c, s); });
  r.add("GET", "/api/v1/me", Permission::kAuthenticated,
        [](Context& c) { return jsonResponse(200, toJson(*c.caller.user)); });
  r.add("GET", "/api/v1/tenants", Permission::kTenantsRead,
        [&s](Context&) { return jsonResponse(200, listJson(s.store.listTenants())); });
  r.add("POST", "/api/v1/tenants", Permission::kTenantsWrite,
        [&s](Context& c) { return createTenant(c, s); });
  r.add("GET", "/api/v1/tokens", Permission::kTokensRead,
        [&s](Context&) { return jsonResponse(200, listJson(s.store.listTokens())); });
  r.add("POST", "/api/v1/tokens", Permission::kTokensWrite,
        [&s](Context& c) { return createToken(c, s); });
  r.add("POST", "/api/v1/tokens/{id}/revoke", Permission::kTokensWrite,
        [&s](Context& c) { return revokeToken(c, s); });
  r.add("GET", "/api/v1/hosts", Permission::kHostsRead,
        [&s](Context& c) { return listHosts(c, s); });
  r.add("POST", "/api/v1/hosts/{id}/commands", Permission::kHostsCommand,
        [&s](Context& c) { return hostCommand(c, s); });
  r.add("PUT", "/api/v1/hosts/{id}/config", Permission::kHostsWrite,
        [&s](Context& c) { return setHostConfig(c, s); });
  r.add("GET", "/api/v1/hosts/{id}", Permission::kHostsRead,
        [&s](Context& c) { return hostDetail(c, s); });
  r.add("GET", "/api/v1/hosts/{id}/history", Permission::kHostsRead,
        [&s](Context& c) { return hostHistory(c, s); });
  r.add("GET", "/api/v1/audit", Permission::kAuditRead,
        [&s](Context&) { return jsonResponse(200, listJson(s.store.listAudit(500))); });
}

}  // namespace parc::server::api
