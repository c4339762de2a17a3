#include "agent/collectors/linux/os.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "agent/collectors/linux/read.h"
#include "agent/collectors/linux/tzif.h"

namespace parc::agent::collectors::linux_ {

namespace fs = std::filesystem;

namespace {

std::string unquote(std::string_view v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
    char quote = v.front();
    v = v.substr(1, v.size() - 2);
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      // Inside double quotes os-release allows \" \\ \$ \` escapes; single quotes none.
      if (quote == '"' && v[i] == '\\' && i + 1 < v.size()) ++i;
      out.push_back(v[i]);
    }
    return out;
  }
  return std::string(v);
}

std::string iso8601Utc(std::int64_t epoch) {
  std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// /etc/timezone (Debian) names the zone; otherwise /etc/localtime links into zoneinfo.
std::optional<std::string> timezoneName(const fs::path& etc) {
  if (auto tz = readAttr(etc / "timezone"); tz && !tz->empty()) return tz;
  std::error_code ec;
  fs::path target = fs::read_symlink(etc / "localtime", ec);
  if (ec) return std::nullopt;
  std::string s = target.string();
  auto pos = s.find("zoneinfo/");
  if (pos == std::string::npos) return std::nullopt;
  return s.substr(pos + 9);
}

// The zone file: /etc/localtime on the live machine; in a recorded tree that link points
// into the host's zoneinfo, so the named zone of the tree's usr/share is read instead.
std::optional<std::string> zoneFile(const SystemRoots& roots, const std::string& name) {
  if (roots.live) {
    if (FileRead r = readFile(roots.etc / "localtime", 1 << 20); r.ok()) return r.data;
  }
  if (name.empty() || name.find("..") != std::string::npos) return std::nullopt;
  FileRead r = readFile(roots.usrShare / "zoneinfo" / name, 1 << 20);
  return r.data;
}

// "ssh-ed25519 AAAA..." without the comment: the host key GLPI shows (a public key).
std::optional<std::string> sshHostKey(const fs::path& etc) {
  for (const char* type : {"ed25519", "ecdsa", "rsa"}) {
    auto line = readAttr(etc / "ssh" / (std::string("ssh_host_") + type + "_key.pub"));
    if (!line || line->empty()) continue;
    auto first = line->find(' ');
    auto second = first == std::string::npos ? first : line->find(' ', first + 1);
    return line->substr(0, second);
  }
  return std::nullopt;
}

class OsCollector final : public Collector {
 public:
  std::string_view name() const override { return "os"; }

  Json collect(const CollectContext& context, std::vector<std::string>& warnings) const override {
    const SystemRoots& roots = context.roots;
    Json out = Json::object();
    out["family"] = "linux";
    collectRelease(roots, out, warnings);
    collectKernel(roots, out, warnings);
    collectBoot(roots, out, warnings);
    collectTimezone(roots, out, warnings);
    if (auto key = sshHostKey(roots.etc)) out["ssh_host_key"] = *key;
    collectHostId(roots, out);
    return out;
  }

 private:
  static void collectRelease(const SystemRoots& roots, Json& out,
                             std::vector<std::string>& warnings) {
    // os-release(5): /etc/os-release, falling back to /usr/lib/os-release which it links to.
    FileRead r = readFile(roots.etc / "os-release", 1 << 16);
    if (!r.ok() && roots.live) r = readFile("/usr/lib/os-release", 1 << 16);
    if (!r.ok()) {
      warnings.push_back("os: cannot read " + (roots.etc / "os-release").string() + ": " +
                         r.reason() + "; distribution unknown");
      return;
    }
    auto fields = parseOsRelease(*r.data);
    static constexpr std::pair<const char*, const char*> kKeys[] = {
        {"ID", "id"},
        {"ID_LIKE", "id_like"},
        {"NAME", "name"},
        {"VERSION", "version"},
        {"VERSION_ID", "version_id"},
        {"VERSION_CODENAME", "version_codename"},
        {"PRETTY_NAME", "pretty_name"},
    };
    for (const auto& [from, to] : kKeys) {
      if (auto it = fields.find(from); it != fields.end() && !it->second.empty()) {
        out[to] = it->second;
      }
    }
    if (auto v = readAttr(roots.etc / "debian_version"); v && !v->empty())
      out["debian_version"] = *v;
  }

  static void collectKernel(const SystemRoots& roots, Json& out,
                            std::vector<std::string>& warnings) {
    if (auto rel = readAttr(roots.proc / "sys/kernel/osrelease"); rel && !rel->empty()) {
      out["kernel_release"] = *rel;
    } else {
      warnings.push_back("os: kernel release unknown (no " +
                         (roots.proc / "sys/kernel/osrelease").string() + ")");
    }
    if (auto ver = readAttr(roots.proc / "sys/kernel/version"); ver && !ver->empty()) {
      out["kernel_version"] = *ver;
    }
    // /proc/sys/kernel/arch exists since Linux 6.1; uname(2) answers on older live kernels.
    if (auto arch = readAttr(roots.proc / "sys/kernel/arch"); arch && !arch->empty()) {
      out["arch"] = *arch;
    } else if (struct utsname u{}; roots.live && ::uname(&u) == 0) {
      out["arch"] = std::string(u.machine);
    } else {
      warnings.push_back("os: architecture unknown (no " +
                         (roots.proc / "sys/kernel/arch").string() + ")");
    }
  }

  // The offset in force now (at boot for a recorded tree, whose "now" is unknown).
  static void collectTimezone(const SystemRoots& roots, Json& out,
                              std::vector<std::string>& warnings) {
    auto name = timezoneName(roots.etc);
    if (name) out["timezone"] = *name;
    std::int64_t at = roots.live ? static_cast<std::int64_t>(std::time(nullptr))
                                 : out.value("boot_time_epoch_seconds", std::int64_t{0});
    auto data = zoneFile(roots, name.value_or(""));
    if (!data) {
      if (name) warnings.push_back("os: no zone file for " + *name + "; UTC offset unknown");
      return;
    }
    auto offset = zoneOffsetAt(*data, at);
    if (!offset) {
      warnings.push_back("os: zone file of " + name.value_or("/etc/localtime") + " is malformed");
      return;
    }
    out["timezone_abbreviation"] = offset->abbreviation;
    out["utc_offset_seconds"] = offset->utcOffsetSeconds;
  }

  // gethostid(3): /etc/hostid when it exists (4 bytes, host order), else glibc derives
  // it from the host's IPv4 address (live only).
  static void collectHostId(const SystemRoots& roots, Json& out) {
    std::optional<std::uint32_t> id;
    if (FileRead r = readFile(roots.etc / "hostid", 16); r.ok() && r.data->size() == 4) {
      std::uint32_t v = 0;
      std::memcpy(&v, r.data->data(), 4);
      id = v;
    } else if (roots.live) {
      id = static_cast<std::uint32_t>(::gethostid());
    }
    if (!id) return;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", *id);
    out["hostid"] = std::string(buf);
  }

  static void collectBoot(const SystemRoots& roots, Json& out, std::vector<std::string>& warnings) {
    std::optional<double> uptime;
    if (FileRead r = readFile(roots.proc / "uptime", 4096); r.ok()) uptime = parseUptime(*r.data);
    if (uptime) {
      out["uptime_seconds"] = static_cast<std::int64_t>(std::floor(*uptime));
    } else {
      warnings.push_back("os: cannot read uptime from " + (roots.proc / "uptime").string());
    }
    // btime is the kernel's own record; it does not depend on when the tree was read.
    std::optional<std::int64_t> boot;
    if (FileRead r = readFile(roots.proc / "stat", 1 << 20); r.ok()) boot = parseBootTime(*r.data);
    if (!boot && uptime && roots.live) {
      boot = static_cast<std::int64_t>(std::time(nullptr) - static_cast<std::int64_t>(*uptime));
    }
    if (boot) {
      out["boot_time_epoch_seconds"] = *boot;
      out["boot_time"] = iso8601Utc(*boot);
    }
  }
};

}  // namespace

std::map<std::string, std::string> parseOsRelease(std::string_view text) {
  std::map<std::string, std::string> out;
  for (std::string_view line : splitLines(text)) {
    std::string l = trim(line);
    if (l.empty() || l.front() == '#') continue;
    auto eq = l.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    out[l.substr(0, eq)] = unquote(std::string_view(l).substr(eq + 1));
  }
  return out;
}

std::optional<double> parseUptime(std::string_view text) {
  std::string t = trim(text);
  auto sp = t.find(' ');
  auto value = parseDouble(std::string_view(t).substr(0, sp));
  if (!value || *value < 0) return std::nullopt;
  return value;
}

std::optional<std::int64_t> parseBootTime(std::string_view procStat) {
  for (std::string_view line : splitLines(procStat)) {
    if (line.rfind("btime ", 0) == 0) return parseInt(line.substr(6));
  }
  return std::nullopt;
}

CollectorPtr makeOsCollector() {
  return std::make_shared<OsCollector>();
}

}  // namespace parc::agent::collectors::linux_
