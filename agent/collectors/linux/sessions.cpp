#include "agent/collectors/linux/sessions.h"

#include <utmp.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <tuple>

#include "agent/collectors/linux/read.h"

namespace parc::agent::collectors::linux_ {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kRecord = sizeof(struct utmp);
// wtmp grows for years; the last 2 MiB (5 461 logins) always hold the latest one.
constexpr std::size_t kWtmpTail = 2 << 20;

// A fixed-size char field: up to the first NUL; nullopt when it holds control bytes
// (a record that is not text is not a record).
std::optional<std::string> field(const char* data, std::size_t size) {
  std::size_t n = strnlen(data, size);
  std::string out(data, n);
  for (unsigned char c : out) {
    if (c < 0x20 || c == 0x7F) return std::nullopt;
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

bool isUserName(const std::string& user) {
  return !user.empty() && user != "LOGIN" && user != "reboot" && user != "shutdown" &&
         user != "runlevel";
}

Json sessionJson(const LoginRecord& r) {
  Json j = Json::object();
  j["user"] = r.user;
  if (!r.line.empty()) j["tty"] = r.line;
  if (!r.host.empty()) j["host"] = r.host;
  j["login_time"] = isoUtc(r.epochSeconds);
  return j;
}

class SessionsCollector final : public Collector {
 public:
  std::string_view name() const override { return "sessions"; }

  Json collect(const CollectContext& context, std::vector<std::string>& warnings) const override {
    Json out = Json::object();
    auto utmp = read(context.roots.run / "utmp", 1 << 20, false, warnings);
    auto wtmp = read(context.roots.varLog / "wtmp", kWtmpTail, true, warnings);
    Json open = Json::array();
    auto sessions = openSessions(utmp);
    for (const auto& s : sessions) open.push_back(sessionJson(s));
    out["logged_in"] = std::move(open);
    auto last = lastLogin(wtmp);
    if (!last && !sessions.empty()) {  // no wtmp: the latest open session is the last login
      last = *std::max_element(sessions.begin(), sessions.end(), [](const auto& a, const auto& b) {
        return a.epochSeconds < b.epochSeconds;
      });
    }
    if (last) {
      out["last_user"] = last->user;
      out["last_login_time"] = isoUtc(last->epochSeconds);
    }
    return out;
  }

 private:
  static std::vector<LoginRecord> read(const fs::path& path, std::size_t max, bool tail,
                                       std::vector<std::string>& warnings) {
    FileRead r = tail ? readFileTail(path, max, kRecord) : readFile(path, max);
    if (!r.ok()) {
      // Absent on systems that moved to wtmpdb/logind only: nothing to report.
      if (!r.missing()) {
        warnings.push_back("sessions: cannot read " + path.string() + ": " + r.reason());
      }
      return {};
    }
    LoginRecords parsed = parseLoginRecords(*r.data);
    if (parsed.skipped > 0 || parsed.trailingBytes > 0) {
      warnings.push_back("sessions: " + path.string() + ": " + std::to_string(parsed.skipped) +
                         " invalid record(s) and " + std::to_string(parsed.trailingBytes) +
                         " trailing byte(s) skipped");
    }
    return std::move(parsed.records);
  }
};

}  // namespace

LoginRecords parseLoginRecords(std::string_view bytes) {
  LoginRecords out;
  std::size_t whole = bytes.size() / kRecord;
  out.trailingBytes = bytes.size() % kRecord;
  for (std::size_t i = 0; i < whole; ++i) {
    struct utmp u;
    std::memcpy(&u, bytes.data() + i * kRecord, kRecord);
    if (u.ut_type == EMPTY) continue;  // a free slot of utmp, not an error
    auto user = field(u.ut_user, sizeof u.ut_user);
    auto line = field(u.ut_line, sizeof u.ut_line);
    auto host = field(u.ut_host, sizeof u.ut_host);
    bool known = u.ut_type >= RUN_LVL && u.ut_type <= ACCOUNTING;
    if (!known || !user || !line || !host || u.ut_tv.tv_sec < 0) {
      ++out.skipped;
      continue;
    }
    LoginRecord r;
    r.type = u.ut_type;
    r.pid = u.ut_pid;
    r.user = std::move(*user);
    r.line = std::move(*line);
    r.host = std::move(*host);
    r.epochSeconds = u.ut_tv.tv_sec;
    out.records.push_back(std::move(r));
  }
  return out;
}

std::vector<LoginRecord> openSessions(const std::vector<LoginRecord>& utmp) {
  std::vector<LoginRecord> out;
  for (const auto& r : utmp) {
    if (r.type == USER_PROCESS && isUserName(r.user)) out.push_back(r);
  }
  std::sort(out.begin(), out.end(), [](const LoginRecord& a, const LoginRecord& b) {
    return std::tie(a.user, a.line) < std::tie(b.user, b.line);
  });
  return out;
}

std::optional<LoginRecord> lastLogin(const std::vector<LoginRecord>& wtmp) {
  for (auto it = wtmp.rbegin(); it != wtmp.rend(); ++it) {
    if (it->type == USER_PROCESS && isUserName(it->user)) return *it;
  }
  return std::nullopt;
}

CollectorPtr makeSessionsCollector() {
  return std::make_shared<SessionsCollector>();
}

}  // namespace parc::agent::collectors::linux_
