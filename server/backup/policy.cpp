#include "server/backup/policy.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <set>

#include "common/error.h"

namespace parc::server::backup {

namespace {

constexpr std::array<const char*, 7> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr std::size_t kMaxPaths = 64, kMaxExcludes = 256, kMaxPath = 4096, kMaxGlob = 512;
constexpr int kMaxKiBps = 10'000'000;  // 10 GB/s: anything above is a typo

[[noreturn]] void bad(const std::string& what) {
  throw Error(ErrorKind::kBadRequest, "backup policy: " + what);
}

void onlyKeys(const Json& obj, const std::string& where, std::initializer_list<const char*> keys) {
  if (!obj.is_object()) bad(where + " must be an object");
  for (const auto& [k, v] : obj.items()) {
    if (std::none_of(keys.begin(), keys.end(), [&](const char* x) { return k == x; }))
      bad("unknown field '" + (where.empty() ? k : where + "." + k) + "'");
  }
}

int intField(const Json& obj, const char* key, const std::string& name, int fallback, int min,
             int max) {
  auto it = obj.find(key);
  if (it == obj.end()) return fallback;
  if (!it->is_number_integer()) bad(name + " must be an integer");
  auto v = it->get<std::int64_t>();
  if (v < min || v > max)
    bad(name + " must be between " + std::to_string(min) + " and " + std::to_string(max));
  return static_cast<int>(v);
}

bool boolField(const Json& obj, const char* key, bool fallback) {
  auto it = obj.find(key);
  if (it == obj.end()) return fallback;
  if (!it->is_boolean()) bad(std::string(key) + " must be true or false");
  return it->get<bool>();
}

// "HH:MM" → minutes after midnight; 24:00 allowed only as an end.
int parseHhMm(const std::string& text, const std::string& name, bool allow24 = false) {
  auto digit = [&](std::size_t i) { return std::isdigit(static_cast<unsigned char>(text[i])); };
  if (text.size() != 5 || text[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4))
    bad(name + " must be HH:MM");
  int h = (text[0] - '0') * 10 + (text[1] - '0'), m = (text[3] - '0') * 10 + (text[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && (m != 0 || !allow24))) bad(name + " must be a time of day");
  return h * 60 + m;
}

bool isAbsolute(const std::string& p) {
  if (!p.empty() && p[0] == '/') return true;
  // Windows PCs: C:\ or C:/
  return p.size() >= 3 && std::isalpha(static_cast<unsigned char>(p[0])) && p[1] == ':' &&
         (p[2] == '\\' || p[2] == '/');
}

std::vector<std::string> includeList(const Json& v) {
  if (!v.is_array()) bad("include must be an array of absolute paths");
  if (v.size() > kMaxPaths) bad("include holds at most " + std::to_string(kMaxPaths) + " paths");
  std::vector<std::string> out;
  for (const auto& p : v) {
    if (!p.is_string()) bad("include must be an array of absolute paths");
    auto s = p.get<std::string>();
    if (s.empty() || s.size() > kMaxPath || s.find('\0') != std::string::npos || !isAbsolute(s))
      bad("include path '" + s.substr(0, 200) + "' must be absolute");
    // ".." would make the path mean something else than what the console shows.
    if (s.find("/../") != std::string::npos || s.ends_with("/..") ||
        s.find("\\..\\") != std::string::npos)
      bad("include path '" + s.substr(0, 200) + "' must not contain ..");
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
  return out;
}

std::vector<std::string> excludeList(const Json& v) {
  if (!v.is_array()) bad("exclude must be an array of globs");
  if (v.size() > kMaxExcludes)
    bad("exclude holds at most " + std::to_string(kMaxExcludes) + " globs");
  std::vector<std::string> out;
  for (const auto& p : v) {
    if (!p.is_string()) bad("exclude must be an array of globs");
    auto s = p.get<std::string>();
    if (s.empty() || s.size() > kMaxGlob || s.find('\0') != std::string::npos)
      bad("exclude globs are 1 to " + std::to_string(kMaxGlob) + " characters");
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
  return out;
}

Schedule parseSchedule(const Json& v) {
  onlyKeys(v, "schedule", {"kind", "at", "spread_minutes", "hours"});
  Schedule s;
  auto kind = v.find("kind");
  if (kind == v.end() || !kind->is_string()) bad("schedule.kind must be \"daily\" or \"every\"");
  if (*kind == "daily") {
    s.kind = Schedule::Kind::kDaily;
    if (v.contains("hours")) bad("schedule.hours applies to kind \"every\" only");
    if (auto at = v.find("at"); at != v.end()) {
      if (!at->is_string()) bad("schedule.at must be HH:MM");
      s.atMinute = parseHhMm(at->get<std::string>(), "schedule.at");
    }
    s.spreadMinutes = intField(v, "spread_minutes", "schedule.spread_minutes", 120, 0, 720);
  } else if (*kind == "every") {
    s.kind = Schedule::Kind::kEvery;
    if (v.contains("at") || v.contains("spread_minutes"))
      bad("schedule.at and spread_minutes apply to kind \"daily\" only");
    if (!v.contains("hours")) bad("schedule.hours is required for kind \"every\"");
    s.everyHours = intField(v, "hours", "schedule.hours", 24, 1, 168);
  } else {
    bad("schedule.kind must be \"daily\" or \"every\"");
  }
  return s;
}

Retention parseRetention(const Json& v) {
  onlyKeys(v, "retention", {"keep_last", "daily", "weekly", "monthly", "yearly"});
  Retention r;
  // keep_last ≥ 1: the newest snapshot of a host is never forgotten, whatever the dates.
  r.keepLast = intField(v, "keep_last", "retention.keep_last", r.keepLast, 1, 1000);
  r.daily = intField(v, "daily", "retention.daily", r.daily, 0, 1000);
  r.weekly = intField(v, "weekly", "retention.weekly", r.weekly, 0, 1000);
  r.monthly = intField(v, "monthly", "retention.monthly", r.monthly, 0, 1000);
  r.yearly = intField(v, "yearly", "retention.yearly", r.yearly, 0, 100);
  return r;
}

Bandwidth parseBandwidth(const Json& v) {
  onlyKeys(v, "bandwidth", {"office_kib_per_s", "other_kib_per_s", "office_days", "office_hours"});
  Bandwidth b;
  b.officeKiBps = intField(v, "office_kib_per_s", "bandwidth.office_kib_per_s", 0, 0, kMaxKiBps);
  b.otherKiBps = intField(v, "other_kib_per_s", "bandwidth.other_kib_per_s", 0, 0, kMaxKiBps);
  if (auto days = v.find("office_days"); days != v.end()) {
    if (!days->is_array()) bad("bandwidth.office_days must be an array of mon…sun");
    b.officeDays = 0;
    for (const auto& d : *days) {
      auto it =
          d.is_string() ? std::find(kDays.begin(), kDays.end(), d.get<std::string>()) : kDays.end();
      if (it == kDays.end()) bad("bandwidth.office_days must be an array of mon…sun");
      b.officeDays |= static_cast<std::uint8_t>(1u << (it - kDays.begin()));
    }
  }
  if (auto hours = v.find("office_hours"); hours != v.end()) {
    if (!hours->is_string() || hours->get<std::string>().size() != 11 ||
        hours->get<std::string>()[5] != '-')
      bad("bandwidth.office_hours must be HH:MM-HH:MM");
    auto text = hours->get<std::string>();
    b.officeStart = parseHhMm(text.substr(0, 5), "bandwidth.office_hours");
    b.officeEnd = parseHhMm(text.substr(6), "bandwidth.office_hours", true);
    if (b.officeEnd <= b.officeStart) bad("bandwidth.office_hours must end after it starts");
  }
  return b;
}

// The fields a host override may carry, applied onto `p`.
void applyFields(BackupPolicy& p, const Json& doc) {
  p.enabled = boolField(doc, "enabled", p.enabled);
  if (auto it = doc.find("include"); it != doc.end()) p.include = includeList(*it);
  if (auto it = doc.find("exclude"); it != doc.end()) p.exclude = excludeList(*it);
  if (auto it = doc.find("schedule"); it != doc.end()) p.schedule = parseSchedule(*it);
  if (auto it = doc.find("retention"); it != doc.end()) p.retention = parseRetention(*it);
  if (auto it = doc.find("bandwidth"); it != doc.end()) p.bandwidth = parseBandwidth(*it);
}

void checkEnabled(const BackupPolicy& p) {
  if (p.enabled && p.include.empty()) bad("an enabled policy needs at least one include path");
}

}  // namespace

int Bandwidth::limitAt(int weekday, int minuteOfDay) const {
  bool office = (officeDays >> (weekday % 7)) & 1;
  office = office && minuteOfDay >= officeStart && minuteOfDay < officeEnd;
  return office ? officeKiBps : otherKiBps;
}

BackupPolicy parseTenantPolicy(const Json& doc) {
  onlyKeys(doc, "",
           {"enabled", "include", "exclude", "schedule", "retention", "bandwidth", "legal_hold"});
  BackupPolicy p;
  applyFields(p, doc);
  p.legalHold = boolField(doc, "legal_hold", false);
  checkEnabled(p);
  return p;
}

Json parseHostOverride(const Json& doc) {
  if (doc.is_object() && doc.contains("legal_hold"))
    bad("legal_hold is set on the tenant's policy, not per host");
  onlyKeys(doc, "", {"enabled", "include", "exclude", "schedule", "retention", "bandwidth"});
  // Parsed for validation, then kept in normalised form (only the named fields).
  BackupPolicy p;
  applyFields(p, doc);
  Json full = toJson(p), out = Json::object();
  for (const auto& [k, v] : doc.items()) out[k] = full[k];
  return out;
}

BackupPolicy applyOverride(const BackupPolicy& tenant, const Json& hostOverride) {
  BackupPolicy p = tenant;
  applyFields(p, hostOverride);
  checkEnabled(p);
  return p;
}

std::string formatHhMm(int minuteOfDay) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", (minuteOfDay / 60) % 100, minuteOfDay % 60);
  return buf;
}

Json toJson(const BackupPolicy& p) {
  Json schedule;
  if (p.schedule.kind == Schedule::Kind::kDaily) {
    schedule = Json{{"kind", "daily"},
                    {"at", formatHhMm(p.schedule.atMinute)},
                    {"spread_minutes", p.schedule.spreadMinutes}};
  } else {
    schedule = Json{{"kind", "every"}, {"hours", p.schedule.everyHours}};
  }
  Json days = Json::array();
  for (std::size_t i = 0; i < kDays.size(); ++i) {
    if ((p.bandwidth.officeDays >> i) & 1) days.push_back(kDays[i]);
  }
  return Json{{"enabled", p.enabled},
              {"include", p.include},
              {"exclude", p.exclude},
              {"schedule", schedule},
              {"retention",
               {{"keep_last", p.retention.keepLast},
                {"daily", p.retention.daily},
                {"weekly", p.retention.weekly},
                {"monthly", p.retention.monthly},
                {"yearly", p.retention.yearly}}},
              {"bandwidth",
               {{"office_kib_per_s", p.bandwidth.officeKiBps},
                {"other_kib_per_s", p.bandwidth.otherKiBps},
                {"office_days", days},
                {"office_hours",
                 formatHhMm(p.bandwidth.officeStart) + "-" + formatHhMm(p.bandwidth.officeEnd)}}},
              {"legal_hold", p.legalHold}};
}

int spreadOffsetMinutes(std::int64_t hostId, int spreadMinutes) {
  if (spreadMinutes <= 0) return 0;
  // splitmix64: consecutive host ids land far apart in the window.
  auto x = static_cast<std::uint64_t>(hostId) + 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return static_cast<int>(x % static_cast<std::uint64_t>(spreadMinutes));
}

Json agentPolicyJson(const BackupPolicy& p, std::int64_t hostId) {
  Json j = toJson(p);
  if (p.schedule.kind == Schedule::Kind::kDaily) {
    int start =
        (p.schedule.atMinute + spreadOffsetMinutes(hostId, p.schedule.spreadMinutes)) % (24 * 60);
    j["schedule"]["start"] = formatHhMm(start);
  }
  return j;
}

}  // namespace parc::server::backup
