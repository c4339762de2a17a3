#pragma once
// The server's full view of a machine from the delta documents the agent sends
// (agent/collectors/sections.h): a delta carries only the sections that changed.
#include "common/json/json.h"

namespace parc::server::inventory {

/// `stored` after `delta`: each section present in the delta replaces the stored one;
/// the others are kept (a section missing from a delta is unchanged, or its collector
/// failed this time). "_warnings" is the exception: it describes the latest collection,
/// so it is taken from the delta, or dropped when the delta has none. Never throws: a
/// non-object `stored` counts as empty, a non-object `delta` changes nothing.
Json mergeInventory(const Json& stored, const Json& delta);

}  // namespace parc::server::inventory
