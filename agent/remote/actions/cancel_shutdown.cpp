// cancel_shutdown: `shutdown -c`, for a reboot or shutdown scheduled by mistake.
#include "agent/remote/actions/actions.h"

namespace parc::agent::remote {

Json cancelShutdown(const ActionEnv& env, const Json&) {
  Steps steps(env);
  steps.must("shutdown", {"-c"}, std::chrono::seconds(30));
  return steps.result();
}

}  // namespace parc::agent::remote
