#include "agent/collectors/linux/antivirus.h"

#include <ctime>

#include "agent/collectors/linux/read.h"
#include "agent/collectors/linux/software.h"
#include "agent/collectors/linux/units.h"

namespace parc::agent::collectors::linux_ {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kCvdHeader = 512;

std::vector<std::string_view> splitColon(std::string_view s) {
  std::vector<std::string_view> out;
  for (;;) {
    auto c = s.find(':');
    out.push_back(s.substr(0, c));
    if (c == std::string_view::npos) break;
    s.remove_prefix(c + 1);
  }
  return out;
}

std::string isoUtc(std::int64_t epoch) {
  std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The newest of daily.cld (updated by freshclam with diffs) and daily.cvd.
std::optional<CvdHeader> dailyDatabase(const fs::path& dir, std::vector<std::string>& warnings) {
  std::optional<CvdHeader> best;
  for (const char* file : {"daily.cld", "daily.cvd"}) {
    FileRead r = readFile(dir / file, kCvdHeader);
    if (!r.ok()) continue;
    auto h = parseCvdHeader(*r.data);
    if (!h) {
      warnings.push_back("antivirus: " + (dir / file).string() + " has no ClamAV-VDB header");
      continue;
    }
    if (!best || h->version > best->version) best = h;
  }
  return best;
}

std::optional<std::string> packageVersion(const SystemRoots& roots) {
  FileRead r = readFile(roots.varLib / "dpkg/status", 64 << 20);
  if (!r.ok()) return std::nullopt;
  std::vector<std::string> ignored;
  for (const Json& p : parseDpkgStatus(*r.data, ignored)) {
    if (p.value("name", "") == "clamav" || p.value("name", "") == "clamav-daemon") {
      return upstreamVersion(p.value("version", ""));
    }
  }
  return std::nullopt;
}

class AntivirusCollector final : public Collector {
 public:
  std::string_view name() const override { return "antivirus"; }

  Json collect(const CollectContext& context, std::vector<std::string>& warnings) const override {
    const SystemRoots& roots = context.roots;
    Json list = Json::array();
    fs::path db = roots.varLib / "clamav";
    if (!pathExists(roots.etc / "clamav") && !pathExists(db)) return list;
    Json av = Json::object();
    av["name"] = "ClamAV";
    av["company"] = "Cisco Talos";
    if (auto v = packageVersion(roots); v && !v->empty()) av["version"] = *v;
    av["daemon_enabled"] = systemdUnitEnabled(roots.etc, "clamav-daemon.service");
    av["on_access_enabled"] = systemdUnitEnabled(roots.etc, "clamav-clamonacc.service");
    av["updater_enabled"] = systemdUnitEnabled(roots.etc, "clamav-freshclam.service");
    if (auto h = dailyDatabase(db, warnings)) {
      av["database_version"] = h->version;
      av["database_signatures"] = h->signatures;
      av["database_epoch_seconds"] = h->buildEpochSeconds;
      av["database_time"] = isoUtc(h->buildEpochSeconds);
    } else {
      warnings.push_back("antivirus: no ClamAV signature database in " + db.string());
    }
    list.push_back(std::move(av));
    return list;
  }
};

}  // namespace

std::optional<CvdHeader> parseCvdHeader(std::string_view bytes) {
  std::string_view header = bytes.substr(0, std::min(bytes.size(), kCvdHeader));
  if (header.rfind("ClamAV-VDB:", 0) != 0) return std::nullopt;
  auto f = splitColon(header);
  if (f.size() < 9) return std::nullopt;
  CvdHeader h;
  auto version = parseInt(f[2]);
  auto sigs = parseInt(f[3]);
  // The last field is the build time in seconds since the epoch, blank-padded to 512.
  std::string last = trim(f[8]);
  auto epoch = parseInt(std::string_view(last).substr(0, last.find_first_of(" \t")));
  if (!version || !epoch || *version <= 0 || *epoch <= 0) return std::nullopt;
  h.version = *version;
  h.signatures = sigs.value_or(0);
  h.buildEpochSeconds = *epoch;
  return h;
}

std::string upstreamVersion(std::string_view v) {
  if (auto colon = v.find(':'); colon != std::string_view::npos) v.remove_prefix(colon + 1);
  v = v.substr(0, v.rfind('-'));  // Debian revision
  return std::string(v.substr(0, v.find_first_of("+~")));
}

CollectorPtr makeAntivirusCollector() {
  return std::make_shared<AntivirusCollector>();
}

}  // namespace parc::agent::collectors::linux_
