#pragma once
// Helpers to run collectors on the recorded trees in tests/fixtures/machines/.
#include <filesystem>
#include <string>
#include <vector>

#include "agent/collectors/collector.h"

namespace parc::agent::collectors::testing {

std::filesystem::path machineDir(const std::string& machine);

/// Roots of a recorded machine, live = false; topology.xml used when present.
CollectContext fixtureContext(const std::string& machine);

/// Runs one collector on a fixture and returns its section; warnings go to `warnings`.
Json collectFixture(const Collector& collector, const std::string& machine,
                    std::vector<std::string>& warnings);

/// A scratch directory removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  /// Writes a file below the directory, creating parents.
  void write(const std::string& rel, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

/// True when some warning contains `needle`.
bool hasWarning(const std::vector<std::string>& warnings, const std::string& needle);

}  // namespace parc::agent::collectors::testing
