#pragma once
// What `systemctl reload` cannot apply: the programs apply a few settings at once (the log
// level) and the rest at the next restart. To say so instead of staying silent, the file
// as it was read at start is kept entry by entry (top-level keys and tables), and a reload
// names every entry whose value changed since.
#include <toml++/toml.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace parc::config {

class ConfigSnapshot {
 public:
  ConfigSnapshot() = default;
  explicit ConfigSnapshot(const toml::table& file);
  /// The file's entries; a missing file is an empty snapshot. kBadRequest when malformed.
  static ConfigSnapshot read(const std::filesystem::path& file);

  /// Entries added, removed or changed since `before`, sorted, named as in the file:
  /// "log_level", "[remote]", "[[glpi_forward]]".
  std::vector<std::string> changedSince(const ConfigSnapshot& before) const;

 private:
  std::map<std::string, std::string> entries_;  // name → its value as TOML text
};

}  // namespace parc::config
