#pragma once
// Inventories as a simulated PC sends them (docs/protocol.md, "Inventory deltas"): a real
// inventory (`parc-agent inventory` on a real machine) made each PC's own by its host
// name, machine id, UUID and serials; full on a PC's first contact, later deltas holding
// the sections an agent always sends (system, os, agent, _warnings) and its sessions (a
// secretary logging in is the change a town-hall PC makes most). Texts are spliced, not
// built (spliced_text.h): a full inventory is ~450 KB of JSON.
#include <cstdint>
#include <string>

#include "bench/loadgen/spliced_text.h"
#include "common/json/json.h"

namespace parc::loadgen {

/// What makes simulated PC `index` a machine of its own.
struct PcIdentity {
  std::string hostname, machineId, uuid, productSerial, boardSerial;
  std::string systemHash;  // SHA-256 of its canonical "system" section
  std::string fullHash;    // the "hash" of its full inventory
};

class InventoryTexts {
 public:
  /// `inventory`: what `parc-agent inventory` printed (an object with a "system" section).
  explicit InventoryTexts(const Json& inventory);

  PcIdentity pc(int index, const std::string& hostname) const;
  /// A control channel "report" frame holding one inventory message.
  std::string full(const PcIdentity& pc, const std::string& frameId, const std::string& messageId,
                   std::int64_t now) const;
  std::string delta(const PcIdentity& pc, const std::string& frameId, const std::string& messageId,
                    std::int64_t now, const std::string& hash, const std::string& base) const;
  /// Bytes of the full inventory's text (for the report).
  std::size_t fullBytes() const { return fullBytes_; }

 private:
  struct Marked {  // the template with marks in place of the identity
    Json inventory;
  };
  explicit InventoryTexts(Marked marked);

  std::string restHash_;
  SplicedText full_, delta_;
  Json system_;  // the template's system section (marks in place of the identity)
  std::size_t fullBytes_ = 0;
};

}  // namespace parc::loadgen
