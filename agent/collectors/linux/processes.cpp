#include "agent/collectors/linux/processes.h"

#include <unistd.h>

#include <cctype>
#include <map>

#include "agent/collectors/linux/read.h"
#include "agent/collectors/linux/users.h"

namespace parc::agent::collectors::linux_ {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxCmdline = 1024;  // arguments beyond this are not inventory

bool isPid(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// "Uid:\t1000\t1000\t1000\t1000" -> real uid; "VmRSS:\t  1234 kB" -> bytes.
std::optional<std::int64_t> statusField(std::string_view status, std::string_view key, bool kib) {
  for (std::string_view line : splitLines(status)) {
    if (line.rfind(key, 0) != 0 || line.size() <= key.size() || line[key.size()] != ':') continue;
    std::string rest = trim(line.substr(key.size() + 1));
    auto end = rest.find_first_of(" \t");
    auto v = parseInt(rest.substr(0, end));
    if (v && kib) *v *= 1024;
    return v;
  }
  return std::nullopt;
}

std::map<std::int64_t, std::string> userNames(const fs::path& etc) {
  std::map<std::int64_t, std::string> out;
  FileRead r = readFile(etc / "passwd", 16 << 20);
  if (!r.ok()) return out;
  std::vector<std::string> ignored;
  for (const Json& u : parsePasswd(*r.data, ignored)) out[u["uid"].get<std::int64_t>()] = u["name"];
  return out;
}

class ProcessesCollector final : public Collector {
 public:
  std::string_view name() const override { return "processes"; }

  Json collect(const CollectContext& context, std::vector<std::string>& warnings) const override {
    const fs::path& proc = context.roots.proc;
    auto names = userNames(context.roots.etc);
    long ticks = context.roots.live ? ::sysconf(_SC_CLK_TCK) : 100;  // USER_HZ is 100 on Linux
    Json list = Json::array();
    for (const std::string& entry : listDir(proc)) {
      if (!isPid(entry)) continue;
      // A process may exit between listing and reading: skip it silently.
      FileRead stat = readFile(proc / entry / "stat", 4096);
      if (!stat.ok()) continue;
      auto s = parseProcStat(*stat.data);
      if (!s) {
        warnings.push_back("processes: " + (proc / entry / "stat").string() + " is malformed");
        continue;
      }
      Json p = Json::object();
      p["pid"] = *parseInt(entry);
      p["ppid"] = s->ppid;
      p["name"] = s->comm;
      p["state"] = std::string(1, s->state);
      if (ticks > 0) {
        p["start_seconds_after_boot"] = s->startTicks / ticks;
        p["cpu_seconds"] = static_cast<double>(s->cpuTicks) / static_cast<double>(ticks);
      }
      if (auto tty = ttyName(s->ttyNr); !tty.empty()) p["tty"] = tty;
      if (FileRead cmd = readFile(proc / entry / "cmdline", kMaxCmdline);
          cmd.ok() && !cmd.data->empty()) {
        std::string c = *cmd.data;
        while (!c.empty() && c.back() == '\0') c.pop_back();
        for (char& ch : c) {
          if (ch == '\0') ch = ' ';
        }
        p["cmdline"] = c;
      }
      if (FileRead st = readFile(proc / entry / "status", 16384); st.ok()) {
        if (auto uid = statusField(*st.data, "Uid", false)) {
          p["uid"] = *uid;
          if (auto it = names.find(*uid); it != names.end()) p["user"] = it->second;
        }
        if (auto rss = statusField(*st.data, "VmRSS", true)) p["rss_bytes"] = *rss;
        if (auto vm = statusField(*st.data, "VmSize", true)) p["virtual_memory_bytes"] = *vm;
      }
      list.push_back(std::move(p));
    }
    std::sort(list.begin(), list.end(), [](const Json& a, const Json& b) {
      return a["pid"].get<std::int64_t>() < b["pid"].get<std::int64_t>();
    });
    return list;
  }
};

}  // namespace

std::optional<ProcStat> parseProcStat(std::string_view text) {
  auto open = text.find('(');
  auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return std::nullopt;
  }
  ProcStat s;
  s.comm = std::string(text.substr(open + 1, close - open - 1));
  // Fields after the name, numbered from 3 (state) as in proc(5).
  std::vector<std::string_view> f;
  std::string_view rest = text.substr(close + 1);
  while (!rest.empty()) {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\n')) rest.remove_prefix(1);
    auto end = rest.find_first_of(" \n");
    if (rest.empty()) break;
    f.push_back(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end);
  }
  if (f.size() < 20 || f[0].size() != 1) return std::nullopt;
  auto ppid = parseInt(f[1]);
  auto start = parseInt(f[19]);
  if (!ppid || !start) return std::nullopt;
  s.state = f[0][0];
  s.ppid = *ppid;
  s.startTicks = *start;
  s.ttyNr = parseInt(f[4]).value_or(0);
  s.cpuTicks = parseInt(f[11]).value_or(0) + parseInt(f[12]).value_or(0);
  return s;
}

std::string ttyName(std::int64_t ttyNr) {
  // new_encode_dev(): major in bits 8-19, minor in bits 0-7 and 20-31.
  auto major = (ttyNr >> 8) & 0xFFF;
  auto minor = (ttyNr & 0xFF) | ((ttyNr >> 12) & 0xFFF00);
  if (major >= 136 && major <= 143) return "pts/" + std::to_string((major - 136) * 256 + minor);
  if (major == 4 && minor < 64) return "tty" + std::to_string(minor);
  if (major == 4) return "ttyS" + std::to_string(minor - 64);
  return {};
}

CollectorPtr makeProcessesCollector() {
  return std::make_shared<ProcessesCollector>();
}

}  // namespace parc::agent::collectors::linux_
