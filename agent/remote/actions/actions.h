#pragma once
// The allow-listed actions the agent runs (the `action` control command). Their names and
// parameters are in common/remote/action_catalog.h; each is one file here, registered in
// the one list of actions.cpp.
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "agent/remote/policy.h"
#include "agent/remote/process_runner.h"
#include "common/json/json.h"

namespace parc::agent::remote {

/// What an action may use.
struct ActionEnv {
  const ProcessRunner& runner;
  const RemotePolicy& policy;
  std::function<void()> inventoryNow;
};

/// An action gets validated parameters and returns {"steps": [...], "output": "..."};
/// it throws parc::Error when a step fails (the message carries the step's output).
using ActionFn = Json (*)(const ActionEnv& env, const Json& params);

struct ActionEntry {
  const char* name;
  ActionFn run;
};

/// The explicit list (actions.cpp): every catalog entry has exactly one.
const std::vector<ActionEntry>& actionList();

/// Runs the `action` command's payload {"name", "params"}: local policy, then the
/// catalog's validation, then the action. Policy refusals throw kForbidden.
Json runAction(const ActionEnv& env, const Json& payload);

/// Helpers for the actions: run one step and record it in `result`.
class Steps {
 public:
  explicit Steps(const ActionEnv& env) : env_(env) {}
  /// Runs the program; a non-zero exit or a timeout throws with its output.
  const RunOutcome& must(const std::string& program, const std::vector<std::string>& args,
                         std::chrono::seconds timeout = std::chrono::seconds(60));
  /// Runs the program; its failure is recorded, not thrown.
  const RunOutcome& tryRun(const std::string& program, const std::vector<std::string>& args,
                           std::chrono::seconds timeout = std::chrono::seconds(60));
  Json result(Json extra = Json::object()) const;

 private:
  const ActionEnv& env_;
  std::deque<RunOutcome> done_;  // a deque: the references tryRun/must return stay valid
};

Json restartService(const ActionEnv& env, const Json& params);
Json clearPrintQueue(const ActionEnv& env, const Json& params);
Json collectLogs(const ActionEnv& env, const Json& params);
Json flushDns(const ActionEnv& env, const Json& params);
Json renewDhcp(const ActionEnv& env, const Json& params);
Json inventoryNow(const ActionEnv& env, const Json& params);
Json backupNow(const ActionEnv& env, const Json& params);
Json reboot(const ActionEnv& env, const Json& params);
Json shutdown(const ActionEnv& env, const Json& params);
Json cancelShutdown(const ActionEnv& env, const Json& params);

}  // namespace parc::agent::remote
