#pragma once
// Per-section hashes and delta documents. The agent remembers the hash of each section
// it last sent and sends only the sections that changed since, so that a new package
// costs one "software" section on the wire instead of the whole inventory. Hashes are
// taken over the stable view (stable.h): a new uptime or free-memory reading is not a
// change.
#include <string>
#include <vector>

#include "common/json/json.h"

namespace parc::agent::collectors {

/// The sections sent in every delta, changed or not: they let the server check which
/// machine it is talking about and show it ("system", "os", "agent").
std::vector<std::string> identifyingSections();

/// {"system": "<sha256 hex>", ...}: SHA-256 of each section's canonical JSON
/// (protocol::canonical) in withoutVolatileFields(inventory). Sections that are volatile
/// as a whole ("processes", "_warnings") have no hash. A non-object gives {}.
Json sectionHashes(const Json& inventory);

/// The inventory restricted to the sections whose hash differs from `previousHashes`
/// (absent there counts as different), plus the identifying sections and "_warnings"
/// (which describe this collection, so the server knows a missing section failed rather
/// than vanished). Wholly volatile sections ("processes") are sent only when `full`.
/// With `full`, the whole inventory. Never throws: a non-object inventory gives {}, a
/// non-object `previousHashes` counts as no previous hashes.
Json deltaDocument(const Json& inventory, const Json& previousHashes, bool full);

}  // namespace parc::agent::collectors
