#pragma once
#include "server/app/config.h"
#include "server/auth/sessions.h"
#include "server/ca/internal_ca.h"
#include "server/control/control_hub.h"
#include "server/security/rate_limiter.h"
#include "server/store/store.h"

namespace parc::server::api {

/// What route handlers work with; owned by the application, outlives the listeners.
struct Services {
  store::Store& store;
  const ca::InternalCa& ca;
  const ServerConfig& config;
  auth::SessionManager& sessions;
  control::ControlHub& hub;
  // Per source address: unauthenticated writes (login, enrolment), and everything else.
  security::RateLimiter& publicLimiter;
  security::RateLimiter& requestLimiter;
};

}  // namespace parc::server::api
