#include "agent/collectors/sections.h"

#include <algorithm>

#include "agent/collectors/stable.h"
#include "common/crypto/hash.h"
#include "common/protocol/messages.h"

namespace parc::agent::collectors {

namespace {

bool isIdentifying(const std::string& section) {
  const auto ids = identifyingSections();
  return std::find(ids.begin(), ids.end(), section) != ids.end();
}

bool hashDiffers(const std::string& section, const Json& hashes, const Json& previous) {
  auto now = hashes.find(section);
  if (now == hashes.end()) return false;  // wholly volatile: not a change
  if (!previous.is_object()) return true;
  auto before = previous.find(section);
  return before == previous.end() || *before != *now;
}

}  // namespace

std::vector<std::string> identifyingSections() {
  return {"system", "os", "agent"};
}

Json sectionHashes(const Json& inventory) {
  Json hashes = Json::object();
  if (!inventory.is_object()) return hashes;
  const Json stable = withoutVolatileFields(inventory);  // items() would not keep a temporary
  for (const auto& [name, section] : stable.items()) {
    hashes[name] = crypto::sha256Hex(protocol::canonical(section));
  }
  return hashes;
}

Json deltaDocument(const Json& inventory, const Json& previousHashes, bool full) {
  if (!inventory.is_object()) return Json::object();
  if (full) return inventory;
  const Json hashes = sectionHashes(inventory);
  Json delta = Json::object();
  for (const auto& [name, section] : inventory.items()) {
    if (isIdentifying(name) || name == "_warnings" || hashDiffers(name, hashes, previousHashes)) {
      delta[name] = section;
    }
  }
  return delta;
}

}  // namespace parc::agent::collectors
