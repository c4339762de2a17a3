#pragma once
// parc-agent's settings: TOML file (default /etc/parc/agent.toml), then command line.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace parc::agent {

struct AgentConfig {
  std::string server;         // agent listener URL, e.g. "https://parc.example.fr:8443"
  std::string caFingerprint;  // SHA-256 of the server's CA certificate, pinned at enrolment
  std::string token;          // enrolment token, used once
  std::filesystem::path dataDir = "/var/lib/parc-agent";
  std::chrono::seconds inventoryInterval{3600};
  std::string logLevel = "info";
  /// Longest wait between two delivery attempts (exponential backoff, full jitter).
  std::chrono::seconds retryMax{900};
  /// Inventory sections not collected, e.g. {"processes"} (GLPI agent's no-category).
  std::vector<std::string> disabledCollectors;
  /// Every N-th inventory is full (the whole document); the others carry only the
  /// sections that changed (docs/protocol.md, "Inventory deltas"). 1 = always full.
  int fullInventoryEvery = 24;
  /// Health metrics sampled and queued every N seconds (docs/health.md); 0 = off.
  std::chrono::seconds metricsInterval{60};
  /// A recorded machine tree read instead of the live system (tests, diagnostics):
  /// `system_root`, laid out as tests/fixtures/machines/<name>. Empty: the live system.
  std::filesystem::path systemRoot;
  /// The file these came from: its [remote] table is the local policy (agent/remote/policy.h).
  std::filesystem::path configFile;
};

/// Reads `path` over the defaults; a missing file is an error only when `required`.
AgentConfig loadAgentConfig(const std::filesystem::path& path, bool required);

/// Once enrolled, removes the top-level `token = …` line from `file` when it holds
/// `spentToken` (a multi-use token must not linger on every PC it enrolled), keeping
/// the file's other lines and its mode. False when there was nothing to remove (no file,
/// no token, another token: one given on the command line). Throws when it cannot write.
bool forgetEnrolmentToken(const std::filesystem::path& file, const std::string& spentToken);

/// After a successful enrolment: forgetEnrolmentToken on the configuration file, saying
/// in the log what it did or why the token stays (never throws: enrolment succeeded).
void forgetSpentToken(const AgentConfig& config);

}  // namespace parc::agent
