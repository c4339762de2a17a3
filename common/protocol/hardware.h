#pragma once
// The hardware a host's agent runs on, as far as it tells one PC from another: the
// SMBIOS system UUID and the system and board serials (docs/inventory.md, "Cloned PCs").
// A PC imaged onto others carries the same agent identity; these do not follow the
// image. Shared by the agent (which records what it was enrolled on) and the server
// (which keeps each host's and refuses to merge another machine's inventory into it).
#include <string>
#include <vector>

#include "common/json/json.h"

namespace parc::protocol {

struct HardwareFingerprint {
  std::string uuid;           // system.product_uuid, lower case
  std::string productSerial;  // system.product_serial
  std::string boardSerial;    // system.board_serial
  // /etc/machine-id: kept for the technician, never compared — an image carries it
  // along, and a reinstall on the same PC changes it.
  std::string machineId;

  /// From an inventory's "system" section (placeholders are already dropped there).
  static HardwareFingerprint fromSystem(const Json& system);
  /// From {"uuid", "product_serial", "board_serial", "machine_id"}; anything else, or
  /// fields that are not short strings, are ignored (the agent is not trusted).
  static HardwareFingerprint fromJson(const Json& j);
  Json toJson() const;

  /// False when nothing that identifies the machine was readable (an agent not running
  /// as root cannot read the DMI serials and UUID).
  bool comparable() const;
  bool operator==(const HardwareFingerprint&) const = default;
};

struct HardwareDifference {
  std::string field;  // "uuid", "product_serial", "board_serial"
  std::string recorded;
  std::string current;
};

/// The identifying fields known on both sides that differ. Empty: the same machine, or
/// nothing to compare (a field unknown on one side proves nothing either way).
std::vector<HardwareDifference> hardwareDifferences(const HardwareFingerprint& recorded,
                                                    const HardwareFingerprint& current);

/// For the history and the logs, in French: "UUID a ≠ b, n° de série X ≠ Y".
std::string describeDifferences(const std::vector<HardwareDifference>& differences);

/// Fills the fields `into` does not know from `from` (a later run as root reads what an
/// unprivileged one could not); true when something was added.
bool completeFingerprint(HardwareFingerprint& into, const HardwareFingerprint& from);

}  // namespace parc::protocol
