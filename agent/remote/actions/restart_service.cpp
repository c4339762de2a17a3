// restart_service: `systemctl restart <unit>` for a unit of the local allow-list only.
#include "agent/remote/actions/actions.h"
#include "common/error.h"

namespace parc::agent::remote {

Json restartService(const ActionEnv& env, const Json& params) {
  std::string unit = params.at("unit").get<std::string>();
  // The catalog checked its form; the PC decides which units a technician may touch.
  if (!env.policy.serviceAllowed(unit))
    throw Error(ErrorKind::kForbidden,
                "service '" + unit + "' is not in this PC's [remote] services list");
  Steps steps(env);
  steps.must("systemctl", {"restart", "--", unit}, std::chrono::seconds(90));
  steps.tryRun("systemctl", {"is-active", "--", unit}, std::chrono::seconds(10));
  return steps.result(Json{{"unit", unit}});
}

}  // namespace parc::agent::remote
