#include "common/config/config_changes.h"

#include <set>
#include <sstream>

#include "common/config/toml_file.h"

namespace parc::config {

namespace {

std::string entryName(const std::string& key, const toml::node& node) {
  if (node.is_table()) return "[" + key + "]";
  if (node.is_array_of_tables()) return "[[" + key + "]]";
  return key;
}

// toml++ prints tables with their keys in order: equal settings give equal text.
std::string text(const toml::node& node) {
  std::ostringstream out;
  node.visit([&](const auto& n) { out << n; });
  return out.str();
}

}  // namespace

ConfigSnapshot::ConfigSnapshot(const toml::table& file) {
  for (const auto& [key, node] : file) {
    entries_[entryName(std::string(key.str()), node)] = text(node);
  }
}

ConfigSnapshot ConfigSnapshot::read(const std::filesystem::path& file) {
  if (file.empty() || !std::filesystem::exists(file)) return {};
  return ConfigSnapshot(loadToml(file));
}

std::vector<std::string> ConfigSnapshot::changedSince(const ConfigSnapshot& before) const {
  std::set<std::string> names;
  for (const auto& [name, value] : entries_) {
    auto it = before.entries_.find(name);
    if (it == before.entries_.end() || it->second != value) names.insert(name);
  }
  for (const auto& [name, value] : before.entries_) {
    if (!entries_.count(name)) names.insert(name);
  }
  return {names.begin(), names.end()};
}

}  // namespace parc::config
