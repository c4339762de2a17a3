#include <sys/statvfs.h>
#include <sys/timex.h>

#include <ctime>

#include "agent/health/sampler.h"

namespace parc::agent::health {

HealthContext HealthContext::live() {
  HealthContext c;
  c.statfs = [](const std::string& mountPoint) -> std::optional<FsSpace> {
    struct statvfs s {};
    if (::statvfs(mountPoint.c_str(), &s) != 0) return std::nullopt;
    FsSpace f;
    f.totalBytes = static_cast<std::uint64_t>(s.f_blocks) * s.f_frsize;
    f.availableBytes = static_cast<std::uint64_t>(s.f_bavail) * s.f_frsize;
    f.freeBytes = static_cast<std::uint64_t>(s.f_bfree) * s.f_frsize;
    f.totalInodes = s.f_files;
    f.freeInodes = s.f_ffree;
    return f;
  };
  c.clock = []() -> std::optional<ClockState> {
    struct timex t {};  // modes = 0: read only
    int state = ::adjtimex(&t);
    if (state < 0) return std::nullopt;
    ClockState s;
    s.synchronised = state != TIME_ERROR && !(t.status & STA_UNSYNC);
    s.maxErrorMicros = t.maxerror;
    // offset is in microseconds unless STA_NANO is set.
    s.offsetMicros = (t.status & STA_NANO) ? t.offset / 1000 : t.offset;
    return s;
  };
  c.run = [](const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    return collectors::linux_::runProgram(argv, timeout);
  };
  c.now = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
  return c;
}

HealthContext HealthContext::underRoot(const std::filesystem::path& root) {
  HealthContext c = live();
  if (root.empty()) return c;
  c.proc = root / "proc";
  c.sys = root / "sys";
  c.statfs = [root, live = c.statfs](const std::string& mountPoint) {
    return live((root / std::filesystem::path(mountPoint).relative_path()).string());
  };
  c.clock = [] { return std::optional<ClockState>(); };
  c.run = [](const std::vector<std::string>& argv, std::chrono::milliseconds) {
    collectors::linux_::RunResult r;
    r.error = "not run under system_root: " + (argv.empty() ? std::string() : argv.front());
    return r;
  };
  return c;
}

}  // namespace parc::agent::health
