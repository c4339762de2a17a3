#include "server/security/audit_chain.h"

#include "common/crypto/hash.h"

namespace parc::server::security {

namespace {

// Bumped if the encoding ever changes, so old and new chains cannot be confused.
constexpr std::string_view kVersionTag = "parc-audit-chain-v1";

void appendUint64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

void appendField(std::string& out, std::string_view field) {
  appendUint64(out, field.size());
  out.append(field);
}

bool isLowerHex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

ChainCheck bad(std::int64_t id, std::string reason) {
  return ChainCheck{false, id, std::move(reason)};
}

}  // namespace

const std::string& genesisHash() {
  static const std::string kGenesis(64, '0');
  return kGenesis;
}

std::string chainHash(const std::string& previousHash, const AuditRecord& record) {
  std::string encoded;
  appendField(encoded, kVersionTag);
  appendField(encoded, previousHash);
  // Integers as fixed 8-byte big-endian two's complement: fixed width needs no prefix.
  appendUint64(encoded, static_cast<std::uint64_t>(record.id));
  appendUint64(encoded, static_cast<std::uint64_t>(record.at));
  for (const std::string* field : {&record.actor, &record.action, &record.target, &record.source,
                                   &record.result, &record.detail}) {
    appendField(encoded, *field);
  }
  return crypto::sha256Hex(encoded);
}

ChainCheck verifyChain(const std::vector<std::pair<AuditRecord, std::string>>& records,
                       const std::string& startHash,
                       const std::optional<std::string>& expectedHead) {
  std::string previous = startHash;
  std::optional<std::int64_t> previousId;
  for (const auto& [record, stored] : records) {
    if (previousId && record.id <= *previousId) {
      return bad(record.id, "audit record " + std::to_string(record.id) + " comes after " +
                                std::to_string(*previousId) + ": records reordered or duplicated");
    }
    if (previousId && record.id != *previousId + 1) {
      return bad(record.id, "audit records " + std::to_string(*previousId + 1) + " to " +
                                std::to_string(record.id - 1) + " are missing (deleted)");
    }
    if (!isLowerHex64(stored)) {
      return bad(record.id,
                 "audit record " + std::to_string(record.id) + " has no valid stored hash");
    }
    // The stored hash is not secret, so a plain comparison leaks nothing.
    if (chainHash(previous, record) != stored) {
      return bad(record.id, "audit record " + std::to_string(record.id) +
                                " does not match its hash: it, or the record before it, "
                                "was modified, inserted or deleted");
    }
    previous = stored;
    previousId = record.id;
  }
  if (expectedHead && previous != *expectedHead) {
    std::int64_t lastId = previousId.value_or(0);
    return bad(lastId,
               "the audit log does not end at the recorded head hash: newest records "
               "deleted or the whole log rewritten");
  }
  return ChainCheck{};
}

}  // namespace parc::server::security
