// reboot and shutdown: `shutdown -r|-h +N "message"`: logged-in users get the wall
// message, and the delay lets them save their work (cancel_shutdown undoes it).
#include "agent/remote/actions/actions.h"

namespace parc::agent::remote {

namespace {
Json schedule(const ActionEnv& env, const Json& params, const char* mode) {
  std::int64_t delay = params.at("delay_minutes").get<std::int64_t>();
  std::vector<std::string> args = {mode, delay == 0 ? "now" : "+" + std::to_string(delay)};
  // The catalog refused a message starting with '-': it cannot be taken for an option.
  if (params.contains("message")) args.push_back(params["message"].get<std::string>());
  Steps steps(env);
  steps.must("shutdown", args, std::chrono::seconds(30));
  return steps.result(Json{{"delay_minutes", delay}});
}
}  // namespace

Json reboot(const ActionEnv& env, const Json& params) {
  return schedule(env, params, "-r");
}

Json shutdown(const ActionEnv& env, const Json& params) {
  return schedule(env, params, "-h");
}

}  // namespace parc::agent::remote
