#include "server/api/console_routes.h"

#include "server/api/route_helpers.h"

namespace parc::server::api {

void addConsoleRoutes(Router& r, Services& s) {
  r.add("GET", "/api/v1/health", auth::Permission::kPublic, [&s](Context&) {
    return jsonResponse(200, Json{{"status", "ok"},
                                  {"version", PARC_VERSION},
                                  {"ca_fingerprint", s.ca.fingerprint()},
                                  {"agent_url", s.config.agentUrl}});
  });
  addSessionRoutes(r, s);
  addHostRoutes(r, s);
  addAdminRoutes(r, s);
  addAuditRoutes(r, s);
  addGlpiRoutes(r, s);
}

void addRouteIndex(Router& console, const Router& agent) {
  console.add("GET", "/api/v1/routes", auth::Permission::kAuditRead, [&console, &agent](Context&) {
    Json items = Json::array();
    for (const Router* router : {static_cast<const Router*>(&console), &agent}) {
      for (const auto& route : router->routes()) {
        items.push_back(Json{{"listener", router == &agent ? "agent" : "console"},
                             {"method", route.method},
                             {"pattern", route.pattern},
                             {"permission", auth::permissionName(route.permission)}});
      }
      for (const auto& upgrade : router->upgrades()) {
        items.push_back(Json{{"listener", router == &agent ? "agent" : "console"},
                             {"method", "GET"},
                             {"pattern", upgrade.pattern},
                             {"permission", auth::permissionName(upgrade.permission)},
                             {"websocket", true}});
      }
    }
    return jsonResponse(200, Json{{"items", items}, {"count", items.size()}});
  });
}

}  // namespace parc::server::api
