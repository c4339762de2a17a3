#include "agent/service/system_root.h"

namespace parc::agent::service {

collectors::CollectContext systemContext(const std::filesystem::path& root) {
  collectors::CollectContext c;
  if (!root.empty()) c.roots = collectors::SystemRoots::under(root);
  return c;
}

Json systemSection(const collectors::CollectContext& context) {
  std::vector<collectors::CollectorPtr> system;
  for (auto& c : collectors::allCollectors()) {
    if (c->name() == "system") system.push_back(c);
  }
  Json doc = collectors::collectInventory(context, system);
  auto it = doc.find("system");
  return it != doc.end() ? *it : Json::object();
}

}  // namespace parc::agent::service
