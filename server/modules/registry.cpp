#include "server/modules/registry.h"

// Generated from server/modules/modules.cmake: one include and one entry per module.
#include "server/modules/registry_modules.h"

namespace parc::modules {

const std::vector<Module>& registry() {
  static const std::vector<Module> kModules = {PARC_REGISTERED_MODULES};
  return kModules;
}

const Module* findModule(const std::string& name) {
  for (const auto& m : registry())
    if (m.name == name) return &m;
  return nullptr;
}

}  // namespace parc::modules
