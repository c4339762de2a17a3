#pragma once
// Health sampling on the agent: one sampler per source of metrics (docs/health.md).
// A sampler reads the system (or a recorded tree of it) and appends numbers to a
// batch; like the inventory collectors, it never throws for missing or malformed input.
#include <sys/timex.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/collectors/linux/run.h"
#include "common/json/json.h"

namespace parc::agent::health {

/// One reading. `subject` names what it is about when a host has several ("/", "sda",
/// "eth0", "cpu3", "cups.service"); empty for host-wide metrics.
struct Metric {
  std::string name;
  std::string subject;
  double value = 0;
};

/// Space of one mounted file system, as statvfs(3) gives it.
struct FsSpace {
  std::uint64_t totalBytes = 0;
  std::uint64_t availableBytes = 0;  // for unprivileged users (f_bavail)
  std::uint64_t freeBytes = 0;       // including the root reserve (f_bfree)
  std::uint64_t totalInodes = 0;
  std::uint64_t freeInodes = 0;
};

/// The clock discipline state, as adjtimex(2) gives it.
struct ClockState {
  bool synchronised = false;
  std::int64_t maxErrorMicros = 0;
  std::int64_t offsetMicros = 0;
};

using Runner = std::function<collectors::linux_::RunResult(const std::vector<std::string>& argv,
                                                           std::chrono::milliseconds timeout)>;

/// Where and how the system is read. Tests point the roots at a recorded tree and
/// replace the three functions that ask the live kernel or run programs.
struct HealthContext {
  std::filesystem::path proc = "/proc";
  std::filesystem::path sys = "/sys";
  std::function<std::optional<FsSpace>(const std::string& mountPoint)> statfs;
  std::function<std::optional<ClockState>()> clock;
  /// Runs a program (absolute path, no shell); by default with a deadline, killed past it.
  Runner run;
  std::chrono::milliseconds commandTimeout{20000};
  /// Absolute paths of the programs, overridable for tests and other distributions.
  std::string systemctl = "/usr/bin/systemctl";
  std::string lpstat = "/usr/bin/lpstat";
  std::string smartctl = "/usr/sbin/smartctl";
  std::string aptGet = "/usr/bin/apt-get";
  /// What apt's simulation reads: the package lists, dpkg's status, apt's settings. The
  /// updates sampler runs it again only when one of them has changed (or a day has passed).
  std::vector<std::filesystem::path> aptState = {"/var/lib/apt/lists", "/var/lib/dpkg/status",
                                                 "/etc/apt", "/etc/apt/preferences.d",
                                                 "/etc/apt/apt.conf.d"};
  /// A print job waiting longer than this is "stuck".
  std::chrono::seconds stuckJobAge{1800};
  /// Where samplers keep what must survive a restart (the last boot id); empty = nowhere.
  std::filesystem::path stateDir;
  /// Seconds since the epoch; injected so that tests are deterministic.
  std::function<std::int64_t()> now;

  /// The live machine: /proc, /sys, statvfs(3), adjtimex(2), runProgram.
  static HealthContext live();
  /// live() when `root` is empty; else a recorded machine tree (`system_root` in
  /// agent.toml, as the inventory reads it): `root`/proc and `root`/sys, statvfs(3) of
  /// each listed mount point inside `root` (a real file system mounted there is really
  /// measured), no clock read and no program run.
  static HealthContext underRoot(const std::filesystem::path& root);
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  /// Short name for logs and warnings, e.g. "cpu".
  virtual std::string_view name() const = 0;
  /// True for the costly samplers (SMART, pending updates) run at the slow interval.
  virtual bool slow() const { return false; }
  /// Appends its metrics. Counters are turned into rates against the previous call,
  /// so the first call of a rate sampler appends nothing for them.
  virtual void sample(const HealthContext& context, std::vector<Metric>& out,
                      std::vector<std::string>& warnings) = 0;
};

using SamplerPtr = std::unique_ptr<Sampler>;

/// The explicit list of samplers (samplers.cpp): one line per source.
std::vector<SamplerPtr> allSamplers();

}  // namespace parc::agent::health
