#pragma once
// The folders the packaged agent unit must be able to write besides its own data
// (docs/operations.md, "Hardening"): the remote file roots (uploads), the restore roots
// and the folders the backup policy names (restores to their original place). The unit
// is read-only everywhere else; a systemd generator (installers/systemd/
// parc-agent-generator) turns this list into a ReadWritePaths= drop-in at boot and at
// every `systemctl daemon-reload`, so the sandbox follows the configuration instead of
// opening /home or / to every write.
#include <filesystem>
#include <string>
#include <vector>

namespace parc::agent::service {

/// file_roots ([remote]), restore_roots ([backup]) and the stored backup policy's
/// folders, absolute, normalised, without duplicates or entries inside another one.
/// A missing or unreadable policy adds nothing (restores to the original place then
/// stay read-only until the next daemon-reload after the policy arrives).
std::vector<std::filesystem::path> writablePaths(const std::filesystem::path& configFile,
                                                 const std::filesystem::path& dataDir);

/// The drop-in text: `[Service]` and one `ReadWritePaths=-"…"` line per folder
/// (`-`: a folder that does not exist on this PC does not stop the unit). Empty list:
/// a comment only.
std::string sandboxDropIn(const std::vector<std::filesystem::path>& paths);

/// The folders of `paths` that exist but sit on a read-only mount here (the unit's
/// sandbox before the drop-in was regenerated): a warning at the service's start names
/// them and the command that fixes it, rather than a first upload failing.
std::vector<std::filesystem::path> readOnlyPaths(const std::vector<std::filesystem::path>& paths);

}  // namespace parc::agent::service
