// clear_print_queue: cancel the jobs (one queue or all), then restart CUPS.
#include "agent/remote/actions/actions.h"

namespace parc::agent::remote {

Json clearPrintQueue(const ActionEnv& env, const Json& params) {
  Steps steps(env);
  if (params.contains("printer")) {
    steps.must("cancel", {"-a", params["printer"].get<std::string>()});
  } else {
    steps.must("cancel", {"-a"});
  }
  steps.must("systemctl", {"restart", "cups.service"}, std::chrono::seconds(90));
  return steps.result();
}

}  // namespace parc::agent::remote
