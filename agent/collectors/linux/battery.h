#pragma once
// Section "batteries": /sys/class/power_supply/* of type Battery (design and current
// full capacity, hence wear; charge; cycle count; identity).
#include "agent/collectors/collector.h"

namespace parc::agent::collectors::linux_ {

CollectorPtr makeBatteryCollector();

}  // namespace parc::agent::collectors::linux_
