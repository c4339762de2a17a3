#include "agent/backup/schedule.h"

#include <spdlog/spdlog.h>

#include <ctime>

#include "common/error.h"
#include "common/files/files.h"

namespace parc::agent::backup {

namespace fs = std::filesystem;

namespace {

std::optional<std::int64_t> optInt(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

Json optJson(const std::optional<std::int64_t>& v) {
  return v ? Json(*v) : Json(nullptr);
}

// "HH:MM" (already validated by the server; defensive anyway) → minutes, or -1.
int minutes(const std::string& s) {
  if (s.size() != 5 || s[2] != ':') return -1;
  int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h < 0 || h > 24 || m < 0 || m > 59) return -1;
  return h * 60 + m;
}

// The local instant of `minuteOfDay` on the day of `t` shifted by `days`.
std::int64_t localAt(std::int64_t t, int minuteOfDay, int days) {
  std::time_t tt = t;
  std::tm tm{};
  localtime_r(&tt, &tm);
  tm.tm_mday += days;
  tm.tm_hour = minuteOfDay / 60;
  tm.tm_min = minuteOfDay % 60;
  tm.tm_sec = 0;
  tm.tm_isdst = -1;  // let mktime decide across a DST change
  return static_cast<std::int64_t>(std::mktime(&tm));
}

}  // namespace

fs::path policyFile(const fs::path& dataDir) {
  return dataDir / "backup-policy.json";
}
fs::path scheduleFile(const fs::path& dataDir) {
  return dataDir / "backup-schedule.json";
}
fs::path runFile(const fs::path& dataDir) {
  return dataDir / "backup-run.json";
}

std::optional<Json> loadPolicy(const fs::path& dataDir) {
  auto text = files::tryRead(policyFile(dataDir));
  if (!text) return std::nullopt;
  try {
    auto j = parseJson(*text);
    if (j.is_object()) return j;
  } catch (const Error& e) {
    spdlog::warn("{} is unreadable ({}): waiting for the server's policy",
                 policyFile(dataDir).string(), e.what());
  }
  return std::nullopt;
}

ScheduleState loadState(const fs::path& dataDir) {
  ScheduleState s;
  auto text = files::tryRead(scheduleFile(dataDir));
  if (!text) return s;
  try {
    auto j = parseJson(*text);
    s.lastSuccess = optInt(j, "last_success");
    s.lastAttempt = optInt(j, "last_attempt");
    s.enabledSeen = optInt(j, "enabled_seen");
    s.lastResult = j.value("last_result", "");
    s.lastError = j.value("last_error", "");
  } catch (const std::exception& e) {
    // Unreadable state: treated as never run, which at worst backs up once too early.
    spdlog::warn("{} is unreadable ({})", scheduleFile(dataDir).string(), e.what());
  }
  return s;
}

void saveState(const fs::path& dataDir, const ScheduleState& s) {
  Json j{{"last_success", optJson(s.lastSuccess)},
         {"last_attempt", optJson(s.lastAttempt)},
         {"enabled_seen", optJson(s.enabledSeen)},
         {"last_result", s.lastResult},
         {"last_error", s.lastError}};
  files::writeAtomic(scheduleFile(dataDir), j.dump() + "\n", 0600);
}

ScheduledOptions scheduledOptions(const Json& policy) {
  if (!policy.value("enabled", false))
    throw Error(ErrorKind::kBadRequest, "backups are turned off by this PC's policy");
  ScheduledOptions o;
  try {
    o.include = policy.at("include").get<std::vector<std::string>>();
    o.exclude = policy.value("exclude", std::vector<std::string>{});
    const Json bw = policy.value("bandwidth", Json::object());
    o.officeKiBps = bw.value("office_kib_per_s", 0);
    o.otherKiBps = bw.value("other_kib_per_s", 0);
    static const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    o.officeDays = 0;
    for (const auto& d : bw.value("office_days", Json::array())) {
      for (int i = 0; i < 7; ++i)
        if (d == kDays[i]) o.officeDays |= static_cast<std::uint8_t>(1u << i);
    }
    auto hours = bw.value("office_hours", std::string("08:00-18:00"));
    if (hours.size() == 11) {
      int a = minutes(hours.substr(0, 5)), b = minutes(hours.substr(6));
      if (a >= 0 && b > a) {
        o.officeStart = a;
        o.officeEnd = b;
      }
    }
  } catch (const Json::exception& e) {
    throw Error(ErrorKind::kBadRequest,
                std::string("stored backup policy is malformed: ") + e.what());
  }
  if (o.include.empty()) throw Error(ErrorKind::kBadRequest, "the backup policy names no folder");
  return o;
}

int bandwidthLimitAt(const ScheduledOptions& o, std::int64_t now) {
  std::time_t t = now;
  std::tm tm{};
  localtime_r(&t, &tm);
  int weekday = (tm.tm_wday + 6) % 7;  // Monday = 0
  int minute = tm.tm_hour * 60 + tm.tm_min;
  bool office = ((o.officeDays >> weekday) & 1) && minute >= o.officeStart && minute < o.officeEnd;
  return office ? o.officeKiBps : o.otherKiBps;
}

std::optional<std::int64_t> nextDue(const Json& policy, const ScheduleState& state,
                                    std::int64_t now) {
  if (!policy.is_object() || !policy.value("enabled", false)) return std::nullopt;
  auto schedule = policy.value("schedule", Json::object());
  std::int64_t due = 0;
  if (schedule.value("kind", "") == "every") {
    std::int64_t every = schedule.value("hours", 24) * 3600LL;
    if (every <= 0) return std::nullopt;
    due = state.lastSuccess ? *state.lastSuccess + every : now;
  } else {
    int start = minutes(schedule.value("start", schedule.value("at", std::string("12:30"))));
    if (start < 0) return std::nullopt;
    // The most recent scheduled instant at or before now.
    std::int64_t recent = localAt(now, start, 0);
    if (recent > now) recent = localAt(now, start, -1);
    // A PC that has never backed up starts counting when it saw backups turned on:
    // its first run is the next scheduled one, not 400 PCs at once when enabled.
    auto base = state.lastSuccess ? state.lastSuccess : state.enabledSeen;
    if (!base) base = now;
    due = *base < recent ? recent : localAt(recent, start, 1);
  }
  // After a failure, wait a little before trying again (but never past the schedule).
  if (state.lastAttempt && (!state.lastSuccess || *state.lastAttempt > *state.lastSuccess))
    due = std::max(due, *state.lastAttempt + kRetryAfterSeconds);
  return due;
}

}  // namespace parc::agent::backup
