#pragma once
// Section "users": local accounts and groups from /etc/passwd and /etc/group. Password
// fields are never read into the inventory (and /etc/shadow is never opened).
#include <string_view>

#include "agent/collectors/collector.h"

namespace parc::agent::collectors::linux_ {

/// passwd(5) lines as user objects (name, uid, gid, full_name, home, shell, system).
Json parsePasswd(std::string_view text, std::vector<std::string>& problems);

/// group(5) lines as group objects (name, gid, members).
Json parseGroup(std::string_view text, std::vector<std::string>& problems);

CollectorPtr makeUsersCollector();

}  // namespace parc::agent::collectors::linux_
