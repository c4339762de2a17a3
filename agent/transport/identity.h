#pragma once
// The agent's identity on disk, in its data directory:
//   agent.key (0600)  its private key, generated here, never sent nor logged
//   agent.pem         the certificate the server issued at enrolment
//   ca.pem            the anchors it trusts the server with
//   identity.json     server URL, host and tenant ids
//   device-id         a stable id for this installation (GLPI's deviceid convention)
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "agent/config/agent_config.h"
#include "common/tls/tls_context.h"

namespace parc::agent::transport {

struct Identity {
  std::string server;
  std::int64_t hostId = 0;
  std::int64_t tenantId = 0;
  std::string certificatePem;
  std::string privateKeyPem;
  std::string caBundlePem;
};

/// The client TLS context of an enrolled agent: its certificate, trusting its CA bundle.
std::shared_ptr<tls::TlsContext> clientTls(const Identity& identity);

/// The enrolled identity, or nullopt when the agent has not enrolled yet.
std::optional<Identity> loadIdentity(const std::filesystem::path& dataDir);

/// Reads or creates the stable device id ("<hostname>-<YYYY-MM-DD-hh-mm-ss>").
std::string deviceId(const std::filesystem::path& dataDir);

/// Enrols with the server named in `config`, pinning its CA fingerprint, and writes the
/// identity files. Throws parc::Error with the server's reason when refused.
Identity enroll(const AgentConfig& config);

}  // namespace parc::agent::transport
