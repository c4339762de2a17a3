// flush_dns: systemd-resolved's caches.
#include "agent/remote/actions/actions.h"

namespace parc::agent::remote {

Json flushDns(const ActionEnv& env, const Json&) {
  Steps steps(env);
  steps.must("resolvectl", {"flush-caches"}, std::chrono::seconds(30));
  return steps.result();
}

}  // namespace parc::agent::remote
