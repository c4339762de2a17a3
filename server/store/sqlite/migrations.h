#pragma once
#include <vector>

#include "common/sqlite/database.h"

namespace parc::server::store::sqlite_store {

/// The server schema, one numbered step at a time. Never edit a released step: add one.
const std::vector<parc::sqlite::Migration>& migrations();

}  // namespace parc::server::store::sqlite_store
