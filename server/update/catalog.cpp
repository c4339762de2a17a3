#include "server/update/catalog.h"

#include <algorithm>

#include "common/crypto/hash.h"
#include "common/error.h"
#include "common/files/files.h"

namespace parc::server::update {

namespace fs = std::filesystem;
using parc::update::compareVersions;
using parc::update::parseSignedRelease;

namespace {

bool isRingName(const std::string& r) {
  return !r.empty() && r.size() <= 32 && std::all_of(r.begin(), r.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::string releaseFile(const std::string& version, const std::string& arch) {
  return version + "_" + arch + ".json";
}

template <typename Map>
Json idMap(const Map& m) {
  Json j = Json::object();
  for (const auto& [id, ring] : m) j[std::to_string(id)] = ring;
  return j;
}

}  // namespace

UpdateCatalog::UpdateCatalog(fs::path dir, std::vector<std::string> trustedKeys)
    : dir_(std::move(dir)), trustedKeys_(std::move(trustedKeys)) {
  fs::create_directories(dir_ / "releases");
  fs::create_directories(dir_ / "packages");
  load();
}

void UpdateCatalog::load() {
  if (auto text = files::tryRead(dir_ / "rollout.json")) {
    // Named locals: a range-for over items() of a temporary would read freed memory.
    Json j = parseJson(*text);
    Json rings = j.value("rings", Json::object()), tenants = j.value("tenants", Json::object()),
         hosts = j.value("hosts", Json::object());
    for (const auto& [ring, version] : rings.items()) rings_[ring] = version.get<std::string>();
    for (const auto& [id, ring] : tenants.items()) {
      tenantRings_[std::stoll(id)] = ring.get<std::string>();
    }
    for (const auto& [id, ring] : hosts.items())
      hostRings_[std::stoll(id)] = ring.get<std::string>();
  }
  if (auto text = files::tryRead(dir_ / "results.json")) {
    Json results = parseJson(*text);
    for (const auto& [id, r] : results.items()) {
      results_[std::stoll(id)] = {r.value("version", ""), r.value("status", ""),
                                  r.value("detail", ""), r.value("at", std::int64_t{0})};
    }
  }
}

void UpdateCatalog::saveRollout() {
  Json rings = Json::object();
  for (const auto& [ring, version] : rings_) rings[ring] = version;
  Json j{{"rings", rings}, {"tenants", idMap(tenantRings_)}, {"hosts", idMap(hostRings_)}};
  files::writeAtomic(dir_ / "rollout.json", j.dump(2) + "\n", 0600);
}

void UpdateCatalog::saveResults() {
  Json j = Json::object();
  for (const auto& [id, r] : results_) {
    j[std::to_string(id)] = {
        {"version", r.version}, {"status", r.status}, {"detail", r.detail}, {"at", r.at}};
  }
  files::writeAtomic(dir_ / "results.json", j.dump() + "\n", 0600);
}

SignedRelease UpdateCatalog::publish(const Json& signedJson, const fs::path& package) {
  SignedRelease r = parseSignedRelease(signedJson);
  if (!parc::update::trustedSigner(r, trustedKeys_)) {
    throw Error(ErrorKind::kForbidden,
                "release " + r.release.version + " is not signed by a trusted release key");
  }
  auto bytes = files::tryRead(package);
  if (!bytes) throw Error(ErrorKind::kBadRequest, "cannot read package " + package.string());
  if (static_cast<std::int64_t>(bytes->size()) != r.release.size ||
      crypto::sha256Hex(*bytes) != r.release.sha256) {
    throw Error(ErrorKind::kBadRequest, "the package's size or SHA-256 differ from the manifest");
  }
  std::lock_guard lock(mutex_);
  fs::path file = dir_ / "releases" / releaseFile(r.release.version, r.release.architecture);
  if (auto existing = files::tryRead(file)) {
    if (parseSignedRelease(parseJson(*existing)).release.sha256 != r.release.sha256) {
      throw Error(ErrorKind::kConflict, "version " + r.release.version + " (" +
                                            r.release.architecture +
                                            ") is already published with another package");
    }
  }
  files::writeAtomic(packagePath(r), *bytes, 0644);  // the package first, then its manifest
  files::writeAtomic(file, toJson(r).dump() + "\n", 0644);
  return r;
}

std::vector<SignedRelease> UpdateCatalog::releases() {
  std::vector<SignedRelease> out;
  for (const auto& entry : fs::directory_iterator(dir_ / "releases")) {
    if (entry.path().extension() != ".json") continue;
    if (auto text = files::tryRead(entry.path())) {
      out.push_back(parseSignedRelease(parseJson(*text)));
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return compareVersions(a.release.version, b.release.version) > 0;
  });
  return out;
}

std::optional<SignedRelease> UpdateCatalog::release(const std::string& version,
                                                    const std::string& arch) {
  if (!parc::update::isValidVersion(version) || !isRingName(arch)) return std::nullopt;
  auto text = files::tryRead(dir_ / "releases" / releaseFile(version, arch));
  if (!text) return std::nullopt;
  return parseSignedRelease(parseJson(*text));
}

fs::path UpdateCatalog::packagePath(const SignedRelease& r) const {
  return dir_ / "packages" / (r.release.sha256 + ".deb");
}

void UpdateCatalog::setRing(const std::string& ring, const std::string& version) {
  if (!isRingName(ring)) throw Error(ErrorKind::kBadRequest, "ring names are [a-z0-9-], 1–32");
  if (!version.empty()) {
    bool known = false;
    for (const auto& r : releases()) known = known || r.release.version == version;
    if (!known) throw Error(ErrorKind::kBadRequest, "version " + version + " is not published");
  }
  std::lock_guard lock(mutex_);
  if (version.empty()) {
    rings_.erase(ring);
  } else {
    rings_[ring] = version;
  }
  saveRollout();
}

void UpdateCatalog::assign(const std::string& kind, Id id, const std::string& ring) {
  if (kind != "tenant" && kind != "host") {
    throw Error(ErrorKind::kBadRequest, "assign a tenant or a host");
  }
  if (!ring.empty() && !isRingName(ring)) {
    throw Error(ErrorKind::kBadRequest, "ring names are [a-z0-9-], 1–32");
  }
  std::lock_guard lock(mutex_);
  auto& map = kind == "tenant" ? tenantRings_ : hostRings_;
  if (ring.empty()) {
    map.erase(id);
  } else {
    map[id] = ring;
  }
  saveRollout();
}

std::string UpdateCatalog::ringOf(Id hostId, Id tenantId) const {
  if (auto h = hostRings_.find(hostId); h != hostRings_.end()) return h->second;
  if (auto t = tenantRings_.find(tenantId); t != tenantRings_.end()) return t->second;
  return "stable";
}

std::optional<SignedRelease> UpdateCatalog::offer(Id hostId, Id tenantId,
                                                  const std::string& current,
                                                  const std::string& arch) {
  std::string target;
  {
    std::lock_guard lock(mutex_);
    auto ring = rings_.find(ringOf(hostId, tenantId));
    if (ring == rings_.end()) return std::nullopt;
    target = ring->second;
    if (auto r = results_.find(hostId);
        r != results_.end() && r->second.version == target &&
        (r->second.status == "rolled_back" || r->second.status == "refused")) {
      return std::nullopt;  // it failed there once: a technician looks before a retry
    }
  }
  if (!parc::update::isValidVersion(current) || compareVersions(target, current) <= 0) {
    return std::nullopt;
  }
  return release(target, arch);
}

void UpdateCatalog::record(Id hostId, const HostResult& result) {
  std::lock_guard lock(mutex_);
  results_[hostId] = result;
  saveResults();
}

std::optional<HostResult> UpdateCatalog::result(Id hostId) {
  std::lock_guard lock(mutex_);
  auto it = results_.find(hostId);
  if (it == results_.end()) return std::nullopt;
  return it->second;
}

Json UpdateCatalog::status() {
  Json releasesJson = Json::array();
  for (const auto& r : releases()) {
    const auto& m = r.release;
    Json keys = Json::array();
    for (const auto& s : r.signatures) keys.push_back(s.key.substr(0, 16));
    releasesJson.push_back({{"version", m.version},
                            {"architecture", m.architecture},
                            {"size", m.size},
                            {"sha256", m.sha256},
                            {"released_at", m.releasedAt},
                            {"signed_by", keys}});
  }
  std::lock_guard lock(mutex_);
  Json rings = Json::object();
  for (const auto& [ring, version] : rings_) rings[ring] = version;
  Json counts = Json::object();  // version → status → hosts
  Json hosts = Json::object();
  for (const auto& [id, r] : results_) {
    Json& n = counts[r.version][r.status];
    n = n.is_null() ? 1 : n.get<int>() + 1;
    hosts[std::to_string(id)] = {
        {"version", r.version}, {"status", r.status}, {"detail", r.detail}, {"at", r.at}};
  }
  return Json{{"releases", releasesJson},   {"rings", rings},    {"tenants", idMap(tenantRings_)},
              {"hosts", idMap(hostRings_)}, {"results", counts}, {"host_results", hosts}};
}

}  // namespace parc::server::update
