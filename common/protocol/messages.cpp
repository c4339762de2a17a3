#include "common/protocol/messages.h"

#include <ctime>

#include "common/error.h"

namespace parc::protocol {

namespace {
// A required string field that must be present, a string, and not empty.
std::string requireString(const Json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    throw Error(ErrorKind::kBadRequest, std::string("missing or empty field '") + key + "'");
  }
  return it->get<std::string>();
}

std::string optionalString(const Json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string())
    throw Error(ErrorKind::kBadRequest, std::string("field '") + key + "' must be a string");
  return it->get<std::string>();
}

void requireObject(const Json& j, const char* what) {
  if (!j.is_object())
    throw Error(ErrorKind::kBadRequest, std::string(what) + " must be a JSON object");
}
}  // namespace

void to_json(Json& j, const EnrollRequest& m) {
  j = Json{
      {"token", m.token}, {"csr", m.csrPem}, {"hostname", m.hostname}, {"device_id", m.deviceId}};
}

void from_json(const Json& j, EnrollRequest& m) {
  requireObject(j, "enrolment request");
  m.token = requireString(j, "token");
  m.csrPem = requireString(j, "csr");
  m.hostname = optionalString(j, "hostname");
  m.deviceId = optionalString(j, "device_id");
}

void to_json(Json& j, const EnrollResponse& m) {
  j = Json{{"host_id", m.hostId},
           {"tenant_id", m.tenantId},
           {"certificate", m.certificatePem},
           {"ca_bundle", m.caBundlePem}};
}

void from_json(const Json& j, EnrollResponse& m) {
  requireObject(j, "enrolment response");
  m.hostId = j.at("host_id").get<std::int64_t>();
  m.tenantId = j.at("tenant_id").get<std::int64_t>();
  m.certificatePem = requireString(j, "certificate");
  m.caBundlePem = requireString(j, "ca_bundle");
}

void to_json(Json& j, const InventoryReport& m) {
  j = Json{{"version", kVersion},
           {"message_id", m.messageId},
           {"collected_at", m.collectedAt},
           {"agent_version", m.agentVersion},
           {"hash", m.hash},
           {"inventory", m.inventory}};
}

void from_json(const Json& j, InventoryReport& m) {
  requireObject(j, "inventory report");
  auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer() || version->get<int>() != kVersion) {
    throw Error(ErrorKind::kBadRequest,
                "unsupported message version (expected " + std::to_string(kVersion) + ")");
  }
  m.messageId = requireString(j, "message_id");
  if (m.messageId.size() > 64)
    throw Error(ErrorKind::kBadRequest, "message_id longer than 64 characters");
  m.collectedAt = optionalString(j, "collected_at");
  m.agentVersion = optionalString(j, "agent_version");
  m.hash = optionalString(j, "hash");
  auto inv = j.find("inventory");
  if (inv == j.end() || !inv->is_object())
    throw Error(ErrorKind::kBadRequest, "field 'inventory' must be an object");
  m.inventory = *inv;
}

// nlohmann objects keep keys sorted. Invalid UTF-8 (a Latin-1 byte in a firmware string
// or a package description) is replaced rather than fatal: one odd byte must not stop a
// PC's reports (fuzzing finding F2, docs/security.md).
std::string canonical(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string nowRfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace parc::protocol
