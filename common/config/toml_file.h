#pragma once
// Reading TOML configuration files with errors that name the file, line and key.
#include <toml++/toml.h>

#include <filesystem>
#include <string>

namespace parc::config {

/// Parses a TOML file; throws parc::Error kBadRequest with "file:line:col: reason".
toml::table loadToml(const std::filesystem::path& path);

/// Parses TOML text (tests and defaults).
toml::table parseToml(std::string_view text, const std::string& sourceName);

/// A string value at `key`, or `fallback` when absent; throws kBadRequest when the key
/// holds another type.
std::string getString(const toml::table& t, std::string_view key, const std::string& fallback);
std::int64_t getInt(const toml::table& t, std::string_view key, std::int64_t fallback);

}  // namespace parc::config
