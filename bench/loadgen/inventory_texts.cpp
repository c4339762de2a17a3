#include "bench/loadgen/inventory_texts.h"

#include <stdexcept>
#include <utility>
#include <vector>

#include "common/crypto/hash.h"
#include "common/protocol/control.h"
#include "common/protocol/messages.h"

namespace parc::loadgen {

namespace {

// The marks, in the order of the values given to SplicedText::make; a full inventory has
// no base, the last.
const std::vector<std::string> kDeltaMarks = {
    "@@frame@@",   "@@message@@", "1111111111", "@@collected@@", "@@hash@@",    "@@hostname@@",
    "@@machine@@", "@@uuid@@",    "@@serial@@", "@@board@@",     "@@syshash@@", "@@base@@"};
const std::vector<std::string> kFullMarks(kDeltaMarks.begin(), kDeltaMarks.end() - 1);
constexpr std::int64_t kCreatedMark = 1111111111;

// The system section with a PC's identity (or the marks standing for one).
Json identified(Json system, const std::string& hostname, const std::string& machineId,
                const std::string& uuid, const std::string& productSerial,
                const std::string& boardSerial) {
  system["hostname"] = hostname;
  system["machine_id"] = machineId;
  system["product_uuid"] = uuid;
  system["product_serial"] = productSerial;
  system["board_serial"] = boardSerial;
  return system;
}

// Sections volatile as a whole have no hash (agent/collectors/sections.h).
bool hashed(const std::string& section) {
  return section != "processes" && section != "_warnings";
}

Json sectionHashes(const Json& inventory) {
  Json out = Json::object();
  for (const auto& [name, value] : inventory.items())
    if (hashed(name)) out[name] = crypto::sha256Hex(protocol::canonical(value));
  out["system"] = "@@syshash@@";
  return out;
}

std::string frameText(const Json& payload) {
  Json message{{"id", "@@message@@"},
               {"type", "inventory"},
               {"created_at", kCreatedMark},
               {"payload", payload}};
  Json batch{{"version", 1}, {"messages", Json::array({message})}};
  return protocol::toJson(protocol::Report{"@@frame@@", batch}).dump();
}

Json payloadOf(const Json& inventory, bool full) {
  Json payload{{"collected_at", "@@collected@@"},
               {"agent_version", "0.1.0"},
               {"hash", "@@hash@@"},
               {"full", full},
               {"sections", sectionHashes(inventory)},
               {"inventory", inventory}};
  if (!full) payload["base"] = "@@base@@";
  return payload;
}

const Json& checked(const Json& inventory) {
  if (!inventory.is_object() || !inventory.contains("system") || !inventory["system"].is_object())
    throw std::runtime_error("inventory template: not an inventory (no \"system\" section)");
  return inventory;
}

Json deltaOf(const Json& marked) {
  Json delta = Json::object();
  for (const char* s : {"system", "os", "agent", "_warnings", "sessions"})
    if (marked.contains(s)) delta[s] = marked[s];
  return delta;
}

Json marked(Json inventory) {
  inventory["system"] = identified(checked(inventory)["system"], "@@hostname@@", "@@machine@@",
                                   "@@uuid@@", "@@serial@@", "@@board@@");
  return inventory;
}

std::string hex32(const std::string& seed) {
  return crypto::sha256Hex(seed).substr(0, 32);
}

}  // namespace

InventoryTexts::InventoryTexts(const Json& inventory) : InventoryTexts(Marked{marked(inventory)}) {}

InventoryTexts::InventoryTexts(Marked marked)
    : restHash_(crypto::sha256Hex(protocol::canonical(marked.inventory))),
      full_(frameText(payloadOf(marked.inventory, true)), kFullMarks),
      delta_(frameText(payloadOf(deltaOf(marked.inventory), false)), kDeltaMarks),
      system_(std::move(marked.inventory["system"])) {
  fullBytes_ = full(pc(0, "x"), "f", "m", 0).size();
}

PcIdentity InventoryTexts::pc(int index, const std::string& hostname) const {
  PcIdentity p;
  std::string seed = "parc-loadgen-pc-" + std::to_string(index);
  std::string h = hex32(seed);
  p.hostname = hostname;
  p.machineId = h;
  p.uuid = h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
           "-" + h.substr(20, 12);
  p.productSerial = "PARCLG" + std::to_string(index);
  p.boardSerial = "PARCLGB" + std::to_string(index);
  p.systemHash = crypto::sha256Hex(protocol::canonical(
      identified(system_, p.hostname, p.machineId, p.uuid, p.productSerial, p.boardSerial)));
  // Not the agent's hash of the whole text (450 KB per PC): one that changes with it.
  p.fullHash = crypto::sha256Hex(restHash_ + p.systemHash);
  return p;
}

std::string InventoryTexts::full(const PcIdentity& pc, const std::string& frameId,
                                 const std::string& messageId, std::int64_t now) const {
  return full_.make({frameId, messageId, std::to_string(now), protocol::nowRfc3339(), pc.fullHash,
                     pc.hostname, pc.machineId, pc.uuid, pc.productSerial, pc.boardSerial,
                     pc.systemHash});
}

std::string InventoryTexts::delta(const PcIdentity& pc, const std::string& frameId,
                                  const std::string& messageId, std::int64_t now,
                                  const std::string& hash, const std::string& base) const {
  return delta_.make({frameId, messageId, std::to_string(now), protocol::nowRfc3339(), hash,
                      pc.hostname, pc.machineId, pc.uuid, pc.productSerial, pc.boardSerial,
                      pc.systemHash, base});
}

}  // namespace parc::loadgen
