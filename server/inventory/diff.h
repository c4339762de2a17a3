#pragma once
// The change history of a machine: what differs between two full inventories, one
// entry per thing a technician would notice ("Mémoire : 8 Gio → 16 Gio", "Logiciel
// installé : libreoffice 7.5.1", "Écran retiré : DELL P2419H (n° CN0…)"). Items of lists
// are matched by a stable key (schema.h), so an upgraded package is one "changed" entry,
// not a removal and an addition. Readings (uptime, free space, charge...) never count.
#include <string>
#include <vector>

#include "common/json/json.h"

namespace parc::server::inventory {

struct Change {
  std::string section;  // top-level section: "memory", "software", "storage"
  std::string kind;     // "added", "removed", "changed"
  std::string item;     // the list item as people call it ("DIMM2", "firefox-esr"); "" for
                        // a field of a section or a whole section
  std::string field;    // for "changed": dotted path in the item or section ("version",
                        // "total_bytes", "smart.health_passed"); "" otherwise
  std::string before;   // human-readable value ("8 Gio"); for "removed" a short description
  std::string after;    // same; for "added" a short description
  std::string summary;  // one French sentence for technicians

  bool operator==(const Change&) const = default;
};

/// The changes from `before` to `after` (full inventories, docs/inventory.md), in a
/// stable order: sections by name; in a list, removals first, then additions and changes
/// in the order of `after`. A section present on one side only is one change (not one per
/// item: a new collector does not install 2 000 packages). Never throws: non-objects
/// count as empty inventories, and items or values of unexpected type are compared as
/// values or skipped.
std::vector<Change> diffInventories(const Json& before, const Json& after);

/// {"section", "kind", "item", "field", "before", "after", "summary"}; empty strings kept.
Json toJson(const Change& change);

}  // namespace parc::server::inventory
