#pragma once
// Section "antivirus": ClamAV (the antivirus Debian packages). Installed when its
// configuration (etc/clamav) or signature databases (var/lib/clamav) exist; version
// from the dpkg database; daemon and updater state from the enabled systemd units;
// signature version and date from the header of daily.cld / daily.cvd.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/collectors/collector.h"

namespace parc::agent::collectors::linux_ {

struct CvdHeader {
  std::int64_t version = 0;     // signature database version, e.g. 27207
  std::int64_t signatures = 0;  // number of signatures
  std::int64_t buildEpochSeconds = 0;
};

/// The 512-byte text header of a .cvd/.cld file:
/// "ClamAV-VDB:<date>:<version>:<sigs>:<flevel>:<md5>:<dsig>:<builder>:<epoch>".
std::optional<CvdHeader> parseCvdHeader(std::string_view bytes);

/// Upstream part of a Debian version: "1.0.5+dfsg-1~deb12u1" -> "1.0.5".
std::string upstreamVersion(std::string_view debianVersion);

CollectorPtr makeAntivirusCollector();

}  // namespace parc::agent::collectors::linux_
