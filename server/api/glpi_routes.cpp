// GLPI forwarding: what was delivered to each tenant's GLPI, what waits, the last errors.
#include "server/api/console_routes.h"
#include "server/forward/glpi_forwarder.h"

namespace parc::server::api {

void addGlpiRoutes(Router& r, Services& s) {
  // GET /api/v1/glpi/status: only the tenants the caller may see.
  r.add("GET", "/api/v1/glpi/status", auth::Permission::kHostsRead, [&s](Context& ctx) {
    if (!s.glpiForwarder) {
      return jsonResponse(200, Json{{"configured", false}, {"tenants", Json::array()}});
    }
    Json status = s.glpiForwarder->status(ctx.caller.scope);
    status["configured"] = true;
    return jsonResponse(200, status);
  });
}

}  // namespace parc::server::api
