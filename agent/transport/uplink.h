#pragma once
// The agent's authenticated channel to the server for reports (mTLS, zstd bodies).
#include <memory>

#include "agent/transport/identity.h"
#include "common/net/client.h"
#include "common/protocol/messages.h"

namespace parc::agent::transport {

class Uplink {
 public:
  explicit Uplink(const Identity& identity);

  /// Sends a report; returns the server's acknowledgement. Throws parc::Error when the
  /// server is unreachable (kUnavailable) or refuses (the status's kind, with its reason).
  protocol::Ack sendInventory(const protocol::InventoryReport& report) const;

 private:
  Json post(const std::string& path, const Json& body) const;
  net::HttpsClient client_;
};

}  // namespace parc::agent::transport
