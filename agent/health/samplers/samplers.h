#pragma once
// Factories of the samplers, one per file in this folder (listed in ../samplers.cpp).
#include "agent/health/sampler.h"

namespace parc::agent::health::samplers {

SamplerPtr makeCpu();        // /proc/stat deltas: total and per core, iowait
SamplerPtr makeLoad();       // /proc/loadavg
SamplerPtr makeMemory();     // /proc/meminfo: memory and swap
SamplerPtr makeDiskUsage();  // statvfs of the mounts in /proc/self/mounts
SamplerPtr makeDiskIo();     // /proc/diskstats deltas: throughput, latency, busy time
SamplerPtr makeNetwork();    // /proc/net/dev deltas: throughput, errors
SamplerPtr makeHwmon();      // /sys/class/hwmon: temperatures and fans
SamplerPtr makeBattery();    // /sys/class/power_supply: charge and wear
SamplerPtr makeUptime();     // /proc/uptime and boot_id: reboots
SamplerPtr makeSystemd();    // systemctl list-units --failed --output=json
SamplerPtr makePrinters();   // lpstat: queue states and stuck jobs
SamplerPtr makeTimeSync();   // adjtimex(2): clock synchronised or not
SamplerPtr makeUpdates();    // apt-get -s upgrade: pending and security updates (slow)
SamplerPtr makeSmart();      // smartctl -n standby: health, never waking a sleeping disk (slow)

/// Whole numbers of a line after its first `skip` fields ("cpu0 1 2 3" → {1,2,3}).
std::vector<std::uint64_t> numbersAfter(std::string_view line, std::size_t skip);

}  // namespace parc::agent::health::samplers
