#pragma once
// Which snapshots a policy keeps: restic `forget` semantics, decided on the server's
// clock (snapshot dates are the server's, never the agent's). Pure: no I/O.
#include <cstdint>
#include <string>
#include <vector>

#include "server/backup/policy.h"

namespace parc::server::backup {

struct DatedSnapshot {
  std::string id;
  std::int64_t created = 0;  // seconds since the epoch (the server's clock)
};

struct RetentionDecision {
  struct Kept {
    std::string id;
    std::vector<std::string> reasons;  // "last", "daily", "weekly", "monthly", "yearly"
  };
  std::vector<Kept> keep;           // newest first
  std::vector<std::string> forget;  // newest first
};

/// The snapshots of one host: the newest `keepLast`, then, newest first, the newest
/// snapshot of each calendar day (UTC), ISO week, month and year until each rule's
/// count of buckets is reached. A snapshot kept by several rules counts for each.
/// Buckets with no snapshot do not count (a PC switched off for a week keeps its 14
/// daily snapshots from further back).
RetentionDecision decideRetention(std::vector<DatedSnapshot> snapshots, const Retention& policy);

}  // namespace parc::server::backup
