#pragma once
// Section "sessions": who is logged in now (utmp, /run/utmp) and who logged in last
// (wtmp, /var/log/wtmp). Both files are arrays of glibc's `struct utmp` (<utmp.h>),
// parsed here from bytes: a torn or foreign record is skipped, never trusted.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/collectors/collector.h"

namespace parc::agent::collectors::linux_ {

struct LoginRecord {
  int type = 0;  // ut_type: USER_PROCESS = 7, BOOT_TIME = 2, DEAD_PROCESS = 8...
  std::int64_t pid = 0;
  std::string user;
  std::string line;  // tty: "pts/0", "tty2", ":0"
  std::string host;  // remote host for ssh, display for X
  std::int64_t epochSeconds = 0;
};

struct LoginRecords {
  std::vector<LoginRecord> records;
  std::size_t skipped = 0;        // records that were not valid utmp entries
  std::size_t trailingBytes = 0;  // bytes after the last whole record
};

/// Whole `struct utmp` records of a utmp/wtmp file's bytes, in file order.
LoginRecords parseLoginRecords(std::string_view bytes);

/// The user sessions open now: USER_PROCESS records of utmp, sorted by user then tty.
std::vector<LoginRecord> openSessions(const std::vector<LoginRecord>& utmp);

/// The last USER_PROCESS record of wtmp (a login; "reboot" and "LOGIN" are not users).
std::optional<LoginRecord> lastLogin(const std::vector<LoginRecord>& wtmp);

CollectorPtr makeSessionsCollector();

}  // namespace parc::agent::collectors::linux_
