#include "agent/collectors/selection.h"

#include <algorithm>

namespace parc::agent::collectors {

std::vector<CollectorPtr> withoutCollectors(const std::vector<CollectorPtr>& all,
                                            const std::vector<std::string>& disabled) {
  std::vector<CollectorPtr> out;
  for (const auto& c : all) {
    if (std::find(disabled.begin(), disabled.end(), c->name()) == disabled.end()) out.push_back(c);
  }
  return out;
}

}  // namespace parc::agent::collectors
