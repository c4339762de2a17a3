#include "server/auth/audit_log.h"

#include "common/json/json.h"

namespace parc::server::auth {

namespace {

constexpr int kPage = 2000;

security::AuditRecord record(const store::AuditEntry& e) {
  return security::AuditRecord{e.id,     e.at,     e.actor,  e.action,
                               e.target, e.source, e.result, e.detail};
}

}  // namespace

AuditVerification verifyAuditLog(store::Store& store,
                                 const std::optional<std::string>& expectedHead) {
  AuditVerification v;
  store::AuditCheckpoint checkpoint = store.auditCheckpoint();
  std::string previousHash = checkpoint.lastHash;
  store::Id previousId = checkpoint.lastId;
  for (;;) {
    auto page = store.auditRange(previousId, kPage);
    if (page.empty()) break;
    if (page.front().id != previousId + 1) {
      v.ok = false;
      v.firstBadId = page.front().id;
      v.reason = "audit records " + std::to_string(previousId + 1) + " to " +
                 std::to_string(page.front().id - 1) + " are missing (deleted)";
      return v;
    }
    std::vector<std::pair<security::AuditRecord, std::string>> records;
    records.reserve(page.size());
    for (const auto& e : page) records.emplace_back(record(e), e.hash);
    auto check = security::verifyChain(records, previousHash);
    if (!check.ok) {
      v.ok = false;
      v.firstBadId = check.firstBadId;
      v.reason = check.reason;
      return v;
    }
    if (v.firstId == 0) v.firstId = page.front().id;
    v.records += static_cast<std::int64_t>(page.size());
    previousHash = page.back().hash;
    previousId = page.back().id;
  }
  v.head = previousHash;
  if (expectedHead && *expectedHead != v.head) {
    // The kept head must be in the chain: otherwise records after it were cut off or the
    // whole chain was recomputed.
    bool found = false;
    for (store::Id after = checkpoint.lastId;;) {
      auto page = store.auditRange(after, kPage);
      if (page.empty()) break;
      for (const auto& e : page) found = found || e.hash == *expectedHead;
      after = page.back().id;
    }
    if (!found) {
      v.ok = false;
      v.reason =
          "the head kept outside the server is not in the chain: records were removed "
          "from the end or the chain was rebuilt";
    }
  }
  return v;
}

std::string exportAuditLog(store::Store& store) {
  store::AuditCheckpoint checkpoint = store.auditCheckpoint();
  std::string out;
  std::string head = checkpoint.lastHash;
  for (store::Id after = checkpoint.lastId;;) {
    auto page = store.auditRange(after, kPage);
    if (page.empty()) break;
    for (const auto& e : page) {
      Json line{{"id", e.id},         {"at", e.at},
                {"actor", e.actor},   {"action", e.action},
                {"target", e.target}, {"source", e.source},
                {"result", e.result}, {"detail", e.detail},
                {"hash", e.hash},     {"tenant_id", e.tenantId ? Json(*e.tenantId) : Json()}};
      out += line.dump() + "\n";
      head = e.hash;
    }
    after = page.back().id;
  }
  out += Json{{"checkpoint", {{"last_id", checkpoint.lastId}, {"last_hash", checkpoint.lastHash}}},
              {"head", head}}
             .dump() +
         "\n";
  return out;
}

}  // namespace parc::server::auth
