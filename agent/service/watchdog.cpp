#include "agent/service/watchdog.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>

namespace parc::agent::service {

namespace {
double cpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
double wallSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

std::int64_t residentBytes() {
  std::ifstream statm("/proc/self/statm");
  std::int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

Watchdog::Watchdog(Limits limits)
    : limits_(limits), lastCpuSeconds_(cpuSeconds()), lastWallSeconds_(wallSeconds()) {}

void Watchdog::check() {
  std::int64_t rss = residentBytes();
  if (rss > limits_.maxResidentBytes) {
    spdlog::critical(
        "watchdog: resident memory {} MiB over the {} MiB budget; exiting for a clean restart",
        rss >> 20, limits_.maxResidentBytes >> 20);
    std::exit(75);
  }
  double cpu = cpuSeconds(), wall = wallSeconds();
  if (wall - lastWallSeconds_ >= 60) {
    double share = (cpu - lastCpuSeconds_) / (wall - lastWallSeconds_);
    if (share > limits_.maxCpuShare) {
      spdlog::critical("watchdog: {:.0f} % of a core used over {:.0f} s (budget {:.0f} %); exiting",
                       share * 100, wall - lastWallSeconds_, limits_.maxCpuShare * 100);
      std::exit(75);
    }
    lastCpuSeconds_ = cpu;
    lastWallSeconds_ = wall;
  }
}

}  // namespace parc::agent::service
