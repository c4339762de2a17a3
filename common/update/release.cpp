#include "common/update/release.h"

#include <algorithm>
#include <cctype>

#include "common/error.h"
#include "common/remote/signing.h"

namespace parc::update {

namespace {

[[noreturn]] void bad(const std::string& why) {
  throw Error(ErrorKind::kBadRequest, "release: " + why);
}

std::string text(const Json& j, const char* key, std::size_t max) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string() || it->get<std::string>().empty() ||
      it->get<std::string>().size() > max) {
    bad(std::string(key) + " must be non-empty text of at most " + std::to_string(max) + " bytes");
  }
  return it->get<std::string>();
}

bool isHex(const std::string& s, std::size_t size) {
  return s.size() == size && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Release parseManifest(const std::string& manifest) {
  Json m;
  try {
    m = parseJson(manifest);
  } catch (const Error&) {
    bad("the manifest is not JSON");
  }
  if (!m.is_object() || m.value("v", 0) != 1) bad("unknown manifest version");
  Release r;
  r.package = text(m, "package", 64);
  r.version = text(m, "version", 64);
  r.architecture = text(m, "architecture", 16);
  r.sha256 = text(m, "sha256", 64);
  if (!isValidVersion(r.version)) bad("version " + r.version + " is not a valid version");
  if (!isHex(r.sha256, 64)) bad("sha256 must be 64 lowercase hex digits");
  auto size = m.find("size");
  if (size == m.end() || !size->is_number_integer() || size->get<std::int64_t>() <= 0) {
    bad("size must be a positive integer");
  }
  r.size = size->get<std::int64_t>();
  r.releasedAt = m.value("released_at", std::int64_t{0});
  for (char c : r.package + r.architecture) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') {
      bad("package and architecture are [a-z0-9.-]");
    }
  }
  return r;
}

std::string manifestText(const Release& r) {
  return Json{{"v", 1},
              {"package", r.package},
              {"version", r.version},
              {"architecture", r.architecture},
              {"sha256", r.sha256},
              {"size", r.size},
              {"released_at", r.releasedAt}}
      .dump();
}

}  // namespace

SignedRelease signRelease(const Release& release, const remote::SigningKey& key) {
  SignedRelease s;
  s.manifest = manifestText(release);
  s.release = parseManifest(s.manifest);  // refuses what a verifier would refuse
  addSignature(s, key);
  return s;
}

void addSignature(SignedRelease& s, const remote::SigningKey& key) {
  s.signatures.push_back({key.publicKeyHex(), key.sign(s.manifest)});
}

Json toJson(const SignedRelease& r) {
  Json sigs = Json::array();
  for (const auto& s : r.signatures) sigs.push_back({{"key", s.key}, {"signature", s.signature}});
  return Json{{"manifest", r.manifest}, {"signatures", sigs}};
}

SignedRelease parseSignedRelease(const Json& j) {
  if (!j.is_object()) bad("expected an object with manifest and signatures");
  SignedRelease r;
  r.manifest = text(j, "manifest", 4096);
  auto sigs = j.find("signatures");
  if (sigs == j.end() || !sigs->is_array() || sigs->size() > 8) {
    bad("signatures must be a list of at most 8");
  }
  for (const auto& s : *sigs) {
    if (!s.is_object()) bad("each signature is an object with key and signature");
    r.signatures.push_back({text(s, "key", 64), text(s, "signature", 128)});
  }
  r.release = parseManifest(r.manifest);
  return r;
}

std::optional<std::string> trustedSigner(const SignedRelease& r,
                                         const std::vector<std::string>& trustedKeys) {
  for (const auto& s : r.signatures) {
    bool trusted = std::find(trustedKeys.begin(), trustedKeys.end(), s.key) != trustedKeys.end();
    if (trusted && remote::verifySignature(s.key, r.manifest, s.signature)) return s.key;
  }
  return std::nullopt;
}

namespace {

// "1.2.10~rc1" → ({1, 2, 10}, "rc1")
std::pair<std::vector<long>, std::optional<std::string>> split(const std::string& v) {
  std::string main = v;
  std::optional<std::string> pre;
  if (auto tilde = v.find('~'); tilde != std::string::npos) {
    main = v.substr(0, tilde);
    pre = v.substr(tilde + 1);
  }
  std::vector<long> parts;
  std::size_t at = 0;
  while (at <= main.size()) {
    std::size_t dot = main.find('.', at);
    std::string part = main.substr(at, dot == std::string::npos ? std::string::npos : dot - at);
    parts.push_back(part.empty() ? 0 : std::stol(part));
    if (dot == std::string::npos) break;
    at = dot + 1;
  }
  while (parts.size() > 1 && parts.back() == 0) parts.pop_back();  // 1.0 == 1.0.0
  return {parts, pre};
}

}  // namespace

int compareVersions(const std::string& a, const std::string& b) {
  auto [pa, prea] = split(a);
  auto [pb, preb] = split(b);
  for (std::size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
    long x = i < pa.size() ? pa[i] : 0, y = i < pb.size() ? pb[i] : 0;
    if (x != y) return x < y ? -1 : 1;
  }
  if (prea == preb) return 0;
  if (!prea) return 1;  // the release sorts after its pre-releases
  if (!preb) return -1;
  return *prea < *preb ? -1 : 1;
}

bool isValidVersion(const std::string& v) {
  if (v.empty() || v.size() > 64 || !std::isdigit(static_cast<unsigned char>(v[0]))) return false;
  bool tilde = false;
  std::size_t digitsInPart = 0, suffix = 0;
  for (char c : v) {
    if (c == '~') {
      if (tilde || digitsInPart == 0) return false;
      tilde = true;
    } else if (!tilde) {
      if (c == '.') {
        if (digitsInPart == 0) return false;
        digitsInPart = 0;
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        if (++digitsInPart > 9) return false;  // fits a long
      } else {
        return false;
      }
    } else if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.') {
      return false;
    } else {
      ++suffix;
    }
  }
  return tilde ? suffix > 0 : digitsInPart > 0;
}

std::string hostArchitecture() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__i386__)
  return "i386";
#elif defined(__arm__)
  return "armhf";
#else
  return "unknown";
#endif
}

}  // namespace parc::update
