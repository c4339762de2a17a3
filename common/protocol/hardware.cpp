#include "common/protocol/hardware.h"

#include <algorithm>
#include <cctype>

namespace parc::protocol {

namespace {

constexpr std::size_t kMaxField = 128;

std::string trimmed(std::string s) {
  auto notSpace = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), notSpace));
  s.erase(std::find_if(s.rbegin(), s.rend(), notSpace).base(), s.end());
  return s;
}

// A string field, trimmed; "" when absent, not a string or unreasonably long.
std::string field(const Json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  std::string v = trimmed(it->get<std::string>());
  return v.size() <= kMaxField ? v : std::string();
}

// UUIDs are written in either case by firmware and tools; serials are compared as written.
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

HardwareFingerprint HardwareFingerprint::fromSystem(const Json& system) {
  return {lower(field(system, "product_uuid")), field(system, "product_serial"),
          field(system, "board_serial"), field(system, "machine_id")};
}

HardwareFingerprint HardwareFingerprint::fromJson(const Json& j) {
  return {lower(field(j, "uuid")), field(j, "product_serial"), field(j, "board_serial"),
          field(j, "machine_id")};
}

Json HardwareFingerprint::toJson() const {
  return Json{{"uuid", uuid},
              {"product_serial", productSerial},
              {"board_serial", boardSerial},
              {"machine_id", machineId}};
}

bool HardwareFingerprint::comparable() const {
  return !uuid.empty() || !productSerial.empty() || !boardSerial.empty();
}

std::vector<HardwareDifference> hardwareDifferences(const HardwareFingerprint& recorded,
                                                    const HardwareFingerprint& current) {
  std::vector<HardwareDifference> out;
  auto compare = [&out](const char* name, const std::string& a, const std::string& b) {
    if (!a.empty() && !b.empty() && a != b) out.push_back({name, a, b});
  };
  compare("uuid", recorded.uuid, current.uuid);
  compare("product_serial", recorded.productSerial, current.productSerial);
  compare("board_serial", recorded.boardSerial, current.boardSerial);
  return out;
}

std::string describeDifferences(const std::vector<HardwareDifference>& differences) {
  std::string out;
  for (const auto& d : differences) {
    std::string label = d.field == "uuid"             ? "UUID"
                        : d.field == "product_serial" ? "n° de série"
                                                      : "n° de série de la carte mère";
    if (!out.empty()) out += ", ";
    out += label + " " + d.recorded + " ≠ " + d.current;
  }
  return out;
}

bool completeFingerprint(HardwareFingerprint& into, const HardwareFingerprint& from) {
  bool added = false;
  auto fill = [&added](std::string& a, const std::string& b) {
    if (a.empty() && !b.empty()) {
      a = b;
      added = true;
    }
  };
  fill(into.uuid, from.uuid);
  fill(into.productSerial, from.productSerial);
  fill(into.boardSerial, from.boardSerial);
  fill(into.machineId, from.machineId);
  return added;
}

}  // namespace parc::protocol
