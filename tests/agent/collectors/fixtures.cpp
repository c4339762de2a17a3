#include "tests/agent/collectors/fixtures.h"

#include <stdlib.h>

#include <fstream>
#include <stdexcept>

namespace parc::agent::collectors::testing {

namespace fs = std::filesystem;

fs::path machineDir(const std::string& machine) {
  return fs::path(PARC_SOURCE_DIR) / "tests/fixtures/machines" / machine;
}

CollectContext fixtureContext(const std::string& machine) {
  fs::path dir = machineDir(machine);
  if (!fs::is_directory(dir)) throw std::runtime_error("no fixture " + dir.string());
  CollectContext c;
  c.roots = SystemRoots::under(dir);
  return c;
}

Json collectFixture(const Collector& collector, const std::string& machine,
                    std::vector<std::string>& warnings) {
  return collector.collect(fixtureContext(machine), warnings);
}

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "parc-collectors-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void TempDir::write(const std::string& rel, const std::string& content) const {
  fs::path p = path_ / rel;
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

bool hasWarning(const std::vector<std::string>& warnings, const std::string& needle) {
  for (const auto& w : warnings) {
    if (w.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace parc::agent::collectors::testing
