#pragma once
// Reading the audit log as a whole: verifying its hash chain page by page, exporting it,
// and applying the retention setting.
#include <optional>
#include <string>

#include "server/security/audit_chain.h"
#include "server/store/store.h"

namespace parc::server::auth {

struct AuditVerification {
  bool ok = true;
  std::int64_t records = 0;  // chained records checked
  std::int64_t firstId = 0;  // first chained record (after the checkpoint)
  std::string head;          // hash of the newest record: keep it elsewhere
  std::int64_t firstBadId = 0;
  std::string reason;
};

/// Walks every chained record in id order. With `expectedHead` (a head kept outside the
/// server), also detects that the newest records were removed or the chain rebuilt.
AuditVerification verifyAuditLog(store::Store& store,
                                 const std::optional<std::string>& expectedHead = std::nullopt);

/// The log as JSON lines, oldest first, each with its hash; the last line is
/// {"checkpoint": …, "head": …} so that an export can be verified on its own.
std::string exportAuditLog(store::Store& store);

}  // namespace parc::server::auth
