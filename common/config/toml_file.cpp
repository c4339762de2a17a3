#include "common/config/toml_file.h"

#include <sstream>

#include "common/error.h"
#include "common/files/files.h"

namespace parc::config {

toml::table parseToml(std::string_view text, const std::string& sourceName) {
  try {
    return toml::parse(text, sourceName);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << sourceName << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
        << e.description();
    throw Error(ErrorKind::kBadRequest, msg.str());
  }
}

toml::table loadToml(const std::filesystem::path& path) {
  return parseToml(files::read(path), path.string());
}

std::string getString(const toml::table& t, std::string_view key, const std::string& fallback) {
  const toml::node* node = t.at_path(key).node();
  if (!node) return fallback;
  if (auto v = node->value<std::string>()) return *v;
  throw Error(ErrorKind::kBadRequest,
              "configuration key '" + std::string(key) + "' must be a string");
}

std::int64_t getInt(const toml::table& t, std::string_view key, std::int64_t fallback) {
  const toml::node* node = t.at_path(key).node();
  if (!node) return fallback;
  if (auto v = node->value<std::int64_t>()) return *v;
  throw Error(ErrorKind::kBadRequest,
              "configuration key '" + std::string(key) + "' must be an integer");
}

}  // namespace parc::config
