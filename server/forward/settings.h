#pragma once
// Per-tenant forwarding of inventories to the town hall's own GLPI: what the server's
// TOML file says ([[glpi_forward]] blocks, docs/inventory.md "GLPI forwarding").
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace parc::server::forward {

/// Where a GLPI inventory is POSTed: http:// (LAN, unencrypted) or https://.
struct GlpiUrl {
  bool tls = true;
  std::string host;
  std::uint16_t port = 443;
  std::string path = "/front/inventory.php";
  std::string toString() const;
};

/// "https://glpi.example/" → POST /front/inventory.php on it; a URL naming a file
/// ("…/front/inventory.php", "…/marketplace/glpiinventory/") is used as given.
/// Throws parc::Error(kBadRequest) with the reason.
GlpiUrl parseGlpiUrl(const std::string& url);

/// One [[glpi_forward]] block: a tenant (by id or INSEE code) and its GLPI.
struct GlpiTarget {
  std::optional<std::int64_t> tenantId;
  std::string tenantInsee;
  std::string url;  // as configured (shown in status)
  GlpiUrl endpoint;
  std::filesystem::path caFile;  // PEM to trust; empty: the system store
  bool enabled = true;
  bool compress = true;  // zlib, Content-Type application/x-compress-zlib
  std::chrono::milliseconds retryMin{5000};
  std::chrono::milliseconds retryMax{15 * 60 * 1000};
  std::chrono::seconds timeout{30};

  /// "tenant 3" or "INSEE 12202", for logs.
  std::string who() const;
};

/// What the forwarder needs besides the targets.
struct ForwardSettings {
  std::vector<GlpiTarget> targets;
  /// Bound on the queued inventories (their Parc JSON), all tenants together.
  std::size_t maxQueueBytes = 512ull * 1024 * 1024;
  int senderThreads = 2;
};

}  // namespace parc::server::forward
