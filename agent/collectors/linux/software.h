#pragma once
// Section "software": installed Debian packages from the dpkg database
// (/var/lib/dpkg/status, deb-control(5) paragraphs).
#include <string_view>

#include "agent/collectors/collector.h"

namespace parc::agent::collectors::linux_ {

/// The installed packages (Status "install ok installed" or "hold ok installed") of a
/// dpkg status file, sorted by name; `problems` notes paragraphs without a name.
Json parseDpkgStatus(std::string_view text, std::vector<std::string>& problems);

CollectorPtr makeSoftwareCollector();

}  // namespace parc::agent::collectors::linux_
