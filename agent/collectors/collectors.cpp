// The explicit list of inventory collectors. Adding a collector = one file + one line here.
#include "agent/collectors/collector.h"
#include "agent/collectors/linux/cpu.h"
#include "agent/collectors/linux/memory.h"
#include "agent/collectors/linux/os.h"
#include "agent/collectors/linux/system.h"

namespace parc::agent::collectors {

std::vector<CollectorPtr> allCollectors() {
  return {
      linux_::makeSystemCollector(),
      linux_::makeOsCollector(),
      linux_::makeCpuCollector(),
      linux_::makeMemoryCollector(),
  };
}

}  // namespace parc::agent::collectors
