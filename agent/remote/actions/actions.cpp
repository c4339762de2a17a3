#include "agent/remote/actions/actions.h"

#include "common/error.h"
#include "common/remote/action_catalog.h"

namespace parc::agent::remote {

const std::vector<ActionEntry>& actionList() {
  static const std::vector<ActionEntry> kList = {
      {"restart_service", restartService},
      {"clear_print_queue", clearPrintQueue},
      {"collect_logs", collectLogs},
      {"flush_dns", flushDns},
      {"renew_dhcp", renewDhcp},
      {"inventory_now", inventoryNow},
      {"backup_now", backupNow},
      {"reboot", reboot},
      {"shutdown", shutdown},
      {"cancel_shutdown", cancelShutdown},
  };
  return kList;
}

Json runAction(const ActionEnv& env, const Json& payload) {
  if (!payload.is_object() || !payload.contains("name") || !payload["name"].is_string())
    throw Error(ErrorKind::kBadRequest, "action: payload needs a name");
  std::string name = payload["name"].get<std::string>();
  if (std::string why = env.policy.refuseAction(name); !why.empty())
    throw Error(ErrorKind::kForbidden, why);
  const auto& spec = parc::remote::findAction(name);
  Json params = parc::remote::validateParams(spec, payload.value("params", Json::object()));
  for (const auto& entry : actionList()) {
    if (name == entry.name) {
      Json result = entry.run(env, params);
      result["action"] = name;
      return result;
    }
  }
  throw Error(ErrorKind::kNotFound, "action '" + name + "' is not implemented by this agent");
}

namespace {

std::string tail(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : "…" + s.substr(s.size() - n);
}

Json stepJson(const RunOutcome& o) {
  Json j{{"command", o.command},       {"exit_code", o.exitCode}, {"timed_out", o.timedOut},
         {"truncated", o.truncated},   {"stdout", o.out},         {"stderr", o.err},
         {"duration_ms", o.durationMs}};
  if (o.signal) j["signal"] = o.signal;
  return j;
}

}  // namespace

const RunOutcome& Steps::tryRun(const std::string& program, const std::vector<std::string>& args,
                                std::chrono::seconds timeout) {
  RunLimits limits;
  limits.timeout = timeout;
  limits.maxOutputBytes = env_.policy.maxOutputBytes;
  done_.push_back(env_.runner.run(program, args, limits));
  return done_.back();
}

const RunOutcome& Steps::must(const std::string& program, const std::vector<std::string>& args,
                              std::chrono::seconds timeout) {
  const RunOutcome& o = tryRun(program, args, timeout);
  if (o.succeeded()) return o;
  std::string why = o.timedOut ? "timed out after " + std::to_string(timeout.count()) + " s"
                    : o.signal ? "killed by signal " + std::to_string(o.signal)
                               : "exit status " + std::to_string(o.exitCode);
  std::string output = tail(o.err.empty() ? o.out : o.err, 600);
  throw Error(ErrorKind::kInternal, o.command + ": " + why + (output.empty() ? "" : ": " + output));
}

Json Steps::result(Json extra) const {
  Json steps = Json::array();
  std::string output;
  for (const auto& o : done_) {
    steps.push_back(stepJson(o));
    output += "$ " + o.command + "\n" + o.out + o.err;
    if (!output.empty() && output.back() != '\n') output += "\n";
  }
  extra["steps"] = std::move(steps);
  extra["output"] = std::move(output);
  return extra;
}

}  // namespace parc::agent::remote
