// backup_now: starts the backup unit (the one that runs `parc-agent backup` with the
// PC's settings) without waiting for it to finish; its result reaches the server as
// the backup's own report.
#include "agent/remote/actions/actions.h"

namespace parc::agent::remote {

Json backupNow(const ActionEnv& env, const Json&) {
  Steps steps(env);
  steps.must("systemctl", {"start", "--no-block", "--", env.policy.backupUnit});
  return steps.result(Json{{"unit", env.policy.backupUnit}});
}

}  // namespace parc::agent::remote
