#pragma once
#include "server/modules/module.h"

namespace parc::modules::facturation {

/// The facturation module: its roles, migrations (migrations.cpp) and routes (routes.cpp).
Module module();

const std::vector<sqlite::Migration>& migrations();
std::vector<ModuleRoute> routes();

}  // namespace parc::modules::facturation
