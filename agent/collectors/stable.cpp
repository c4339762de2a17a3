#include "agent/collectors/stable.h"

#include <initializer_list>

namespace parc::agent::collectors {

namespace {

void erase(Json& object, std::initializer_list<const char*> keys) {
  if (!object.is_object()) return;
  for (const char* k : keys) object.erase(k);
}

void eraseInEach(Json& array, std::initializer_list<const char*> keys) {
  if (!array.is_array()) return;
  for (Json& item : array) erase(item, keys);
}

Json* find(Json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

}  // namespace

Json withoutVolatileFields(const Json& inventory) {
  Json out = inventory;
  if (!out.is_object()) return out;
  out.erase("processes");
  out.erase("_warnings");  // a timeout now and then is not a change of the machine
  if (Json* os = find(out, "os")) erase(*os, {"uptime_seconds"});
  if (Json* cpu = find(out, "cpu")) erase(*cpu, {"current_mhz"});
  if (Json* mem = find(out, "memory")) {
    erase(*mem,
          {"available_bytes", "free_bytes", "buffers_bytes", "cached_bytes", "swap_free_bytes"});
  }
  if (Json* storage = find(out, "storage")) {
    if (Json* fs = find(*storage, "filesystems"))
      eraseInEach(*fs, {"available_bytes", "used_bytes"});
    if (Json* disks = find(*storage, "disks"); disks && disks->is_array()) {
      for (Json& d : *disks) {
        if (Json* smart = find(d, "smart")) {
          erase(*smart, {"temperature_celsius", "power_on_hours", "power_cycles", "written_bytes",
                         "unsafe_shutdowns", "power_mode"});
        }
      }
    }
    if (Json* raid = find(*storage, "raid")) eraseInEach(*raid, {"sync_action"});
  }
  if (Json* bats = find(out, "batteries")) {
    eraseInEach(*bats, {"capacity_percent", "remaining_wh", "status"});
  }
  if (Json* net = find(out, "network")) eraseInEach(*net, {"state", "speed_mbps", "duplex"});
  if (Json* mons = find(out, "monitors")) eraseInEach(*mons, {"status"});
  // Who is logged in changes all day; the last user is kept (it changes with the owner).
  if (Json* sessions = find(out, "sessions")) erase(*sessions, {"logged_in", "last_login_time"});
  // freshclam updates the signatures several times a day.
  if (Json* av = find(out, "antivirus")) {
    eraseInEach(*av, {"database_version", "database_signatures", "database_epoch_seconds",
                      "database_time"});
  }
  return out;
}

}  // namespace parc::agent::collectors
