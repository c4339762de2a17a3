#pragma once
// Small file helpers with the durability and permissions Parc relies on.
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace parc::files {

/// Whole file; throws parc::Error kNotFound when it cannot be read.
std::string read(const std::filesystem::path& path);
/// Whole file, or nullopt when it does not exist or cannot be read.
std::optional<std::string> tryRead(const std::filesystem::path& path);

/// Writes to a temporary file with `mode`, fsyncs, then renames over `path`, so a
/// crash leaves either the old or the new content, never a torn file.
void writeAtomic(const std::filesystem::path& path, std::string_view content, mode_t mode = 0644);

/// Creates the directory (and parents) and sets its mode.
void ensureDirectory(const std::filesystem::path& path, mode_t mode = 0700);

}  // namespace parc::files
