#pragma once
// Choosing which collectors run: the agent's configuration names the sections to leave
// out (e.g. "processes"), and the list stays the one explicit list of collectors.cpp.
#include <string>
#include <vector>

#include "agent/collectors/collector.h"

namespace parc::agent::collectors {

/// `all` without the collectors whose name() is in `disabled` (unknown names ignored).
std::vector<CollectorPtr> withoutCollectors(const std::vector<CollectorPtr>& all,
                                            const std::vector<std::string>& disabled);

}  // namespace parc::agent::collectors
