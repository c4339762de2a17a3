#pragma once
// Every remote session (terminal, files, desktop): one row in `remote_sessions` written
// when it starts and completed when it ends (a server killed meanwhile leaves
// "interrupted" at the next start), one audit entry at each end, and the live sessions
// in memory so that an administrator can end one. Also the per-tenant consent policy.
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/sqlite/database.h"
#include "server/store/store.h"

namespace parc::server::remote {

struct SessionRecord {
  store::Id id = 0;
  std::optional<store::Id> userId;
  std::string username;
  store::Id hostId = 0;
  std::optional<store::Id> tenantId;
  std::string kind;  // terminal, file-get, file-put, desktop
  store::Time startedAt = 0;
  std::optional<store::Time> endedAt;
  std::int64_t bytesToHost = 0;
  std::int64_t bytesFromHost = 0;
  std::string result = "active";  // active, ok, refused, error, ended, interrupted
  std::string detail;
  std::string consent = "none";  // the policy applied
  std::string recording;         // asciicast file, terminal sessions only
  /// What the session is about beyond its kind: the file's path for file-get/file-put.
  /// Kept in `detail` (before the end's own detail) and in both audit entries.
  std::string subject;
  bool active = false;  // in memory: still running in this server
};

enum class ConsentPolicy { kNone, kNotify, kAsk };
const char* consentPolicyName(ConsentPolicy p);
/// kBadRequest for anything but none, notify, ask.
ConsentPolicy consentPolicyFromName(const std::string& name);

class SessionRegistry {
 public:
  /// `database`: the main store's file (migration 6 made the tables); `recordingsDir`
  /// receives the terminal recordings (0700).
  SessionRegistry(store::Store& store, const std::filesystem::path& database,
                  std::filesystem::path recordingsDir, std::size_t maxActive = 1000);

  /// Records a starting session and audits it; kUnavailable past `maxActive`.
  /// `end` is how an administrator's request stops it.
  store::Id begin(SessionRecord record, const std::string& source,
                  std::function<void(const std::string& why)> end);
  /// Completes the row and audits the end (once; later calls are ignored).
  void finish(store::Id id, const std::string& result, const std::string& detail,
              std::int64_t bytesToHost, std::int64_t bytesFromHost);
  void setRecording(store::Id id, const std::string& path);

  /// Newest first; `userId` narrows to one technician's, `scope` to tenants.
  std::vector<SessionRecord> list(std::optional<store::Id> userId, const store::TenantScope& scope,
                                  int limit);
  /// One tenant's sessions, newest first (what its town hall may see).
  std::vector<SessionRecord> listForTenant(store::Id tenantId, int limit);
  std::optional<SessionRecord> find(store::Id id);
  /// Asks a live session to end; false when it is not running here.
  bool end(store::Id id, const std::string& why);
  std::size_t activeCount();

  ConsentPolicy consentPolicy(store::Id tenantId);
  void setConsentPolicy(store::Id tenantId, ConsentPolicy policy, store::Time now);

  const std::filesystem::path& recordingsDir() const { return recordingsDir_; }

 private:
  struct Live {
    SessionRecord record;
    std::function<void(const std::string&)> end;
  };
  SessionRecord read(sqlite::Statement& s);

  store::Store& store_;
  std::filesystem::path recordingsDir_;
  std::size_t maxActive_;
  std::mutex mutex_;  // guards db_ and live_
  sqlite::Database db_;
  std::map<store::Id, Live> live_;
};

}  // namespace parc::server::remote
