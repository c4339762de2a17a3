#include "server/inventory/search_terms.h"

namespace parc::server::inventory {

namespace {

constexpr std::size_t kMaxTerms = 64 * 1024;  // ~2,000 software names; more is noise

void add(std::string& out, const Json& value) {
  if (!value.is_string() || out.size() > kMaxTerms) return;
  const auto& text = value.get_ref<const std::string&>();
  if (text.empty()) return;
  out.append(text, 0, 256);
  out.push_back(' ');
}

const Json& field(const Json& object, const char* key) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

void addEach(std::string& out, const Json& array, const char* key) {
  if (!array.is_array()) return;
  for (const auto& item : array) add(out, field(item, key));
}

}  // namespace

std::string searchTerms(const Json& doc) {
  std::string out;
  add(out, field(field(doc, "system"), "hostname"));
  for (const char* key : {"product_serial", "product_uuid", "board_serial", "chassis_serial",
                          "asset_tag", "serial", "uuid"}) {
    add(out, field(field(doc, "system"), key));
  }
  // People, not the system accounts every machine has.
  const Json& users = field(field(doc, "users"), "users");
  if (users.is_array()) {
    for (const auto& u : users) {
      if (field(u, "system").is_boolean() && field(u, "system").get<bool>()) continue;
      add(out, field(u, "name"));
      add(out, field(u, "full_name"));
    }
  }
  addEach(out, field(field(doc, "sessions"), "logged_in"), "user");
  const Json& network = field(doc, "network");
  if (network.is_array()) {
    for (const auto& nic : network) {
      add(out, field(nic, "mac"));
      addEach(out, field(nic, "addresses"), "address");
    }
  }
  addEach(out, field(doc, "storage").is_object() ? field(field(doc, "storage"), "disks") : Json(),
          "serial");
  addEach(out, field(doc, "software"), "name");
  return out;
}

}  // namespace parc::server::inventory
