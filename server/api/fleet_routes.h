#pragma once
// The fleet at a glance (docs/health.md, "Fleet summary and Prometheus"): one request for
// the console's dashboard instead of every host page by page, and the same figures plus
// every host's newest metric values for a Prometheus scraper. Both honour tenant scope.
#include "server/alerts/health_service.h"
#include "server/api/router.h"
#include "server/api/services.h"

namespace parc::server::api {

void addFleetRoutes(Router& r, Services& s, alerts::HealthService& health);

}  // namespace parc::server::api
