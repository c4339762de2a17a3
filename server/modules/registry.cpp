#include "server/modules/registry.h"

#include "server/modules/facturation/module.h"

namespace parc::modules {

const std::vector<Module>& registry() {
  static const std::vector<Module> kModules = {
      facturation::module(),  // canteen, childcare and leisure-centre billing of families
  };
  return kModules;
}

const Module* findModule(const std::string& name) {
  for (const auto& m : registry())
    if (m.name == name) return &m;
  return nullptr;
}

}  // namespace parc::modules
