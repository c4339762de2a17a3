#pragma once
#include <vector>

#include "server/modules/module.h"

namespace parc::modules {

/// Every module the server hosts: one line per module in registry.cpp.
const std::vector<Module>& registry();
const Module* findModule(const std::string& name);

}  // namespace parc::modules
