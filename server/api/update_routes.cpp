#include "server/api/update_routes.h"

#include <spdlog/spdlog.h>

#include <map>
#include <set>

#include "common/error.h"
#include "common/files/files.h"
#include "server/api/route_helpers.h"

namespace parc::server::api {

namespace {

using auth::Permission;
using update::UpdateCatalog;

std::string arch(const Context& ctx) {
  std::string a = ctx.request.query("arch");
  return a.empty() ? "amd64" : a;
}

std::string packageUrl(const update::SignedRelease& r) {
  return "/api/v1/agent/update/packages/" + r.release.version + "?arch=" + r.release.architecture;
}

const std::set<std::string>& reportStatuses() {
  static const std::set<std::string> s{"installing", "committed", "rolled_back", "refused",
                                       "failed"};
  return s;
}

// Keeps what a scoped caller may see of the rollout: their communes' and hosts' entries.
Json scopedStatus(Services& s, const Context& ctx, Json status) {
  if (ctx.caller.scope.all()) return status;
  std::map<std::string, bool> visible;  // a host appears in both maps: one lookup each
  auto visibleHost = [&](const std::string& id) {
    auto [it, fresh] = visible.emplace(id, false);
    if (fresh) {
      auto host = s.store.findHost(std::stoll(id));
      it->second = host && ctx.caller.scope.allows(host->tenantId);
    }
    return it->second;
  };
  Json tenants = Json::object(), hosts = Json::object(), results = Json::object();
  for (const auto& [id, ring] : status["tenants"].items()) {
    if (ctx.caller.scope.allows(std::stoll(id))) tenants[id] = ring;
  }
  for (const auto& [id, ring] : status["hosts"].items()) {
    if (visibleHost(id)) hosts[id] = ring;
  }
  Json counts = Json::object();
  for (const auto& [id, r] : status["host_results"].items()) {
    if (!visibleHost(id)) continue;
    results[id] = r;
    std::string v = r["version"], st = r["status"];
    Json& n = counts[v][st];
    n = n.is_null() ? 1 : n.get<int>() + 1;
  }
  status["tenants"] = tenants;
  status["hosts"] = hosts;
  status["host_results"] = results;
  status["results"] = counts;
  return status;
}

}  // namespace

void addUpdateAgentRoutes(Router& r, Services& s, UpdateCatalog& catalog) {
  // Is there something newer for me? 204 when not.
  r.add("GET", "/api/v1/agent/update", Permission::kAgent, [&catalog](Context& ctx) {
    const store::Host& host = *ctx.caller.host;
    auto offer = catalog.offer(host.id, host.tenantId, ctx.request.query("version"), arch(ctx));
    if (!offer) return net::Response{204, {}, {}};
    return jsonResponse(200, Json{{"release", toJson(*offer)}, {"package", packageUrl(*offer)}});
  });
  // A given release (the agent's own version, kept for rolling back).
  r.add("GET", "/api/v1/agent/update/releases/{version}", Permission::kAgent,
        [&catalog](Context& ctx) {
          auto rel = catalog.release(ctx.params.at("version"), arch(ctx));
          if (!rel) throw Error(ErrorKind::kNotFound, "no such release");
          return jsonResponse(200, Json{{"release", toJson(*rel)}, {"package", packageUrl(*rel)}});
        });
  r.add("GET", "/api/v1/agent/update/packages/{version}", Permission::kAgent,
        [&catalog](Context& ctx) {
          auto rel = catalog.release(ctx.params.at("version"), arch(ctx));
          if (!rel) throw Error(ErrorKind::kNotFound, "no such release");
          auto bytes = files::tryRead(catalog.packagePath(*rel));
          if (!bytes) throw Error(ErrorKind::kNotFound, "package missing on the server");
          net::Response res;
          res.headers["content-type"] = "application/vnd.debian.binary-package";
          res.body = std::move(*bytes);
          return res;
        });
  r.add("POST", "/api/v1/agent/update/result", Permission::kAgent, [&s, &catalog](Context& ctx) {
    Json body = bodyObject(ctx);
    update::HostResult result{requireText(body, "version", 64), requireText(body, "status", 16),
                              body.value("detail", std::string()), ctx.now};
    if (!reportStatuses().count(result.status)) {
      throw Error(ErrorKind::kBadRequest, "unknown update status " + result.status);
    }
    if (result.detail.size() > 2000) result.detail.resize(2000);
    const store::Host& host = *ctx.caller.host;
    catalog.record(host.id, result);
    audit(s, ctx, "agent.update." + result.status, "host:" + std::to_string(host.id), host.tenantId,
          result.status == "committed" || result.status == "installing" ? "ok" : "failed",
          result.version + (result.detail.empty() ? "" : ": " + result.detail));
    spdlog::info("host {} update to {}: {} {}", host.id, result.version, result.status,
                 result.detail);
    return jsonResponse(200, Json{{"recorded", true}});
  });
}

void addUpdateConsoleRoutes(Router& r, Services& s, UpdateCatalog& catalog) {
  r.add("GET", "/api/v1/updates", Permission::kHostsRead, [&s, &catalog](Context& ctx) {
    return jsonResponse(200, scopedStatus(s, ctx, catalog.status()));
  });
  r.add("PUT", "/api/v1/updates/rings/{ring}", Permission::kUpdatesWrite,
        [&s, &catalog](Context& ctx) {
          Json body = bodyObject(ctx);
          std::string version = body.value("version", std::string());
          std::string ring = ctx.params.at("ring");
          catalog.setRing(ring, version);
          audit(s, ctx, "updates.ring", "ring:" + ring, std::nullopt, "ok",
                version.empty() ? "taken down" : version);
          return jsonResponse(200, scopedStatus(s, ctx, catalog.status()));
        });
  r.add("PUT", "/api/v1/updates/assignments", Permission::kUpdatesWrite,
        [&s, &catalog](Context& ctx) {
          Json body = bodyObject(ctx);
          std::string kind = requireText(body, "kind", 10);
          auto id = body.find("id");
          if (id == body.end() || !id->is_number_integer()) {
            throw Error(ErrorKind::kBadRequest, "id must be an integer");
          }
          std::optional<store::Id> tenant;
          if (kind == "tenant") {
            tenant = scopedTenant(s, ctx, id->get<store::Id>()).id;
          } else if (kind == "host") {
            tenant = scopedHost(s, ctx, id->get<store::Id>()).tenantId;
          }
          std::string ring = body.value("ring", std::string());
          catalog.assign(kind, id->get<store::Id>(), ring);
          audit(s, ctx, "updates.assign", kind + ":" + std::to_string(id->get<store::Id>()), tenant,
                "ok", ring.empty() ? "default ring" : ring);
          return jsonResponse(200, scopedStatus(s, ctx, catalog.status()));
        });
}

}  // namespace parc::server::api
