#pragma once
// The agent watches its own footprint, like osquery's watchdog but stricter: past its
// memory or CPU budget it logs why and exits, and systemd restarts it clean.
#include <cstdint>

namespace parc::agent::service {

/// Resident memory of this process, in bytes (from /proc/self/statm).
std::int64_t residentBytes();

class Watchdog {
 public:
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer's shadow memory and quarantine multiply memory and CPU: the test
  // builds get budgets scaled to match, the product keeps the real ones.
  static constexpr std::int64_t kBuildFactor = 16;
#else
  static constexpr std::int64_t kBuildFactor = 1;
#endif
  struct Limits {
    std::int64_t maxResidentBytes = 128LL * 1024 * 1024 * kBuildFactor;
    double maxCpuShare = 0.25 * static_cast<double>(kBuildFactor);  // of one core, between checks ≥ 60 s apart
  };
  Watchdog() : Watchdog(Limits{}) {}
  explicit Watchdog(Limits limits);
  /// Exits the process (code 75, EX_TEMPFAIL) when a budget is exceeded.
  void check();

 private:
  Limits limits_;
  double lastCpuSeconds_ = 0;
  double lastWallSeconds_ = 0;
};

}  // namespace parc::agent::service
