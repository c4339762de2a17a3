#pragma once
// Console routes of health monitoring (docs/health.md, "API"): metrics for charts,
// alerts and their lifecycle, rule overrides, notification channels, silences.
#include "server/alerts/health_service.h"
#include "server/api/router.h"
#include "server/api/services.h"

namespace parc::server::api {

void addHealthRoutes(Router& r, Services& s, alerts::HealthService& health);

}  // namespace parc::server::api
