#pragma once
// The part of an inventory that identifies a machine's state, without the readings that
// change at every run (uptime, free memory, charge, processes...). The agent hashes this
// view to decide whether an inventory must be sent again: hashing the whole document
// would send it every time.
#include "common/json/json.h"

namespace parc::agent::collectors {

/// A copy of `inventory` without its volatile fields (listed in docs/inventory.md,
/// "Volatile fields").
Json withoutVolatileFields(const Json& inventory);

}  // namespace parc::agent::collectors
