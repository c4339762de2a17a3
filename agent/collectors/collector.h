#pragma once
// A collector fills one section of the inventory document from the running system
// (or a recorded tree of it). It returns partial data rather than nothing: a field it
// cannot read is left out, and the reason goes to `warnings`.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/json/json.h"

namespace parc::agent::collectors {

/// Where the system is read from; tests point these at tests/fixtures/<machine>/.
struct SystemRoots {
  std::filesystem::path sys = "/sys";
  std::filesystem::path proc = "/proc";
  std::filesystem::path etc = "/etc";
  std::filesystem::path dev = "/dev";
  std::filesystem::path varLib = "/var/lib";
  std::filesystem::path run = "/run";
  /// wtmp (last logins) lives here.
  std::filesystem::path varLog = "/var/log";
  /// Host data files: hwdata's pci.ids / usb.ids / pnp.ids (share/hwdata or share/misc).
  std::filesystem::path usrShare = "/usr/share";
  /// A recorded hwloc topology (lstopo --of xml); empty means discover the live machine.
  std::filesystem::path hwlocXml;
  /// False for recorded trees: collectors must not run programs or ask the live kernel.
  bool live = true;

  /// A recorded machine laid out like / under `tree` (sys/, proc/, etc/, … and an
  /// optional topology.xml): not live.
  static SystemRoots under(const std::filesystem::path& tree);
};

struct CollectContext {
  SystemRoots roots;
  std::chrono::milliseconds timeout{10000};
};

class Collector {
 public:
  virtual ~Collector() = default;
  /// The inventory section this collector fills, e.g. "cpu".
  virtual std::string_view name() const = 0;
  /// Reads the system; never throws for missing or malformed input (warnings instead).
  virtual Json collect(const CollectContext& context, std::vector<std::string>& warnings) const = 0;
};

// Shared so that a collector abandoned past its timeout stays alive until it returns.
using CollectorPtr = std::shared_ptr<const Collector>;

/// The explicit list of collectors for this platform (collectors.cpp).
std::vector<CollectorPtr> allCollectors();

/// Runs every collector under its timeout; a collector that throws or times out leaves
/// its section out and its reason in "_warnings". Sections are keyed by collector name.
Json collectInventory(const CollectContext& context, const std::vector<CollectorPtr>& collectors);

}  // namespace parc::agent::collectors
