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
/// snapshot of each calendar day, ISO week, month and year until each rule's count of
/// buckets is reached. A snapshot kept by several rules counts for each. Buckets with
/// no snapshot do not count (a PC switched off for a week keeps its 14 daily snapshots
/// from further back). The calendar is the town hall's: `timeZone` is a tz database
/// name (a backup at 00:30 in Paris on 1 March is 1 March's, not 28 February's);
/// kBadRequest for an unknown one.
RetentionDecision decideRetention(std::vector<DatedSnapshot> snapshots, const Retention& policy,
                                  const std::string& timeZone = "UTC");
/// "DD/MM/YYYY" of `t` in `timeZone` (for messages).
std::string localDay(std::int64_t t, const std::string& timeZone);
/// kBadRequest unless `timeZone` is "UTC" or a zone of the system's tz database.
void checkTimeZone(const std::string& timeZone);

}  // namespace parc::server::backup
