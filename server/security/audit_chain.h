#pragma once
// A hash chain over the append-only audit log: each record's hash covers the previous
// record's hash and every field of the record, so that editing, deleting, reordering
// or inserting a record breaks the chain at that record.
//
// What it does not do alone: someone able to rewrite the whole table can recompute the
// whole chain, and deleting the newest records leaves a valid (shorter) chain. Both
// are caught only by comparing with a head hash kept elsewhere (exported, mailed,
// logged to syslog): verifyChain's `expectedHead` is that comparison.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace parc::server::security {

struct AuditRecord {
  std::int64_t id = 0;  // consecutive: 1, 2, 3…
  std::int64_t at = 0;  // Unix time, seconds
  std::string actor, action, target, source, result, detail;
};

/// The previous hash of the first record: 64 zeros.
const std::string& genesisHash();

/// SHA-256 (lower-case hex) over a version tag, the previous hash and every field,
/// each field preceded by its length. Length prefixes make the encoding injective:
/// with a plain separator, actor "a|b" + action "c" and actor "a" + action "b|c"
/// would hash alike, so a record could be altered without changing its hash.
std::string chainHash(const std::string& previousHash, const AuditRecord& record);

struct ChainCheck {
  bool ok = true;
  std::int64_t firstBadId = 0;  // 0 when ok
  std::string reason;           // for the administrator, empty when ok
};

/// Verifies records in storage order, each with its stored hash. Detects a modified
/// record (hash mismatch), deleted records (gap in ids), reordered or duplicated ids,
/// and inserted records (their hash cannot match without rewriting every later one).
/// `startHash` is the hash before the first record given (genesis for a full log, a
/// checkpoint otherwise); `expectedHead`, when given, must equal the last stored hash.
ChainCheck verifyChain(const std::vector<std::pair<AuditRecord, std::string>>& records,
                       const std::string& startHash = genesisHash(),
                       const std::optional<std::string>& expectedHead = std::nullopt);

}  // namespace parc::server::security
