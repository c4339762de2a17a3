#pragma once
// The agent releases the server offers, and to whom (docs/operations.md, "Agent
// self-update"). Releases are published on the server machine by an administrator
// (`parc-server update publish`) from a package and its manifest signed offline; the
// server checks the signature too, so a mistaken upload is refused before any PC sees it.
//
// Rings: each ring ("pilot", "stable", …) points at one version; a host follows its own
// ring if assigned one, else its commune's, else "stable". A version an agent rolled back
// or refused is never offered to that host again. Nothing is ever offered downwards.
//
// Files under <data>/updates/: releases/<version>_<arch>.json (signed manifests),
// packages/<sha256>.deb, rollout.json (rings and assignments), results.json (what each
// agent last reported) — small, rewritten atomically.
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/json/json.h"
#include "common/update/release.h"

namespace parc::server::update {

using Id = std::int64_t;
using parc::update::SignedRelease;

struct HostResult {
  std::string version;
  std::string status;  // "installing", "committed", "rolled_back", "refused", "failed"
  std::string detail;
  std::int64_t at = 0;
};

class UpdateCatalog {
 public:
  /// `trustedKeys`: Ed25519 public keys (hex) whose signatures the server accepts.
  UpdateCatalog(std::filesystem::path dir, std::vector<std::string> trustedKeys);

  /// Adds a release: kForbidden unless signed by a trusted key, kBadRequest when the
  /// package's size or SHA-256 differ from the manifest. Publishing the same again is
  /// harmless; another package under a published version and architecture is refused.
  SignedRelease publish(const Json& signedRelease, const std::filesystem::path& package);

  std::vector<SignedRelease> releases();
  std::optional<SignedRelease> release(const std::string& version, const std::string& arch);
  /// The package file of a published release.
  std::filesystem::path packagePath(const SignedRelease& r) const;

  /// Points `ring` at a published version ("" takes the ring down). kBadRequest for an
  /// unknown version or a bad ring name ([a-z0-9-], 1–32).
  void setRing(const std::string& ring, const std::string& version);
  /// Puts a tenant or a host ("tenant" / "host") in a ring; "" removes the assignment.
  void assign(const std::string& kind, Id id, const std::string& ring);

  /// What `hostId` (of `tenantId`), running `current` on `arch`, should install now.
  std::optional<SignedRelease> offer(Id hostId, Id tenantId, const std::string& current,
                                     const std::string& arch);
  /// An agent's report about an update.
  void record(Id hostId, const HostResult& result);
  std::optional<HostResult> result(Id hostId);

  /// Rings, assignments, releases and per version/status counts, for the console.
  Json status();

 private:
  void load();
  void saveRollout();
  void saveResults();
  std::string ringOf(Id hostId, Id tenantId) const;

  std::filesystem::path dir_;
  std::vector<std::string> trustedKeys_;
  std::mutex mutex_;
  std::map<std::string, std::string> rings_;  // ring → version
  std::map<Id, std::string> tenantRings_, hostRings_;
  std::map<Id, HostResult> results_;
};

}  // namespace parc::server::update
