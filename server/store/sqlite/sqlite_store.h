#pragma once
// The embedded default store: one SQLite file in WAL mode.
#include <exception>
#include <filesystem>
#include <mutex>

#include "common/json/json.h"
#include "common/sqlite/database.h"
#include "common/sqlite/group_commit.h"
#include "server/store/store.h"

namespace parc::server::store {

class SqliteStore final : public Store {
 public:
  /// Opens (creating if needed) and migrates the database.
  explicit SqliteStore(const std::filesystem::path& path);

  Tenant createTenant(const std::string& name, const std::string& inseeCode, Time now) override;
  std::vector<Tenant> listTenants() override;
  std::vector<Tenant> listTenants(const TenantScope& scope) override;
  std::optional<Tenant> findTenant(Id id) override;

  EnrollmentToken createToken(const EnrollmentToken& token, const std::string& secretHash) override;
  std::vector<EnrollmentToken> listTokens() override;
  std::vector<EnrollmentToken> listTokens(const TenantScope& scope) override;
  std::optional<EnrollmentToken> findToken(Id id) override;
  bool revokeToken(Id id) override;
  using Store::enrollHost;
  EnrollOutcome enrollHost(const std::string& secretHash, Time now, NewHost host,
                           const IssueCertificate& issue) override;

  std::optional<Host> findHostByFingerprint(const std::string& fingerprint) override;
  std::optional<Host> findHost(Id id) override;
  std::vector<Host> findHosts(const std::vector<Id>& ids) override;
  std::vector<Host> listHosts() override;
  HostPage queryHosts(const HostQuery& query) override;
  bool revokeHost(Id id) override;
  void renewHostCertificate(Id id, const std::string& fingerprint, const std::string& serial,
                            Time notAfter) override;
  void forgetPreviousCertificate(Id id) override;
  bool approveHostMatch(Id newId) override;
  bool rejectHostMatch(Id newId) override;
  std::vector<CloneReport> listCloneReports(Id hostId, int limit) override;
  std::optional<std::string> acceptHardware(Id hostId, std::optional<Id> reportId, Time now,
                                            const std::string& actor) override;
  std::optional<std::string> hostInventory(Id id) override;
  std::vector<InventoryChangeRow> listInventoryChanges(Id hostId, int limit, Id beforeId) override;

  std::vector<MessageOutcome> storeMessages(Id hostId, const std::vector<IncomingMessage>& batch,
                                            Time now) override;
  std::vector<GroupOutcome> storeMessageGroups(const std::vector<HostBatch>& batches,
                                               Time now) override;
  std::int64_t countMessages(Id hostId, const std::string& type) override;
  std::optional<Time> lastMessageReceivedAt() override;
  void forEachMetricsCopy(Time since,
                          const std::function<void(std::vector<MetricsCopy>&)>& visit) override;
  MessagePurge purgeMessages(const MessageCutoffs& cutoffs,
                             const std::function<bool()>& keepGoing) override;
  std::vector<std::pair<std::string, std::string>> listMessages(Id hostId, const std::string& type,
                                                                int limit) override;
  void updatePresence(const std::vector<PresenceUpdate>& updates) override;
  void markAllOffline(Time now) override;
  void setHostConfig(Id hostId, const std::string& configJson) override;
  std::string hostConfig(Id hostId) override;

  std::int64_t countUsers() override;
  User createUser(const std::string& username, const std::string& passwordHash, Role role,
                  Time now) override;
  std::optional<User> findUserByName(const std::string& username) override;
  std::optional<User> findUser(Id id) override;
  std::vector<User> listUsers() override;
  void updateUser(const User& user) override;

  void createSession(const Session& session) override;
  std::optional<Session> findSession(const std::string& tokenHash) override;
  void touchSession(const std::string& tokenHash, Time now) override;
  void deleteSession(const std::string& tokenHash) override;
  void deleteSessionsOfUser(Id userId) override;

  ApiToken createApiToken(const ApiToken& token, const std::string& secretHash) override;
  std::optional<ApiToken> findApiTokenByHash(const std::string& secretHash) override;
  std::optional<ApiToken> findApiToken(Id id) override;
  std::vector<ApiToken> listApiTokens(std::optional<Id> userId) override;
  bool revokeApiToken(Id id) override;
  void touchApiToken(Id id, Time now) override;

  void appendAudit(const AuditEntry& entry) override;
  std::vector<AuditEntry> listAudit(int limit) override;
  std::vector<AuditEntry> queryAudit(const AuditQuery& query) override;
  std::vector<AuditEntry> auditRange(Id afterId, int limit) override;
  AuditCheckpoint auditCheckpoint() override;
  std::int64_t purgeAudit(Time before) override;

 private:
  std::optional<User> findUserWhere(const char* where, const std::string& value);
  std::vector<Id> userTenants(Id userId);  // mutex_ held
  AuditCheckpoint checkpointLocked();
  /// Merges the message into the stored view and records the changes (kStored); or
  /// kUnknownBase (nothing written) for a delta on another base than the stored view; or
  /// keeps it aside when it comes from other hardware (kCloneDetected/kCloneReported).
  MessageOutcome applyInventory(const InventoryWrite& write);
  /// The clone check (sqlite_clones.cpp): nullopt when the inventory belongs to the host
  /// (its fingerprint is set or completed on the way), else the report's outcome.
  std::optional<MessageOutcome> keepAsideIfCloned(const InventoryWrite& write, const Json& incoming,
                                                  const std::optional<Json>& stored);
  void writeInventory(const InventoryWrite& write, const std::string& document,
                      const std::string& agentHash);
  void insertChanges(Id hostId, Time at, const Json& before, const Json& after);
  void insertHistoryLine(Id hostId, Time at, const std::string& kind, const std::string& before,
                         const std::string& after, const std::string& summary);

  struct PendingBatch {
    Id hostId;
    std::span<const IncomingMessage> batch;
    Time now;
    std::vector<MessageOutcome> outcomes;
    std::exception_ptr error;       // this batch's alone (rolled back to its savepoint)
    std::exception_ptr groupError;  // the transaction's: nothing of the group stored
    bool done;
    bool touchLastSeen;
  };
  void commitGroup(const std::vector<PendingBatch*>& group);
  struct MessageStatements;  // prepared once per group (sqlite_store.cpp)
  std::vector<MessageOutcome> storeBatchLocked(MessageStatements& st, const PendingBatch& pending);

  sqlite::GroupCommit<PendingBatch> group_;

  // One connection guarded by a mutex: SQLite has one writer at a time anyway.
  std::mutex mutex_;
  sqlite::Database db_;
};

}  // namespace parc::server::store
