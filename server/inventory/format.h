#pragma once
// Values of an inventory as technicians read them: binary sizes in Gio/Mio, frequencies
// in MHz, French decimal commas, "oui"/"non". Used in change summaries (diff.h).
#include <string>
#include <string_view>

#include "common/json/json.h"

namespace parc::server::inventory {

/// "16 Gio", "15,5 Gio", "512 Mio", "800 o": binary units, at most one decimal.
std::string formatBytes(double bytes);

/// At most two decimals, French comma, trailing zeros dropped: "43,21", "24", "-3,5".
std::string formatNumber(double value);

/// `value` with the unit its key names by suffix (`_bytes`, `_mhz`, `_mts`, `_wh`, ...);
/// `key` may be a dotted path ("smart.temperature_celsius"). Absent/null → "—".
std::string formatValue(std::string_view key, const Json& value);

}  // namespace parc::server::inventory
