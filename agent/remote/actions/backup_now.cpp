// backup_now: asks the service's backup scheduler to start a backup now (the run itself
// is `parc-agent backup --scheduled`, in its own unit under systemd) without waiting for
// it to finish; its outcome reaches the server as the backup's own report (a snapshot,
// or a backup_failed event).
#include "agent/backup/scheduler.h"
#include "agent/remote/actions/actions.h"
#include "common/error.h"

namespace parc::agent::remote {

Json backupNow(const ActionEnv& env, const Json&) {
  Steps steps(env);
  auto* scheduler = backup::Scheduler::current();
  if (!scheduler)
    throw Error(ErrorKind::kUnavailable, "the agent's backup scheduler is not running");
  Json answer = scheduler->requestNow();
  if (!answer.value("started", false))
    throw Error(ErrorKind::kConflict, "backup not started: " + answer.value("reason", ""));
  Json r = steps.result(Json{{"started", true}});
  r["output"] = "backup started\n";
  return r;
}

}  // namespace parc::agent::remote
