#include "server/inventory/diff.h"

#include <set>
#include <unordered_map>
#include <unordered_set>

#include "server/inventory/format.h"
#include "server/inventory/schema.h"

namespace parc::server::inventory {

namespace {

// Where a field sits: in a section directly, or in an item of a list.
struct Scope {
  std::string section;
  const ListSpec* list = nullptr;  // null for a field of the section itself
  std::string item;                // the item's name when `list` is set
  std::string base;                // path of the section ("memory") or item ("software[]")
};

const Json& emptyObject() {
  static const Json kEmpty = Json::object();
  return kEmpty;
}

bool isEmpty(const Json& j) {
  return j.is_null() || ((j.is_object() || j.is_array()) && j.empty());
}

bool isTopLevel(const std::string& path) {
  return path.find_first_of(".[") == std::string::npos;
}

// Items of one side of a list, in order, without those the spec says are not there.
std::vector<const Json*> itemsOf(const Json* list, const ListSpec& spec, bool generic) {
  std::vector<const Json*> items;
  if (list == nullptr || !list->is_array()) return items;
  for (const Json& item : *list) {
    if (!generic && !item.is_object()) continue;  // odd shape: skipped
    if (spec.absent != nullptr && spec.absent(item)) continue;
    items.push_back(&item);
  }
  return items;
}

// For each item of `after`, the index of its match in `before` or -1. A pass matches the
// keys that are unique on both sides among the items still unmatched, so that two
// interfaces sharing a MAC are not matched by chance.
std::vector<int> matchItems(const ListSpec& spec, const std::vector<const Json*>& before,
                            const std::vector<const Json*>& after) {
  std::vector<int> matchOfAfter(after.size(), -1);
  std::vector<bool> beforeMatched(before.size(), false);
  constexpr int kDuplicate = -2;
  auto index = [](const std::vector<const Json*>& items, auto taken, KeyFn key) {
    std::unordered_map<std::string, int> byKey;
    for (size_t i = 0; i < items.size(); ++i) {
      if (taken(i)) continue;
      std::string k = key(*items[i]);
      if (k.empty()) continue;
      auto [it, inserted] = byKey.emplace(std::move(k), static_cast<int>(i));
      if (!inserted) it->second = kDuplicate;
    }
    return byKey;
  };
  for (KeyFn key : spec.keys) {
    auto beforeKeys = index(
        before, [&](size_t i) { return beforeMatched[i]; }, key);
    auto afterKeys = index(
        after, [&](size_t i) { return matchOfAfter[i] >= 0; }, key);
    for (const auto& [k, a] : afterKeys) {
      auto b = beforeKeys.find(k);
      if (a < 0 || b == beforeKeys.end() || b->second < 0) continue;
      matchOfAfter[a] = b->second;
      beforeMatched[b->second] = true;
    }
  }
  return matchOfAfter;
}

// Short names shared by two items of the same side (a package in two architectures).
std::unordered_set<std::string> sharedNames(const ListSpec& spec,
                                            const std::vector<const Json*>& before,
                                            const std::vector<const Json*>& after) {
  std::unordered_set<std::string> shared;
  for (const auto* side : {&before, &after}) {
    std::unordered_set<std::string> seen;
    for (const Json* item : *side) {
      std::string n = spec.name(*item);
      if (!seen.insert(n).second) shared.insert(n);
    }
  }
  return shared;
}

class Differ {
 public:
  void section(const std::string& name, const Json* before, const Json* after) {
    if (isIgnoredSection(name)) return;
    Scope scope{name, nullptr, "", name};
    // "agent" is reported field by field (its version) even when one side lacks it.
    if ((before != nullptr && after != nullptr) || name == "agent") {
      node(scope, name, before, after);
      return;
    }
    const Json& present = before != nullptr ? *before : *after;
    if (isEmpty(present)) return;
    bool added = after != nullptr;
    changes_.push_back({name, added ? "added" : "removed", "", "", "", "",
                        std::string(added ? "Section d'inventaire ajoutée : "
                                          : "Section d'inventaire retirée : ") +
                            sectionLabel(name)});
  }

  std::vector<Change> take() { return std::move(changes_); }

 private:
  // One value of either side at `path`; null pointers stand for absent keys.
  void node(const Scope& scope, const std::string& path, const Json* b, const Json* a) {
    if (isIgnoredField(path)) return;
    auto arrayOrAbsent = [](const Json* j) { return j == nullptr || j->is_array(); };
    auto objectOrAbsent = [](const Json* j) { return j == nullptr || j->is_object(); };
    bool arrays = arrayOrAbsent(b) && arrayOrAbsent(a) && (b || a);
    const ListSpec* spec = findList(path);
    if (arrays && (spec != nullptr || isTopLevel(path))) {
      list(scope, path, spec != nullptr ? *spec : genericList(), spec == nullptr, b, a);
    } else if (objectOrAbsent(b) && objectOrAbsent(a) && (b || a)) {
      object(scope, path, b != nullptr ? *b : emptyObject(), a != nullptr ? *a : emptyObject());
    } else {
      field(scope, path, b, a);
    }
  }

  void object(const Scope& scope, const std::string& path, const Json& b, const Json& a) {
    std::set<std::string> keys;
    for (const auto& [k, v] : b.items()) keys.insert(k);
    for (const auto& [k, v] : a.items()) keys.insert(k);
    for (const auto& k : keys) {
      auto bi = b.find(k);
      auto ai = a.find(k);
      std::string child = path;
      child.append(".").append(k);
      node(scope, child, bi == b.end() ? nullptr : &*bi, ai == a.end() ? nullptr : &*ai);
    }
  }

  void field(const Scope& scope, const std::string& path, const Json* b, const Json* a) {
    static const Json kNull;
    const Json& before = b != nullptr ? *b : kNull;  // absent and null read the same
    const Json& after = a != nullptr ? *a : kNull;
    if (before == after) return;
    // Relative to the section or item; "" when the section itself is a scalar (odd shape).
    std::string name = path.size() > scope.base.size() ? path.substr(scope.base.size() + 1) : "";
    std::string label(fieldLabel(path));
    Change c{scope.section,
             "changed",
             scope.item,
             name,
             formatValue(path, before),
             formatValue(path, after),
             ""};
    std::string values = c.before + " → " + c.after;
    if (scope.list == nullptr) {
      c.summary = (label.empty() ? scope.section + "." + name : label) + " : " + values;
    } else {
      c.summary = std::string(scope.list->noun) + " " + scope.item + " : " +
                  (label.empty() ? name : label) + " " + values;
    }
    changes_.push_back(std::move(c));
  }

  void list(const Scope& scope, const std::string& path, const ListSpec& spec, bool generic,
            const Json* b, const Json* a) {
    auto before = itemsOf(b, spec, generic);
    auto after = itemsOf(a, spec, generic);
    auto matchOfAfter = matchItems(spec, before, after);
    auto shared = sharedNames(spec, before, after);
    auto nameOf = [&](const Json& item) {
      std::string n = spec.name(item);
      return spec.fullName != nullptr && shared.contains(n) ? spec.fullName(item) : n;
    };
    std::vector<bool> kept(before.size(), false);
    for (int m : matchOfAfter) {
      if (m >= 0) kept[m] = true;
    }
    for (size_t i = 0; i < before.size(); ++i) {
      if (!kept[i]) whole(scope.section, spec, false, nameOf(*before[i]), *before[i]);
    }
    for (size_t i = 0; i < after.size(); ++i) {
      if (matchOfAfter[i] < 0) {
        whole(scope.section, spec, true, nameOf(*after[i]), *after[i]);
        continue;
      }
      Scope itemScope{scope.section, &spec, nameOf(*after[i]), path + "[]"};
      node(itemScope, itemScope.base, before[matchOfAfter[i]], after[i]);
    }
  }

  // An item added or removed as a whole.
  void whole(const std::string& section, const ListSpec& spec, bool added, const std::string& name,
             const Json& item) {
    std::string description = spec.describe != nullptr ? spec.describe(item) : "";
    Change c{section, added ? "added" : "removed", name, "", "", "", ""};
    (added ? c.after : c.before) = description;
    c.summary = std::string(added ? spec.added : spec.removed) + " : " + name;
    if (!description.empty()) c.summary += std::string(spec.separator) + description;
    changes_.push_back(std::move(c));
  }

  std::vector<Change> changes_;
};

}  // namespace

std::vector<Change> diffInventories(const Json& before, const Json& after) {
  const Json& b = before.is_object() ? before : emptyObject();
  const Json& a = after.is_object() ? after : emptyObject();
  std::set<std::string> sections;
  for (const auto& [k, v] : b.items()) sections.insert(k);
  for (const auto& [k, v] : a.items()) sections.insert(k);
  Differ differ;
  for (const auto& name : sections) {
    auto bi = b.find(name);
    auto ai = a.find(name);
    differ.section(name, bi == b.end() ? nullptr : &*bi, ai == a.end() ? nullptr : &*ai);
  }
  return differ.take();
}

Json toJson(const Change& change) {
  return Json{{"section", change.section}, {"kind", change.kind},     {"item", change.item},
              {"field", change.field},     {"before", change.before}, {"after", change.after},
              {"summary", change.summary}};
}

}  // namespace parc::server::inventory
