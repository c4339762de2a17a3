#pragma once
// Conversion of a Parc inventory into GLPI's native inventory format (the JSON that
// GLPI 10+ accepts at /front/inventory.php; schema: glpi-project/inventory_format),
// for `parc-agent inventory --format glpi` and for forwarding to a GLPI server.
#include <cstdint>
#include <string>

#include "common/json/json.h"

namespace parc::agent::collectors {

/// A GLPI inventory request ({"action":"inventory","deviceid",...,"content":{...}}) from
/// a Parc inventory document (the output of collectInventory). Sections Parc does not
/// have are left out; units are GLPI's (MB, MHz, mWh, mV). Never throws on missing or
/// oddly typed fields: they are skipped.
/// The collection time (accesslog.logdate, whether antivirus signatures are up to date)
/// is now.
Json toGlpi(const Json& parcInventory, const std::string& deviceId);

/// The same with the collection time given, in seconds since the epoch (tests, replays).
Json toGlpi(const Json& parcInventory, const std::string& deviceId,
            std::int64_t collectedAtEpochSeconds);

}  // namespace parc::agent::collectors
