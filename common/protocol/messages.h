#pragma once
// Agent <-> server message bodies (docs/protocol.md). Each has to_json/from_json;
// from_json throws nlohmann exceptions, which parc::fromJson turns into kBadRequest.
#include <cstdint>
#include <string>

#include "common/json/json.h"

namespace parc::protocol {

inline constexpr int kVersion = 1;
inline constexpr const char* kApiPrefix = "/api/v1";

/// POST /api/v1/enroll (agent listener, no client certificate).
struct EnrollRequest {
  std::string token;     // the enrolment secret, sent once
  std::string csrPem;    // PKCS#10, EC P-256, signed by the agent's new key
  std::string hostname;  // informative; the server names the certificate itself
  std::string deviceId;  // the agent's stable id (data directory), may be empty
};

struct EnrollResponse {
  std::int64_t hostId = 0;
  std::int64_t tenantId = 0;
  std::string certificatePem;  // the agent's identity from now on
  std::string caBundlePem;     // the anchors the agent trusts the server with
};

/// POST /api/v1/inventory (agent listener, client certificate).
struct InventoryReport {
  std::string messageId;    // unique per message: the server stores each id once
  std::string collectedAt;  // RFC 3339 UTC
  std::string agentVersion;
  std::string hash;  // SHA-256 of the canonical inventory JSON
  Json inventory;    // the document of docs/inventory.md
};

void to_json(Json& j, const EnrollRequest& m);
void from_json(const Json& j, EnrollRequest& m);
void to_json(Json& j, const EnrollResponse& m);
void from_json(const Json& j, EnrollResponse& m);
void to_json(Json& j, const InventoryReport& m);
void from_json(const Json& j, InventoryReport& m);

/// Canonical text of a document (sorted keys, no spaces): what hashes are taken over.
std::string canonical(const Json& j);

/// Current UTC time as RFC 3339 with seconds, e.g. "2026-11-29T10:00:00Z".
std::string nowRfc3339();

}  // namespace parc::protocol
