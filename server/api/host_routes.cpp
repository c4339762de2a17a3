// The hosts: list (paged, searched, scoped), detail, history, commands and settings.
#include "common/error.h"
#include "server/api/console_routes.h"
#include "server/api/host_clones.h"
#include "server/api/route_helpers.h"
#include "server/remote/remote_service.h"

namespace parc::server::api {

namespace {

using auth::Permission;

constexpr int kMaxPage = 500;

// GET /api/v1/hosts?q=&tenant_id=&online=&sort=&order=&offset=&limit=
net::Response listHosts(Context& ctx, Services& s) {
  store::HostQuery q;
  q.scope = ctx.caller.scope;
  q.text = ctx.request.query("q").substr(0, 200);
  if (auto t = queryInt(ctx, "tenant_id", 0, 1, std::numeric_limits<store::Id>::max()); t > 0) {
    q.tenantId = t;
  }
  std::string online = ctx.request.query("online");
  if (online == "true" || online == "false") {
    q.online = online == "true";
  } else if (!online.empty()) {
    throw Error(ErrorKind::kBadRequest, "parameter 'online' must be true or false");
  }
  std::string sort = ctx.request.query("sort");
  if (!sort.empty()) {
    static const char* kSorts[] = {"hostname", "last_seen", "tenant",
                                   "os",       "serial",    "enrolled_at"};
    if (std::find(std::begin(kSorts), std::end(kSorts), sort) == std::end(kSorts)) {
      throw Error(
          ErrorKind::kBadRequest,
          "parameter 'sort' must be hostname, last_seen, tenant, os, serial or enrolled_at");
    }
    q.sort = sort;
  }
  std::string order = ctx.request.query("order");
  if (!order.empty() && order != "asc" && order != "desc")
    throw Error(ErrorKind::kBadRequest, "parameter 'order' must be asc or desc");
  q.descending = order == "desc";
  q.offset = static_cast<int>(queryInt(ctx, "offset", 0, 0, 10'000'000));
  q.limit = static_cast<int>(queryInt(ctx, "limit", 50, 1, kMaxPage));
  auto page = s.store.queryHosts(q);
  Json arr = Json::array();
  for (const auto& h : page.items) arr.push_back(hostJson(h, s.hub));
  return jsonResponse(200, Json{{"items", arr},
                                {"count", page.items.size()},
                                {"total", page.total},
                                {"offset", q.offset},
                                {"limit", q.limit}});
}

net::Response hostDetail(Context& ctx, Services& s) {
  store::Host host = scopedHost(s, ctx, ctx.id("id"));
  Json out = hostJson(host, s.hub);
  out["config"] = parseJson(s.store.hostConfig(host.id));
  out["hardware_fingerprint"] =
      host.hardwareFingerprint.empty() ? Json() : parseJson(host.hardwareFingerprint);
  auto doc = s.store.hostInventory(host.id);
  out["inventory"] = doc ? parseJson(*doc, 256) : Json();
  return jsonResponse(200, out);
}

// GET /api/v1/hosts/{id}/history?limit=&before=: newest first; `before` pages back.
net::Response hostHistory(Context& ctx, Services& s) {
  store::Host host = scopedHost(s, ctx, ctx.id("id"));
  auto limit = static_cast<int>(queryInt(ctx, "limit", 100, 1, 1000));
  store::Id before = queryInt(ctx, "before", 0, 1, std::numeric_limits<store::Id>::max());
  return jsonResponse(200, listJson(s.store.listInventoryChanges(host.id, limit, before)));
}

// POST /api/v1/hosts/{id}/commands: one command over the control channel, answered
// with the agent's reply (or 503 when it is offline or silent).
net::Response hostCommand(Context& ctx, Services& s) {
  store::Host host = scopedHost(s, ctx, ctx.id("id"));
  Json body = bodyObject(ctx);
  std::string command = requireText(body, "command", 64);
  Json payload = body.value("payload", Json::object());
  if (!payload.is_object()) throw Error(ErrorKind::kBadRequest, "payload must be an object");
  int timeout = optionalInt(body, "timeout_seconds", 30, 1, 120);
  // Actions and scripts sent raw still carry the tenant's consent policy: the agent asks
  // or tells the user first, as through their own routes (a caller's own "consent" is
  // replaced, never trusted).
  if ((command == "action" || command == "script_run") && s.remote) {
    auto policy = s.remote->registry().consentPolicy(host.tenantId);
    payload["consent"] =
        Json{{"policy", remote::consentPolicyName(policy)},
             {"technician", ctx.caller.user ? ctx.caller.user->username : ctx.caller.describe()},
             {"what", command == "action" ? "action" : "script"}};
  }
  std::string target = "host:" + std::to_string(host.id);
  try {
    protocol::Reply reply = s.hub.call(host.id, command, payload, std::chrono::seconds(timeout));
    audit(s, ctx, "host.command:" + command, target, host.tenantId, reply.status);
    return jsonResponse(200, protocol::toJson(reply));
  } catch (const Error& e) {
    audit(s, ctx, "host.command:" + command, target, host.tenantId, e.what());
    throw;
  }
}

// PUT /api/v1/hosts/{id}/config: settings the agent applies without reinstalling.
net::Response setHostConfig(Context& ctx, Services& s) {
  store::Host host = scopedHost(s, ctx, ctx.id("id"));
  Json body = bodyObject(ctx);
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
  // Accepted hardware is the server's word, not a setting: it survives a settings change.
  if (Json old = parseJson(s.store.hostConfig(host.id)); old.contains("accepted_hardware"))
    config["accepted_hardware"] = old["accepted_hardware"];
  s.store.setHostConfig(host.id, config.dump());
  s.hub.pushConfig(host.id, config);
  audit(s, ctx, "host.config", "host:" + std::to_string(host.id), host.tenantId, "ok",
        config.dump());
  return jsonResponse(200, config);
}

}  // namespace

void addHostRoutes(Router& r, Services& s) {
  r.add("GET", "/api/v1/hosts", Permission::kHostsRead,
        [&s](Context& c) { return listHosts(c, s); });
  r.add("GET", "/api/v1/hosts/{id}", Permission::kHostsRead,
        [&s](Context& c) { return hostDetail(c, s); });
  r.add("GET", "/api/v1/hosts/{id}/history", Permission::kHostsRead,
        [&s](Context& c) { return hostHistory(c, s); });
  r.add("POST", "/api/v1/hosts/{id}/commands", Permission::kHostsCommand,
        [&s](Context& c) { return hostCommand(c, s); });
  r.add("PUT", "/api/v1/hosts/{id}/config", Permission::kHostsWrite,
        [&s](Context& c) { return setHostConfig(c, s); });
  addHostCloneRoutes(r, s);
}

}  // namespace parc::server::api
