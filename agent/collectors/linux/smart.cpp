#include "agent/collectors/linux/smart.h"

#include <unistd.h>

#include "agent/collectors/linux/read.h"
#include "agent/collectors/linux/run.h"

namespace parc::agent::collectors::linux_ {

namespace {

// smartctl's exit status is a bit mask (smartctl(8) "RETURN VALUES"): bit 0 = bad
// command line, bit 1 = device could not be opened or is in standby with -n.
constexpr int kExitCommandLine = 1 << 0;
constexpr int kExitOpenFailed = 1 << 1;

const Json* path(const Json& j, std::initializer_list<const char*> keys) {
  const Json* cur = &j;
  for (const char* k : keys) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(k);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

void copyNumber(const Json& from, std::initializer_list<const char*> keys, Json& to,
                const char* key) {
  if (const Json* v = path(from, keys); v && v->is_number()) to[key] = *v;
}

void copyString(const Json& from, std::initializer_list<const char*> keys, Json& to,
                const char* key) {
  if (const Json* v = path(from, keys); v && v->is_string() && !v->get<std::string>().empty()) {
    to[key] = *v;
  }
}

// ATA attribute raw value by id, e.g. 5 = reallocated sectors.
std::optional<std::int64_t> ataRaw(const Json& j, int id) {
  const Json* table = path(j, {"ata_smart_attributes", "table"});
  if (!table || !table->is_array()) return std::nullopt;
  for (const Json& a : *table) {
    if (a.is_object() && a.value("id", -1) == id) {
      if (const Json* raw = path(a, {"raw", "value"}); raw && raw->is_number_integer()) {
        return raw->get<std::int64_t>();
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Json> parseSmartctlJson(std::string_view text, std::vector<std::string>& problems) {
  Json j;
  try {
    j = parseJson(text);
  } catch (const std::exception& e) {
    problems.push_back(std::string("smartctl output is not JSON: ") + e.what());
    return std::nullopt;
  }
  if (!j.is_object() || !j.contains("smartctl")) {
    problems.push_back("smartctl output has no \"smartctl\" object");
    return std::nullopt;
  }
  Json out = Json::object();
  copyString(j, {"model_name"}, out, "model");
  copyString(j, {"serial_number"}, out, "serial");
  copyString(j, {"firmware_version"}, out, "firmware");
  if (const Json* passed = path(j, {"smart_status", "passed"}); passed && passed->is_boolean()) {
    out["health_passed"] = passed->get<bool>();
  }
  copyNumber(j, {"temperature", "current"}, out, "temperature_celsius");
  copyNumber(j, {"power_on_time", "hours"}, out, "power_on_hours");
  copyNumber(j, {"power_cycle_count"}, out, "power_cycles");
  copyNumber(j, {"rotation_rate"}, out, "rotation_rpm");
  const Json* nvme = path(j, {"nvme_smart_health_information_log"});
  if (nvme && nvme->is_object()) {
    copyNumber(*nvme, {"percentage_used"}, out, "percentage_used");
    copyNumber(*nvme, {"available_spare"}, out, "available_spare_percent");
    copyNumber(*nvme, {"media_errors"}, out, "media_errors");
    copyNumber(*nvme, {"unsafe_shutdowns"}, out, "unsafe_shutdowns");
    copyNumber(*nvme, {"critical_warning"}, out, "critical_warning");
    // NVMe data units are 1000 blocks of 512 bytes (NVMe base spec, "Data Units Read").
    if (const Json* w = path(*nvme, {"data_units_written"}); w && w->is_number_integer()) {
      out["written_bytes"] = w->get<std::int64_t>() * 512000;
    }
  }
  if (auto v = ataRaw(j, 5)) out["reallocated_sectors"] = *v;
  if (auto v = ataRaw(j, 197)) out["pending_sectors"] = *v;
  if (auto v = ataRaw(j, 198)) out["offline_uncorrectable"] = *v;
  if (const Json* standby = path(j, {"power_mode"}); standby && standby->is_string()) {
    out["power_mode"] = *standby;
  }
  if (const Json* msgs = path(j, {"smartctl", "messages"}); msgs && msgs->is_array()) {
    for (const Json& m : *msgs) {
      if (m.is_object() && m.value("severity", "") == "error") {
        problems.push_back("smartctl: " + m.value("string", std::string("error")));
      }
    }
  }
  return out;
}

std::optional<std::string> findSmartctl() {
  for (const char* p : {"/usr/sbin/smartctl", "/sbin/smartctl", "/usr/bin/smartctl"}) {
    if (::access(p, X_OK) == 0) return std::string(p);
  }
  return std::nullopt;
}

std::optional<Json> querySmart(const std::string& smartctl, const std::string& device,
                               std::chrono::milliseconds timeout,
                               std::vector<std::string>& warnings) {
  RunResult r = runProgram(
      {smartctl, "--json", "-n", "standby", "-i", "-H", "-A", "/dev/" + device}, timeout);
  if (!r.error.empty()) {
    warnings.push_back("storage: cannot run smartctl: " + r.error);
    return std::nullopt;
  }
  if (r.timedOut) {
    warnings.push_back("storage: smartctl on /dev/" + device + " timed out after " +
                       std::to_string(timeout.count()) + " ms");
    return std::nullopt;
  }
  if (r.exitCode >= 0 && (r.exitCode & kExitCommandLine)) {
    warnings.push_back("storage: smartctl rejected its command line for /dev/" + device);
    return std::nullopt;
  }
  std::vector<std::string> problems;
  auto smart = parseSmartctlJson(r.output, problems);
  if (smart && r.exitCode >= 0 && (r.exitCode & kExitOpenFailed) && !smart->contains("model")) {
    // In standby (with -n standby) or not a SMART device: nothing useful to keep.
    return std::nullopt;
  }
  for (const auto& p : problems) warnings.push_back("storage: /dev/" + device + ": " + p);
  return smart;
}

}  // namespace parc::agent::collectors::linux_
