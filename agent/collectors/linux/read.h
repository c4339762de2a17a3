#pragma once
// Reading the kernel's text interfaces (sysfs, procfs, /etc) without throwing: every
// collector reads through these so that a missing or unreadable file becomes a value
// the caller turns into a warning, never an exception.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json/json.h"

namespace parc::agent::collectors::linux_ {

/// Outcome of reading a file: its bytes, or why they could not be read.
struct FileRead {
  std::optional<std::string> data;
  /// errno of the failure (ENOENT, EACCES...), 0 on success.
  int error = 0;
  bool ok() const { return data.has_value(); }
  bool missing() const { return error == ENOENT || error == ENOTDIR; }
  /// "Permission denied" etc., for warnings.
  std::string reason() const;
};

/// Reads at most maxBytes of a file (sysfs reports size 4096 for every attribute,
/// so the file is read until EOF rather than by its size).
FileRead readFile(const std::filesystem::path& path, std::size_t maxBytes = 4 << 20);

/// The last bytes of a file (at most maxBytes), starting at a multiple of `alignment`
/// bytes from its beginning: the recent records of a log of fixed-size records (wtmp).
FileRead readFileTail(const std::filesystem::path& path, std::size_t maxBytes,
                      std::size_t alignment = 1);

/// A sysfs attribute: the file's text with surrounding whitespace removed; nullopt
/// when it cannot be read.
std::optional<std::string> readAttr(const std::filesystem::path& path);

/// readAttr parsed as a decimal (or 0x-prefixed hex) integer.
std::optional<std::int64_t> readIntAttr(const std::filesystem::path& path);

/// Names of the entries of a directory, sorted; empty when it cannot be listed.
std::vector<std::string> listDir(const std::filesystem::path& dir);

/// Final component of a symlink's target ("e1000e" for .../drivers/e1000e), or nullopt.
std::optional<std::string> linkTargetName(const std::filesystem::path& link);

bool pathExists(const std::filesystem::path& path);

std::string trim(std::string_view text);
std::vector<std::string_view> splitLines(std::string_view text);

/// Parses a whole string as an integer: decimal, or hex with a 0x prefix. Leading and
/// trailing blanks are allowed; anything else gives nullopt.
std::optional<std::int64_t> parseInt(std::string_view text);
std::optional<double> parseDouble(std::string_view text);

/// Sets out[key] = value when the value is present.
template <typename T>
void setIf(Json& out, const char* key, const std::optional<T>& value) {
  if (value) out[key] = *value;
}

}  // namespace parc::agent::collectors::linux_
