#pragma once
// Signed scripts on the agent (the `script_run` control command): the server's
// command-signing key pinned in the data directory, the envelope checked (signature,
// target, expiry, body hash), its nonce remembered until it expires so that a replay
// is refused even after a restart, then the script run with a timeout and output caps.
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "agent/remote/policy.h"
#include "agent/remote/process_runner.h"
#include "common/json/json.h"
#include "common/remote/envelope.h"

namespace parc::agent::remote {

/// Nonces of accepted envelopes with their expiry, persisted (written before the script
/// runs: a crash cannot turn into a second run). Bounded by the envelopes' lifetime.
class NonceCache {
 public:
  explicit NonceCache(std::filesystem::path file, std::size_t capacity = 10000);
  /// Records the nonce: false when already seen (a replay) or when the cache is full.
  bool remember(const std::string& nonce, std::int64_t expiresAt, std::int64_t now,
                std::string& why);

 private:
  void save();
  std::filesystem::path file_;
  std::size_t capacity_;
  std::map<std::string, std::int64_t> seen_;
  bool broken_ = false;
};

/// The pinned command-signing key (`<data>/command-signing.pub`).
class PinnedKey {
 public:
  explicit PinnedKey(std::filesystem::path file);
  std::optional<std::string> get() const;
  /// Pins `key` when none is pinned yet (first receipt over the mTLS channel); true when
  /// `key` is (now) the pinned one.
  bool pinIfFirst(const std::string& key);
  /// Replaces the key: only for a key delivered at enrolment.
  void replace(const std::string& key);

 private:
  std::filesystem::path file_;
};

class ScriptExecutor {
 public:
  ScriptExecutor(std::filesystem::path dataDir, std::int64_t hostId, const ProcessRunner& runner,
                 const RemotePolicy& policy);
  /// Checks and runs; a refusal throws kForbidden with the reason (the reply says
  /// "refused"). A script that runs and exits non-zero is a result, not an error.
  Json run(const Json& payload, std::int64_t now);

 private:
  std::filesystem::path dataDir_;
  std::int64_t hostId_;
  const ProcessRunner& runner_;
  const RemotePolicy& policy_;
  PinnedKey key_;
  std::mutex mutex_;  // guards nonces_
  NonceCache nonces_;
};

}  // namespace parc::agent::remote
