// Cloned PCs (docs/inventory.md, "Cloned PCs"): every host keeps the hardware its
// inventories come from; an inventory from other hardware with the same identity is
// kept aside here instead of being merged, and a technician decides.
#include "common/error.h"
#include "common/protocol/hardware.h"
#include "common/protocol/messages.h"
#include "server/store/sqlite/sqlite_store.h"

namespace parc::server::store {

using protocol::HardwareFingerprint;
using sqlite::Statement;
using sqlite::Transaction;

namespace {

std::string describe(const HardwareFingerprint& f) {
  std::string out;
  auto add = [&out](const char* label, const std::string& v) {
    if (v.empty()) return;
    if (!out.empty()) out += ", ";
    out += std::string(label) + " " + v;
  };
  add("UUID", f.uuid);
  add("n° de série", f.productSerial);
  add("carte mère", f.boardSerial);
  return out.empty() ? std::string("inconnu") : out;
}

HardwareFingerprint parseFingerprint(const std::string& text) {
  if (text.empty()) return {};
  try {
    return HardwareFingerprint::fromJson(parseJson(text));
  } catch (const Error&) {
    return {};  // written by us; unreadable means unknown, not a clone
  }
}

// Why the agent itself suspects a copy, from its flag {"recorded", "current"}.
std::string flagReason(const Json& flag) {
  auto part = [&flag](const char* key) {
    auto it = flag.find(key);
    return it != flag.end() ? HardwareFingerprint::fromJson(*it) : HardwareFingerprint{};
  };
  auto differences = protocol::hardwareDifferences(part("recorded"), part("current"));
  return differences.empty()
             ? std::string("l'agent signale un matériel différent de celui de son enrôlement")
             : "l'agent signale un matériel différent de celui de son enrôlement (" +
                   protocol::describeDifferences(differences) + ")";
}

}  // namespace

void SqliteStore::insertHistoryLine(Id hostId, Time at, const std::string& kind,
                                    const std::string& before, const std::string& after,
                                    const std::string& summary) {
  Statement(db_,
            "INSERT INTO inventory_changes(host_id, at, section, kind, item, field, \"before\", "
            "\"after\", summary) VALUES(?, ?, 'system', ?, '', 'hardware', ?, ?, ?)")
      .bind(1, hostId)
      .bind(2, at)
      .bind(3, kind)
      .bind(4, before)
      .bind(5, after)
      .bind(6, summary)
      .run();
}

std::optional<MessageOutcome> SqliteStore::keepAsideIfCloned(const InventoryWrite& w,
                                                             const Json& incoming,
                                                             const std::optional<Json>& stored) {
  std::string recordedText;
  {
    Statement s(db_, "SELECT hw_fingerprint FROM hosts WHERE id = ?");
    s.bind(1, w.hostId);
    if (s.step()) recordedText = s.text(0);
  }
  HardwareFingerprint recorded = parseFingerprint(recordedText);
  // Hosts inventoried before fingerprints existed: their stored view says what they are.
  if (recordedText.empty() && stored && stored->contains("system"))
    recorded = HardwareFingerprint::fromSystem((*stored)["system"]);

  Json flag;
  if (!w.cloneFlag.empty()) flag = parseJson(w.cloneFlag);
  const bool flagged = flag.is_object();
  HardwareFingerprint current;
  if (auto sys = incoming.find("system"); sys != incoming.end() && sys->is_object()) {
    current = HardwareFingerprint::fromSystem(*sys);
  } else if (flagged && flag.contains("current")) {
    current = HardwareFingerprint::fromJson(flag["current"]);
  }

  auto differences = protocol::hardwareDifferences(recorded, current);
  // The agent's own suspicion stands until this very hardware is the host's (a technician
  // accepted it and the agent has not heard yet): a copy never sets the fingerprint.
  bool heldHere = recorded.comparable() && current.comparable() && differences.empty();
  if (differences.empty() && (!flagged || heldHere)) {
    HardwareFingerprint updated = recorded;
    bool completed = protocol::completeFingerprint(updated, current);
    if (recordedText.empty() || completed) {
      Statement(db_, "UPDATE hosts SET hw_fingerprint = ? WHERE id = ?")
          .bind(1, protocol::canonical(updated.toJson()))
          .bind(2, w.hostId)
          .run();
    }
    return std::nullopt;
  }

  std::string reason = differences.empty() ? flagReason(flag)
                                           : "matériel différent (" +
                                                 protocol::describeDifferences(differences) + ")";
  std::string currentJson = protocol::canonical(current.toJson());
  std::string recordedJson = protocol::canonical(recorded.toJson());
  // One row per machine until a technician decides: the latest document and a count.
  std::optional<Id> known;
  {
    Statement s(db_,
                "SELECT id FROM host_clone_reports WHERE host_id = ? AND resolved_at IS NULL "
                "AND json_extract(current, '$.uuid') = ? "
                "AND json_extract(current, '$.product_serial') = ? "
                "AND json_extract(current, '$.board_serial') = ? ORDER BY id DESC LIMIT 1");
    s.bind(1, w.hostId).bind(2, current.uuid).bind(3, current.productSerial);
    s.bind(4, current.boardSerial);
    if (s.step()) known = s.int64(0);
  }
  if (known) {
    Statement(db_,
              "UPDATE host_clone_reports SET message_id = ?, received_at = ?, "
              "reports = reports + 1, source = ?, recorded = ?, current = ?, agent_flag = ?, "
              "reason = ?, document = ? WHERE id = ?")
        .bind(1, w.messageId)
        .bind(2, w.receivedAt)
        .bind(3, w.source)
        .bind(4, recordedJson)
        .bind(5, currentJson)
        .bind(6, w.cloneFlag)
        .bind(7, reason)
        .bind(8, w.document)
        .bind(9, *known)
        .run();
    Statement(db_, "UPDATE hosts SET clone_suspected = 1 WHERE id = ?").bind(1, w.hostId).run();
    return MessageOutcome::kCloneReported;
  }
  Statement(db_,
            "INSERT INTO host_clone_reports(host_id, message_id, first_at, received_at, source, "
            "recorded, current, agent_flag, reason, document) VALUES(?,?,?,?,?,?,?,?,?,?)")
      .bind(1, w.hostId)
      .bind(2, w.messageId)
      .bind(3, w.receivedAt)
      .bind(4, w.receivedAt)
      .bind(5, w.source)
      .bind(6, recordedJson)
      .bind(7, currentJson)
      .bind(8, w.cloneFlag)
      .bind(9, reason)
      .bind(10, w.document)
      .run();
  Statement(db_, "UPDATE hosts SET clone_suspected = 1 WHERE id = ?").bind(1, w.hostId).run();
  insertHistoryLine(w.hostId, w.receivedAt, "clone_suspected", describe(recorded),
                    describe(current), "Clone suspecté : " + reason);
  return MessageOutcome::kCloneDetected;
}

std::vector<CloneReport> SqliteStore::listCloneReports(Id hostId, int limit) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "SELECT id, host_id, message_id, first_at, received_at, reports, source, recorded, "
              "current, agent_flag, reason, document, resolved_at, resolution "
              "FROM host_clone_reports WHERE host_id = ? ORDER BY received_at DESC, id DESC "
              "LIMIT ?");
  s.bind(1, hostId).bind(2, limit);
  std::vector<CloneReport> out;
  while (s.step()) {
    CloneReport r;
    r.id = s.int64(0);
    r.hostId = s.int64(1);
    r.messageId = s.text(2);
    r.firstAt = s.int64(3);
    r.receivedAt = s.int64(4);
    r.reports = s.int64(5);
    r.source = s.text(6);
    r.recorded = s.text(7);
    r.current = s.text(8);
    r.agentFlag = s.text(9);
    r.reason = s.text(10);
    r.document = s.text(11);
    r.resolvedAt = s.optInt64(12);
    r.resolution = s.text(13);
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<std::string> SqliteStore::acceptHardware(Id hostId, std::optional<Id> reportId,
                                                       Time now, const std::string& actor) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  std::string recordedText;
  {
    Statement s(db_, "SELECT hw_fingerprint FROM hosts WHERE id = ? AND clone_suspected = 1");
    s.bind(1, hostId);
    if (!s.step()) return std::nullopt;
    recordedText = s.text(0);
  }
  Id chosen = 0;
  std::string currentText;
  {
    Statement s(db_,
                "SELECT id, current FROM host_clone_reports WHERE host_id = ?1 AND "
                "resolved_at IS NULL AND (?2 IS NULL OR id = ?2) "
                "ORDER BY received_at DESC, id DESC LIMIT 1");
    s.bind(1, hostId).bind(2, reportId);
    if (!s.step()) return std::nullopt;
    chosen = s.int64(0);
    currentText = s.text(1);
  }
  HardwareFingerprint before = parseFingerprint(recordedText);
  HardwareFingerprint after = parseFingerprint(currentText);
  std::string accepted = protocol::canonical(after.toJson());
  Statement(db_, "UPDATE hosts SET hw_fingerprint = ?, clone_suspected = 0 WHERE id = ?")
      .bind(1, accepted)
      .bind(2, hostId)
      .run();
  // The others are dismissed, not forgotten: a machine still reporting comes back as new.
  Statement(db_,
            "UPDATE host_clone_reports SET resolved_at = ?1, "
            "resolution = CASE WHEN id = ?2 THEN 'accepted' ELSE 'dismissed' END "
            "WHERE host_id = ?3 AND resolved_at IS NULL")
      .bind(1, now)
      .bind(2, chosen)
      .bind(3, hostId)
      .run();
  auto differences = protocol::hardwareDifferences(before, after);
  std::string what =
      differences.empty() ? describe(after) : protocol::describeDifferences(differences);
  insertHistoryLine(hostId, now, "hardware_accepted", describe(before), describe(after),
                    "Nouveau matériel accepté par " + actor + " : " + what);
  tx.commit();
  return accepted;
}

}  // namespace parc::server::store
