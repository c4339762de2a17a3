// Host groups of a tenant (docs/health.md, "Host groups"): create, list, delete, and
// set a host's groups. Alert-rule overrides may target a group; the rules engine learns
// each host's groups here (and from the health loop at start).
#include "server/api/host_group_routes.h"

#include <algorithm>

#include "common/error.h"
#include "server/alerts/health_service.h"
#include "server/api/route_helpers.h"
#include "server/store/sqlite/host_groups_store.h"

namespace parc::server::api {

namespace {

using auth::Permission;

Json groupJson(const store::HostGroup& g) {
  return Json{{"id", g.id},
              {"tenant_id", g.tenantId},
              {"name", g.name},
              {"created_at", g.createdAt},
              {"hosts", g.hosts}};
}

store::HostGroupStore& groups(Services& s) {
  if (!s.hostGroups) throw Error(ErrorKind::kUnavailable, "host groups are not available");
  return *s.hostGroups;
}

/// Tells the rules engine the host's groups (its overrides apply from the next round).
void refreshRules(Services& s, const store::Host& host, const std::vector<store::Id>& groupIds) {
  if (!s.health) return;
  alerts::HostInfo info = s.health->engine().host(host.id).value_or(alerts::HostInfo{});
  info.hostId = host.id;
  info.tenantId = host.tenantId;
  if (info.name.empty()) info.name = host.hostname;
  info.groups = groupIds;
  s.health->setHost(info);
}

std::vector<store::Id> groupIdsOf(const Json& body) {
  auto it = body.find("groups");
  if (it == body.end() || !it->is_array()) {
    throw Error(ErrorKind::kBadRequest, "groups must be an array of group ids");
  }
  std::vector<store::Id> ids;
  for (const auto& v : *it) {
    if (!v.is_number_integer()) throw Error(ErrorKind::kBadRequest, "group ids are integers");
    ids.push_back(v.get<store::Id>());
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (ids.size() > 100) throw Error(ErrorKind::kBadRequest, "at most 100 groups per host");
  return ids;
}

}  // namespace

store::HostGroup scopedHostGroup(Services& s, const Context& ctx, store::Id id) {
  auto g = groups(s).find(id);
  if (!g) throw Error(ErrorKind::kNotFound, "no such host group");
  if (!ctx.caller.scope.allows(g->tenantId)) outOfScope(s, ctx, "host group", g->tenantId);
  return *g;
}

void addHostGroupRoutes(Router& r, Services& s) {
  // ?tenant_id= narrows the list to one of the caller's tenants.
  r.add("GET", "/api/v1/host-groups", Permission::kHostsRead, [&s](Context& ctx) {
    std::optional<store::Id> tenant;
    if (!ctx.request.query("tenant_id").empty()) {
      tenant = scopedTenant(s, ctx, queryInt(ctx, "tenant_id", 0, 1, 1LL << 62)).id;
    }
    Json items = Json::array();
    for (const auto& g : groups(s).list(ctx.caller.scope)) {
      if (!tenant || g.tenantId == *tenant) items.push_back(groupJson(g));
    }
    return jsonResponse(200, Json{{"items", items}, {"count", items.size()}});
  });

  // {"tenant_id": 3, "name": "Postes de l'accueil"}
  r.add("POST", "/api/v1/host-groups", Permission::kHostsWrite, [&s](Context& ctx) {
    Json body = bodyObject(ctx);
    auto tenantIt = body.find("tenant_id");
    if (tenantIt == body.end() || !tenantIt->is_number_integer()) {
      throw Error(ErrorKind::kBadRequest, "tenant_id must be an integer");
    }
    store::Tenant tenant = scopedTenant(s, ctx, tenantIt->get<store::Id>());
    std::string name = requireText(body, "name", 100);
    store::HostGroup g = groups(s).create(tenant.id, name, ctx.now);
    audit(s, ctx, "host_group.create", "host_group:" + std::to_string(g.id), tenant.id, "ok", name);
    return jsonResponse(201, groupJson(g));
  });

  // Its members leave it and its rule overrides go with it.
  r.add("DELETE", "/api/v1/host-groups/{id}", Permission::kHostsWrite, [&s](Context& ctx) {
    store::HostGroup g = scopedHostGroup(s, ctx, ctx.id("id"));
    groups(s).remove(g.id);
    for (store::Id hostId : g.hosts) {
      if (auto host = s.store.findHost(hostId)) {
        refreshRules(s, *host, groups(s).groupsOf(hostId));
      }
    }
    if (s.health) {
      for (const auto& o : s.health->alerts().overrides()) {
        if (o.scope == "group" && o.scopeId == g.id) {
          s.health->engine().deleteOverride("group", g.id, o.ruleId);
        }
      }
    }
    audit(s, ctx, "host_group.delete", "host_group:" + std::to_string(g.id), g.tenantId, "ok",
          g.name);
    return jsonResponse(200, Json{{"id", g.id}, {"deleted", true}});
  });

  // {"groups": [1, 4]}: the host's groups from now on (an empty list leaves them all).
  r.add("PUT", "/api/v1/hosts/{id}/groups", Permission::kHostsWrite, [&s](Context& ctx) {
    store::Host host = scopedHost(s, ctx, ctx.id("id"));
    std::vector<store::Id> ids = groupIdsOf(bodyObject(ctx));
    for (store::Id id : ids) {
      auto g = groups(s).find(id);
      if (!g || g->tenantId != host.tenantId) {
        throw Error(ErrorKind::kBadRequest,
                    "group " + std::to_string(id) + " is not a group of the host's tenant");
      }
    }
    groups(s).setHostGroups(host.id, ids);
    refreshRules(s, host, ids);
    Json shown = ids;
    audit(s, ctx, "host.groups", "host:" + std::to_string(host.id), host.tenantId, "ok",
          shown.dump());
    return jsonResponse(200, Json{{"host_id", host.id}, {"groups", ids}});
  });
}

}  // namespace parc::server::api
