#pragma once
// Section "network": interfaces from /sys/class/net (MAC, MTU, speed, state, driver,
// kind) and, on the live machine only, their addresses from getifaddrs(3).
#include "agent/collectors/collector.h"

namespace parc::agent::collectors::linux_ {

/// ARPHRD type number (/sys/class/net/X/type) -> "ethernet", "loopback"...
std::string linkTypeName(int arphrd);

CollectorPtr makeNetworkCollector();

}  // namespace parc::agent::collectors::linux_
