#pragma once
// Section "monitors": one entry per DRM connector that returns an EDID
// (/sys/class/drm/card*-*/edid), decoded by edid.h; the raw EDID is kept in base64
// because vendors' serial quirks are easier to fix on the server with the bytes at hand.
#include "agent/collectors/collector.h"

namespace parc::agent::collectors::linux_ {

CollectorPtr makeMonitorsCollector();

}  // namespace parc::agent::collectors::linux_
