// collect_logs: the journal since N hours and the agent's own log, as one JSON bundle
// capped in size (the newest lines are kept: they are the ones that matter).
#include "agent/remote/actions/actions.h"

namespace parc::agent::remote {

namespace {
// The whole bundle must fit in one control-channel message (1 MiB) with room to spare.
constexpr std::size_t kJournalCap = 320 * 1024;
constexpr std::size_t kAgentLogCap = 96 * 1024;

std::string keepTail(const std::string& s, std::size_t cap, bool& cut) {
  if (s.size() <= cap) return s;
  cut = true;
  auto start = s.find('\n', s.size() - cap);
  return start == std::string::npos ? s.substr(s.size() - cap) : s.substr(start + 1);
}
}  // namespace

Json collectLogs(const ActionEnv& env, const Json& params) {
  std::string since = "-" + std::to_string(params.at("hours").get<std::int64_t>()) + "h";
  Steps steps(env);
  const RunOutcome& journal = steps.must(
      "journalctl", {"--no-pager", "--quiet", "-o", "short-iso", "--since", since, "-n", "20000"});
  bool cut = false;
  Json bundle{{"since_hours", params["hours"]},
              {"journal", keepTail(journal.out, kJournalCap, cut)}};
  const RunOutcome& agent =
      steps.tryRun("journalctl", {"--no-pager", "--quiet", "-o", "short-iso", "-u",
                                  "parc-agent.service", "--since", since, "-n", "5000"});
  bundle["agent_log"] = keepTail(agent.out, kAgentLogCap, cut);
  bundle["truncated"] = cut || journal.truncated || agent.truncated;
  Json result = steps.result(Json{{"bundle", std::move(bundle)}});
  // The bundle already holds the text: the steps keep only their status.
  for (auto& s : result["steps"]) {
    s["stdout"] = "";
  }
  result["output"] =
      "journal: " +
      std::to_string(result["bundle"]["journal"].get_ref<const std::string&>().size()) +
      " bytes, agent log: " +
      std::to_string(result["bundle"]["agent_log"].get_ref<const std::string&>().size()) +
      " bytes" + (result["bundle"]["truncated"].get<bool>() ? " (truncated)" : "");
  return result;
}

}  // namespace parc::agent::remote
