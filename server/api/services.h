#pragma once
#include "server/app/config.h"
#include "server/auth/sessions.h"
#include "server/ca/internal_ca.h"
#include "server/control/control_hub.h"
#include "server/security/rate_limiter.h"
#include "server/store/store.h"

namespace parc::server::forward {
class GlpiForwarder;
}
namespace parc::server::alerts {
class HealthService;
}  // namespace parc::server::alerts
namespace parc::server::backup {
class Repositories;
class Policies;
class Maintenance;
}  // namespace parc::server::backup
namespace parc::server::remote {
class RemoteService;
}
namespace parc::server::control {
class ReportWorkers;
}
namespace parc::server::store {
class HostGroupStore;
}

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
  forward::GlpiForwarder* glpiForwarder = nullptr;  // null: no [[glpi_forward]] configured
  backup::Repositories* backups = nullptr;          // per-tenant backup repositories
  backup::Policies* backupPolicies = nullptr;       // backup policies (tenant, host overrides)
  backup::Maintenance* backupJobs = nullptr;        // retention, prune, verification
  alerts::HealthService* health = nullptr;          // metrics, rules and alerts
  std::string commandSigningKey{};          // Ed25519 public key (hex) given to agents at enrolment
  remote::RemoteService* remote = nullptr;  // terminal, files, desktop sessions
  store::HostGroupStore* hostGroups = nullptr;  // host groups (alert-rule overrides)
  control::ReportWorkers* reports = nullptr;    // reports over the control channels
};

}  // namespace parc::server::api
