#pragma once
// Cloned PCs, the agent's half (docs/inventory.md, "Cloned PCs"). The agent records the
// hardware it runs on in <data>/hardware.json the first time it can read it (right after
// enrolment). A later run on other hardware means the data directory was copied onto
// another PC (an image) or the motherboard was replaced: the agent keeps reporting —
// nothing is lost — but flags every inventory with {"recorded", "current"}, and never
// overwrites the recorded hardware by itself. Only the server's word does: its settings'
// "accepted_hardware", once a technician accepted this machine's hardware.
#include <filesystem>
#include <mutex>
#include <optional>

#include "common/json/json.h"
#include "common/protocol/hardware.h"

namespace parc::agent::service {

class CloneGuard {
 public:
  /// Loads <dataDir>/hardware.json and checks the machine read from `systemRoot` (the
  /// live system when empty) at once, so that a copy knows it is one from the start.
  CloneGuard(const std::filesystem::path& dataDir, const std::filesystem::path& systemRoot);

  /// Compares this run's hardware (an inventory's "system" section) with the recorded
  /// one, recording it when none is yet. Returns {"recorded", "current"} when they
  /// differ, else null. Logs the first difference once.
  Json check(const Json& system);
  /// Adds "clone_suspected" to an inventory message's payload when `inventory` comes
  /// from other hardware than the recorded one.
  void annotate(Json& payload, const Json& inventory);
  /// The server's settings: "accepted_hardware" that is this machine's hardware becomes
  /// the recorded one. True when it was recorded: a full inventory is then due at once.
  bool configured(const Json& settings);
  /// Once after an acceptance (kept across restarts): the server holds the old machine's
  /// view, so the next inventory must be full and sent even if nothing changed here.
  bool takeFullInventoryDue();
  bool suspected() const;

 private:
  void save() const;  // mutex_ held

  mutable std::mutex mutex_;
  std::filesystem::path file_;
  std::optional<protocol::HardwareFingerprint> recorded_;
  std::optional<protocol::HardwareFingerprint> current_;
  bool suspected_ = false;
  bool logged_ = false;
  bool fullDue_ = false;
};

}  // namespace parc::agent::service
