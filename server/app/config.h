#pragma once
// parc-server's settings: command line over an optional TOML file over defaults.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace parc::server {

struct ListenerConfig {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the system picks one (tests)
};

struct ServerConfig {
  std::filesystem::path dataDir = "/var/lib/parc-server";
  ListenerConfig agentListener{"0.0.0.0", 8443};
  ListenerConfig consoleListener{"127.0.0.1", 8444};
  /// Operator-provided certificate and key for the console listener (PEM paths);
  /// empty: the internal CA's server certificate.
  std::filesystem::path consoleCertificate;
  std::filesystem::path consoleKey;
  /// Names and addresses the internal server certificate covers (besides localhost).
  std::vector<std::string> serverNames;
  std::string logLevel = "info";
  int networkThreads = 1;
  int workerThreads = 8;
  std::size_t maxBodyBytes = 8 * 1024 * 1024;
  std::size_t maxDecompressedBytes = 64 * 1024 * 1024;
  std::int64_t sessionIdleSeconds = 8 * 3600;
  std::int64_t sessionAbsoluteSeconds = 24 * 3600;
  /// How often presence changes (online/offline, last seen) are written in one batch.
  std::chrono::milliseconds presenceFlushInterval{5000};
};

/// Reads the TOML file (keys as in docs/operations.md) over the defaults.
void loadServerConfigFile(const std::filesystem::path& path, ServerConfig& config);

}  // namespace parc::server
