#pragma once
// Every read and write of the server's state goes through Store, so that a PostgreSQL
// implementation can serve the same interface later. Implementations are thread-safe.
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "server/store/model.h"

namespace parc::server::store {

/// Why an enrolment token was refused.
enum class TokenRefusal { kNone, kUnknown, kRevoked, kExpired, kExhausted };
const char* describe(TokenRefusal refusal);

struct NewHost {
  std::string uid;
  std::string hostname;
  std::string deviceId;
  std::string certFingerprint;
  std::string certSerial;
  Time certNotAfter = 0;
};

struct EnrollOutcome {
  TokenRefusal refusal = TokenRefusal::kNone;
  std::optional<Host> host;  // set when enrolment succeeded
};

struct InventoryWrite {
  Id hostId = 0;
  std::string messageId;
  std::string hash;      // of the stored document; recomputed by the store after a merge
  std::string document;  // canonical JSON: the whole inventory, or a delta when !full
  std::string osName;
  std::string hardware;
  std::string serial;
  std::string hostname;
  Time receivedAt = 0;
  /// A full inventory replaces the stored view; a delta is merged into it, and only if
  /// the view is the one the agent based it on (docs/protocol.md, "Inventory deltas").
  bool full = true;
  std::string base;       // for a delta: the agent hash of the view it was computed against
  std::string agentHash;  // the agent's hash of this collection: the next delta's base
  /// The agent's own "clone_suspected" object (canonical JSON), "" when it sent none.
  std::string cloneFlag{};
  std::string source{};  // the reporting address, kept with a clone report
};

/// One agent message of a batch, validated; inventories carry their summary.
struct IncomingMessage {
  std::string id;
  std::string type;  // "inventory", "event", "metrics", "action_result"
  Time createdAt = 0;
  std::string payload;  // canonical JSON
  std::optional<InventoryWrite> inventory;
};

/// kUnknownBase: an inventory delta computed against a view the server does not hold
/// (nothing was stored; the agent sends a full inventory instead).
/// kCloneDetected / kCloneReported: an inventory from other hardware than the host's,
/// kept aside in host_clone_reports and acknowledged, not merged; "detected" the first
/// time this hardware reports (history written, the host flagged), "reported" after.
enum class MessageOutcome { kStored, kDuplicate, kUnknownBase, kCloneDetected, kCloneReported };

/// The control hub's view of one host, flushed in batches.
struct PresenceUpdate {
  Id hostId = 0;
  bool online = false;
  Time lastSeen = 0;
  std::optional<Time> offlineSince;
  std::string agentVersion;
};

/// The hosts list of the console: filtered, sorted and paged by the database.
struct HostQuery {
  TenantScope scope;
  std::string text;  // matched against hostname, serial, uid, OS, hardware, tenant name
  std::optional<Id> tenantId;
  std::optional<bool> online;
  std::string sort = "hostname";  // hostname, last_seen, tenant, os, serial, enrolled_at
  bool descending = false;
  int offset = 0;
  int limit = 50;
};

struct HostPage {
  std::vector<Host> items;
  std::int64_t total = 0;  // matching hosts, all pages
};

struct AuditQuery {
  TenantScope scope;   // scoped readers see only entries of their tenants
  std::string actor;   // exact
  std::string action;  // prefix ("host." matches every host action)
  std::optional<Time> since, until;
  Id beforeId = 0;  // 0 = from the newest
  int limit = 100;
};

/// Where the audit hash chain starts: genesis, or the last record removed by retention.
struct AuditCheckpoint {
  Id lastId = 0;
  std::string lastHash;
};

class Store {
 public:
  virtual ~Store() = default;

  virtual Tenant createTenant(const std::string& name, const std::string& inseeCode, Time now) = 0;
  virtual std::vector<Tenant> listTenants() = 0;
  virtual std::vector<Tenant> listTenants(const TenantScope& scope) = 0;
  virtual std::optional<Tenant> findTenant(Id id) = 0;

  virtual EnrollmentToken createToken(const EnrollmentToken& token,
                                      const std::string& secretHash) = 0;
  virtual std::vector<EnrollmentToken> listTokens() = 0;
  virtual std::vector<EnrollmentToken> listTokens(const TenantScope& scope) = 0;
  virtual std::optional<EnrollmentToken> findToken(Id id) = 0;
  /// False when no such token exists.
  virtual bool revokeToken(Id id) = 0;

  /// Fills a new host's certificate fields (signs its CSR); called only once the token
  /// has been accepted, so that a refused enrolment never signs anything.
  using IssueCertificate = std::function<void(NewHost&)>;
  /// Atomically checks the token (known, not revoked, not expired, uses left), then
  /// issues the certificate, spends one use and creates the host; or refuses, having
  /// called `issue` never.
  virtual EnrollOutcome enrollHost(const std::string& secretHash, Time now, NewHost host,
                                   const IssueCertificate& issue) = 0;
  /// The same for a host whose certificate fields are already set (tests, imports).
  EnrollOutcome enrollHost(const std::string& secretHash, Time now, const NewHost& host) {
    return enrollHost(secretHash, now, host, [](NewHost&) {});
  }

  virtual std::optional<Host> findHostByFingerprint(const std::string& fingerprint) = 0;
  virtual std::optional<Host> findHost(Id id) = 0;
  /// The hosts among `ids` (unknown ids are skipped), in one query: what the control
  /// channel's revocation sweep reads every few seconds for every connected agent.
  virtual std::vector<Host> findHosts(const std::vector<Id>& ids) = 0;
  virtual std::vector<Host> listHosts() = 0;
  virtual HostPage queryHosts(const HostQuery& query) = 0;
  /// Marks the host revoked: its certificates are refused from now on. False: no such host.
  virtual bool revokeHost(Id id) = 0;
  /// Records a renewed certificate; the current one becomes the previous (overlap).
  virtual void renewHostCertificate(Id id, const std::string& fingerprint,
                                    const std::string& serial, Time notAfter) = 0;
  /// Stops accepting the previous certificate (the agent now uses the new one).
  virtual void forgetPreviousCertificate(Id id) = 0;
  /// Merges a re-enrolled host into the host it matched: the old host takes the new
  /// certificate and keeps its history; the new row disappears. False when `newId` has
  /// no pending match.
  virtual bool approveHostMatch(Id newId) = 0;
  /// Keeps both hosts as distinct machines. False when `newId` has no pending match.
  virtual bool rejectHostMatch(Id newId) = 0;
  /// Inventories kept aside for the host, newest first (documents included).
  virtual std::vector<CloneReport> listCloneReports(Id hostId, int limit) = 0;
  /// A technician accepts the hardware of one of the host's unresolved clone reports
  /// (`reportId`, or the newest): the motherboard was replaced. It becomes the host's
  /// fingerprint, the flag is cleared, the other reports are dismissed (they return if
  /// those machines report again) and the history says so. Returns the accepted
  /// fingerprint (JSON), or nullopt when the host has no such unresolved report.
  virtual std::optional<std::string> acceptHardware(Id hostId, std::optional<Id> reportId, Time now,
                                                    const std::string& actor) = 0;
  /// The last inventory document stored for the host (canonical JSON), if any.
  virtual std::optional<std::string> hostInventory(Id id) = 0;
  /// The host's inventory history, newest first: at most `limit` entries with an id
  /// below `beforeId` (0 = from the newest).
  virtual std::vector<InventoryChangeRow> listInventoryChanges(Id hostId, int limit,
                                                               Id beforeId) = 0;

  /// Stores a batch from one host in one transaction: when it returns, every message
  /// is durable, and ids seen before are reported as duplicates and change nothing.
  /// Inventories are merged into the host's view and their changes recorded in the same
  /// transaction (exactly once); a delta on an unknown base is kUnknownBase, not stored.
  virtual std::vector<MessageOutcome> storeMessages(Id hostId,
                                                    const std::vector<IncomingMessage>& batch,
                                                    Time now) = 0;
  /// One host's batch for storeMessageGroups.
  struct HostBatch {
    Id hostId = 0;
    std::span<const IncomingMessage> messages;
    /// Whether the host's last_seen is written with the messages. Not for reports over
    /// the control channel: the hub keeps their presence and writes it in batches.
    bool touchLastSeen = true;
  };
  /// storeMessages for the batches of several hosts in one transaction (one fsync).
  /// Returns, in order, each batch's outcomes or the error that kept that batch (alone)
  /// out; throws when the transaction itself failed (nothing stored).
  struct GroupOutcome {
    std::vector<MessageOutcome> outcomes;
    std::exception_ptr error;
  };
  virtual std::vector<GroupOutcome> storeMessageGroups(const std::vector<HostBatch>& batches,
                                                       Time now) = 0;
  /// Number of stored non-inventory messages of a type for a host (tests, diagnostics).
  virtual std::int64_t countMessages(Id hostId, const std::string& type) = 0;
  /// Stored messages of a type for a host in arrival order: (message id, payload).
  virtual std::vector<std::pair<std::string, std::string>> listMessages(Id hostId,
                                                                        const std::string& type,
                                                                        int limit) = 0;

  /// A metrics batch as received: its copy in parc.db, kept for the replay at start.
  struct MetricsCopy {
    Id hostId = 0;
    Id tenantId = 0;
    std::string messageId;
    Time receivedAt = 0;
    std::string payload;
  };
  /// When the newest message (of any type) was received; nullopt when none is kept.
  virtual std::optional<Time> lastMessageReceivedAt() = 0;
  /// Hands `visit` the metrics copies received at or after `since`, in arrival order, a
  /// page at a time (the store is not locked while `visit` runs).
  virtual void forEachMetricsCopy(Time since,
                                  const std::function<void(std::vector<MetricsCopy>&)>& visit) = 0;

  /// What purgeMessages removed.
  struct MessagePurge {
    std::int64_t metricsCopies = 0;  // metrics batches as received
    std::int64_t otherMessages = 0;  // events and action results
    std::int64_t receivedIds = 0;    // ids remembered to answer resends "duplicate"
  };
  struct MessageCutoffs {
    Time metricsBefore = 0;  // metrics batches (their series live in metrics.sqlite)
    Time othersBefore = 0;   // events and action results
    Time idsBefore = 0;      // remembered ids: a resend older than that is stored again
  };
  /// Retention of what agents sent: deletes what was received before each cutoff, in
  /// short transactions (a host's slice at a time) so that reports wait only
  /// milliseconds; stops between slices once `keepGoing` says no.
  virtual MessagePurge purgeMessages(const MessageCutoffs& cutoffs,
                                     const std::function<bool()>& keepGoing) = 0;

  virtual void updatePresence(const std::vector<PresenceUpdate>& updates) = 0;
  /// Marks every host offline (at start: connections did not survive the restart).
  virtual void markAllOffline(Time now) = 0;
  virtual void setHostConfig(Id hostId, const std::string& configJson) = 0;
  virtual std::string hostConfig(Id hostId) = 0;

  virtual std::int64_t countUsers() = 0;
  virtual User createUser(const std::string& username, const std::string& passwordHash, Role role,
                          Time now) = 0;
  virtual std::optional<User> findUserByName(const std::string& username) = 0;
  virtual std::optional<User> findUser(Id id) = 0;
  virtual std::vector<User> listUsers() = 0;
  /// Writes every field of the user but id and createdAt (role, scope, state, TOTP,
  /// password hash). Throws kConflict on a duplicate user name.
  virtual void updateUser(const User& user) = 0;

  virtual void createSession(const Session& session) = 0;
  virtual std::optional<Session> findSession(const std::string& tokenHash) = 0;
  virtual void touchSession(const std::string& tokenHash, Time now) = 0;
  virtual void deleteSession(const std::string& tokenHash) = 0;
  /// Ends every session of the user ("log out everywhere", password change, disabling).
  virtual void deleteSessionsOfUser(Id userId) = 0;

  virtual ApiToken createApiToken(const ApiToken& token, const std::string& secretHash) = 0;
  virtual std::optional<ApiToken> findApiTokenByHash(const std::string& secretHash) = 0;
  virtual std::optional<ApiToken> findApiToken(Id id) = 0;
  /// All tokens, or one user's.
  virtual std::vector<ApiToken> listApiTokens(std::optional<Id> userId) = 0;
  virtual bool revokeApiToken(Id id) = 0;
  virtual void touchApiToken(Id id, Time now) = 0;

  /// Appends to the hash-chained audit log (the store computes the chain link).
  virtual void appendAudit(const AuditEntry& entry) = 0;
  virtual std::vector<AuditEntry> listAudit(int limit) = 0;
  virtual std::vector<AuditEntry> queryAudit(const AuditQuery& query) = 0;
  /// Records in id order from `afterId` (exclusive), at most `limit`: for verification
  /// and export, which walk the whole log in pages.
  virtual std::vector<AuditEntry> auditRange(Id afterId, int limit) = 0;
  virtual AuditCheckpoint auditCheckpoint() = 0;
  /// Retention: removes records older than `before`, moving the checkpoint to the last
  /// one removed so the remaining chain still verifies. Returns how many were removed.
  virtual std::int64_t purgeAudit(Time before) = 0;
};

using StorePtr = std::unique_ptr<Store>;

}  // namespace parc::server::store
