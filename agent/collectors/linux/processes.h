#pragma once
// Section "processes": a snapshot of running processes from /proc/<pid>. It can be
// left out of an inventory by name ("processes", see agent/collectors/selection.h):
// it changes at every run, so deployments that hash inventories usually disable it.
#include <optional>
#include <string_view>

#include "agent/collectors/collector.h"

namespace parc::agent::collectors::linux_ {

struct ProcStat {
  std::string comm;
  char state = '?';
  std::int64_t ppid = 0;
  std::int64_t ttyNr = 0;       // field 7: controlling terminal (device number), 0 = none
  std::int64_t cpuTicks = 0;    // fields 14 + 15: user + system time, in clock ticks
  std::int64_t startTicks = 0;  // field 22: start time after boot, in clock ticks
};

/// The terminal of a tty_nr ("pts/3", "tty2", "ttyS0"); empty for none or other devices.
std::string ttyName(std::int64_t ttyNr);

/// /proc/<pid>/stat; the command name is in parentheses and may itself contain
/// spaces and ')' so the last ')' ends it.
std::optional<ProcStat> parseProcStat(std::string_view text);

CollectorPtr makeProcessesCollector();

}  // namespace parc::agent::collectors::linux_
