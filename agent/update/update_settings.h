#pragma once
// The agent's [update] table (docs/operations.md, "Agent self-update"): local policy a
// server cannot change — which release keys are trusted, how a package is installed.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace parc::agent::update {

struct UpdateSettings {
  bool enabled = true;
  /// How often to ask the server (± 10 % jitter); the first check comes after one interval.
  std::chrono::seconds checkInterval{6 * 3600};
  /// Ed25519 release keys (hex): `trusted_keys` plus one key per line in the files of
  /// *.pub files of /usr/share/parc-agent/release-keys (shipped by the package).
  std::vector<std::string> trustedKeys;
  /// `{package}` is replaced by the staged file.
  std::vector<std::string> installCommand{"/usr/bin/dpkg", "-i", "{package}"};
  /// How the apply step is started outside the agent's own service, so that the package's
  /// restart of parc-agent does not kill it; empty: a detached child (tests, no systemd).
  std::vector<std::string> launcher{"/usr/bin/systemd-run", "--unit=parc-agent-update", "--collect",
                                    "--quiet", "--"};
  /// The new version must check in with the server within this, or it is rolled back.
  std::chrono::seconds healthTimeout{300};
  std::chrono::seconds installTimeout{600};
};

/// Reads [update] of `configFile` over the defaults (a missing file or table: defaults),
/// then the keys of `keysDir`. kBadRequest for a malformed value or key.
UpdateSettings loadUpdateSettings(
    const std::filesystem::path& configFile,
    const std::filesystem::path& keysDir = "/usr/share/parc-agent/release-keys");

}  // namespace parc::agent::update
