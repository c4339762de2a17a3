// The explicit list of inventory collectors. Adding a collector = one file + one line here.
#include "agent/collectors/collector.h"
#include "agent/collectors/linux/antivirus.h"
#include "agent/collectors/linux/battery.h"
#include "agent/collectors/linux/cpu.h"
#include "agent/collectors/linux/devices.h"
#include "agent/collectors/linux/firewall.h"
#include "agent/collectors/linux/memory.h"
#include "agent/collectors/linux/monitors.h"
#include "agent/collectors/linux/netconfig.h"
#include "agent/collectors/linux/network.h"
#include "agent/collectors/linux/os.h"
#include "agent/collectors/linux/printers.h"
#include "agent/collectors/linux/processes.h"
#include "agent/collectors/linux/sessions.h"
#include "agent/collectors/linux/software.h"
#include "agent/collectors/linux/storage.h"
#include "agent/collectors/linux/system.h"
#include "agent/collectors/linux/users.h"

namespace parc::agent::collectors {

SystemRoots SystemRoots::under(const std::filesystem::path& tree) {
  SystemRoots r;
  r.sys = tree / "sys";
  r.proc = tree / "proc";
  r.etc = tree / "etc";
  r.dev = tree / "dev";
  r.varLib = tree / "var/lib";
  r.run = tree / "run";
  r.varLog = tree / "var/log";
  r.usrShare = tree / "usr/share";
  if (std::filesystem::exists(tree / "topology.xml")) r.hwlocXml = tree / "topology.xml";
  r.live = false;
  return r;
}

std::vector<CollectorPtr> allCollectors() {
  return {
      linux_::makeSystemCollector(),        linux_::makeOsCollector(),
      linux_::makeCpuCollector(),           linux_::makeMemoryCollector(),
      linux_::makeStorageCollector(),       linux_::makeNetworkCollector(),
      linux_::makeNetworkConfigCollector(), linux_::makeMonitorsCollector(),
      linux_::makePciCollector(),           linux_::makeUsbCollector(),
      linux_::makeSoftwareCollector(),      linux_::makeBatteryCollector(),
      linux_::makeUsersCollector(),         linux_::makeSessionsCollector(),
      linux_::makePrintersCollector(),      linux_::makeAntivirusCollector(),
      linux_::makeFirewallCollector(),      linux_::makeProcessesCollector(),
  };
}

}  // namespace parc::agent::collectors
