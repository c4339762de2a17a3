#pragma once
// Browse and restore driven from the console: the `backup.browse`, `backup.restore` and
// `backup.restore_status` control commands (docs/backups.md, "Console: browse and
// restore"). The server cannot read backups; this agent holds the tenant key and does the
// work, restoring in the background, one restore at a time.
#include <atomic>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/backup/target.h"
#include "agent/control/commands.h"
#include "common/backup/manifest.h"
#include "common/json/json.h"

namespace parc::agent::backup {

/// Where console restores may write, besides the original places.
struct RestoreSettings {
  /// Default destination: `<defaultRoot>/<YYYY-MM-DD>` (DATA_DIR/restores).
  std::filesystem::path defaultRoot;
  /// Folders a technician may name as destination (`[backup] restore_roots` in
  /// agent.toml); the default root is always allowed.
  std::vector<std::filesystem::path> roots;
};

/// Reads `[backup] restore_roots` (absolute paths) from agent.toml; kBadRequest for a
/// wrong value.
RestoreSettings loadRestoreSettings(const std::filesystem::path& dataDir,
                                    const std::filesystem::path& configFile);

/// One page of the entries directly inside `folder` ("" = the top), folders first then
/// by name; names are made valid UTF-8 (invalid bytes become U+FFFD) for JSON.
Json browsePage(const std::vector<parc::backup::Entry>& entries, const std::string& folder,
                std::size_t offset, std::size_t limit);

/// "lettre.odt" → "lettre (restauré 2026-11-29).odt"; n > 1 adds " n" after the date.
std::string keptName(const std::string& leaf, const std::string& date, int n = 1);

/// `s` with invalid UTF-8 sequences replaced by U+FFFD (names are raw bytes).
std::string validUtf8(const std::string& s);

class BackupControlCommands {
 public:
  /// Opens the tenant's repository; `ownSnapshotsOnly` as in RemoteOptions.
  using TargetFactory = std::function<TargetPtr()>;

  /// The service's constructor: the enrolled identity (re-read for each command, so a
  /// renewed certificate is used) and DATA_DIR/backup.key.
  BackupControlCommands(const std::filesystem::path& dataDir,
                        const std::filesystem::path& configFile);
  /// For tests: any target and key file.
  BackupControlCommands(TargetFactory target, std::filesystem::path keyFile,
                        RestoreSettings settings);
  ~BackupControlCommands();
  BackupControlCommands(const BackupControlCommands&) = delete;
  BackupControlCommands& operator=(const BackupControlCommands&) = delete;

  /// Adds `backup.browse`, `backup.restore`, `backup.restore_status`; this object must
  /// outlive `registry`.
  void addTo(control::CommandRegistry& registry);

  Json browse(const Json& payload);
  /// Checks the request and the destination, starts the restore, replies at once.
  Json restore(const Json& payload);
  Json status(const Json& payload);

  /// Waits (bounded) until no restore runs; for tests.
  bool waitIdle(std::chrono::milliseconds timeout);

 private:
  struct Job;
  void runJob(std::shared_ptr<Job> job);
  std::vector<parc::backup::Entry> manifest(const std::string& snapshot);
  Json jobJson(const Job& job);
  static std::shared_ptr<Job> jobFromJson(const Json& json);
  void loadJournal();  // at construction
  void saveJournal();  // mutex_ held

  TargetFactory openTarget_;
  std::filesystem::path keyFile_;
  RestoreSettings settings_;

  std::mutex cacheMutex_;  // the last manifest read, so paging does not decrypt again
  std::string cachedSnapshot_;
  std::shared_ptr<const std::vector<parc::backup::Entry>> cached_;

  std::mutex mutex_;  // guards jobs_, order_, worker_ and each job's progress fields
  std::map<std::string, std::shared_ptr<Job>> jobs_;
  std::deque<std::string> order_;  // oldest first, bounded
  std::thread worker_;
  std::atomic<bool> running_{false};
  std::atomic<bool> stopping_{false};
};

}  // namespace parc::agent::backup
