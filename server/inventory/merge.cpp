#include "server/inventory/merge.h"

namespace parc::server::inventory {

Json mergeInventory(const Json& stored, const Json& delta) {
  Json merged = stored.is_object() ? stored : Json::object();
  if (!delta.is_object()) return merged;
  merged.erase("_warnings");
  for (const auto& [name, section] : delta.items()) merged[name] = section;
  return merged;
}

}  // namespace parc::server::inventory
