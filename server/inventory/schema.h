#pragma once
// What the change history knows about the shape of an inventory (docs/inventory.md):
// how the items of each list are matched from one inventory to the next, what
// technicians call them, and which fields are readings rather than properties.
// Adding a list section = one entry in kLists (schema.cpp).
#include <string>
#include <string_view>
#include <vector>

#include "common/json/json.h"

namespace parc::server::inventory {

/// A key of an item for one matching pass; "" = this item takes no part in the pass.
using KeyFn = std::string (*)(const Json& item);
/// What technicians call an item, or a short description of it.
using TextFn = std::string (*)(const Json& item);

struct ListSpec {
  /// Dotted path of the list: "software", "memory.modules", "storage.disks".
  std::string_view path;
  /// Matching passes, most specific first: an item is matched to the one on the other
  /// side whose key is equal and unique on both sides among the items still unmatched.
  std::vector<KeyFn> keys;
  TextFn name;
  /// The name when the short one is shared by two items (multi-arch packages); may be null.
  TextFn fullName = nullptr;
  /// Shown after the name for added and removed items; may be null.
  TextFn describe = nullptr;
  std::string_view noun;     // "Logiciel" in "Logiciel firefox-esr : version a → b"
  std::string_view added;    // "Logiciel installé"
  std::string_view removed;  // "Logiciel désinstallé"
  /// Between name and description: " " for "libreoffice 7.5.1", ", " otherwise.
  std::string_view separator = ", ";
  /// True for items that are not there at all (empty memory slots); may be null.
  bool (*absent)(const Json& item) = nullptr;
};

/// The spec of the list at `path` ("memory.modules"), or null.
const ListSpec* findList(std::string_view path);

/// The spec used for a list the table does not know: items matched by their whole content.
const ListSpec& genericList();

/// Sections that never produce changes ("processes", "_warnings").
bool isIgnoredSection(std::string_view section);

/// Fields that never produce changes, by path with "[]" for list items
/// ("network[].state", "os.uptime_seconds"): the volatile readings of the agent's stable
/// view (agent/collectors/stable.cpp), counters that change on every replug, fields that
/// repeat another one, and everything of "agent" but its version.
bool isIgnoredField(std::string_view path);

/// French label of a field by path ("memory.total_bytes" → "Mémoire",
/// "software[].version" → "version"), or "" when there is none.
std::string_view fieldLabel(std::string_view path);

/// French name of a section ("software" → "Logiciels"), or the section itself.
std::string sectionLabel(std::string_view section);

}  // namespace parc::server::inventory
