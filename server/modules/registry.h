#pragma once
#include <vector>

#include "server/modules/module.h"

namespace parc::modules {

/// Every module the server hosts, in the order of server/modules/modules.cmake (one line
/// per module; CMake generates the list this returns).
const std::vector<Module>& registry();
const Module* findModule(const std::string& name);

}  // namespace parc::modules
