#include "server/backup/retention.h"

#include <date/iso_week.h>
#include <date/tz.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "common/error.h"

namespace parc::server::backup {

namespace {

// The calendar fields of a snapshot's date in the town hall's zone.
struct LocalDate {
  int year = 0;
  unsigned month = 0, day = 0;
  int isoYear = 0;
  unsigned isoWeek = 0;
};

struct Rule {
  const char* name;
  int count;
  // The bucket a date falls in; equal keys = same bucket.
  std::int64_t (*bucket)(const LocalDate&);
  std::int64_t lastKey = -1;
};

std::int64_t dayKey(const LocalDate& t) {
  return t.year * 10000LL + t.month * 100 + t.day;
}
std::int64_t monthKey(const LocalDate& t) {
  return t.year * 100LL + t.month;
}
std::int64_t yearKey(const LocalDate& t) {
  return t.year;
}
// ISO 8601 week (the year of the week's Thursday), as restic's "%G-%V".
std::int64_t weekKey(const LocalDate& t) {
  return t.isoYear * 100LL + t.isoWeek;
}

// The tz database of the system (Debian's tzdata) through Howard Hinnant's date
// library: thread-safe after its first load, unlike TZ + localtime_r, which read one
// process-wide zone.
LocalDate localDate(const date::time_zone* zone, std::int64_t created) {
  date::sys_seconds t{std::chrono::seconds(created)};
  auto local = zone ? zone->to_local(t) : date::local_seconds(t.time_since_epoch());
  auto day = date::floor<date::days>(local);
  date::year_month_day ymd{day};
  iso_week::year_weeknum_weekday iso{day};
  return {int(ymd.year()), unsigned(ymd.month()), unsigned(ymd.day()), int(iso.year()),
          unsigned(iso.weeknum())};
}

}  // namespace

const date::time_zone* findZone(const std::string& name) {
  if (name == "UTC") return nullptr;
  try {
    return date::locate_zone(name);
  } catch (const std::runtime_error&) {
    throw Error(ErrorKind::kBadRequest,
                "unknown time zone '" + name + "' (a name of the tz database, e.g. Europe/Paris)");
  }
}

std::string localDay(std::int64_t t, const std::string& timeZone) {
  auto d = localDate(findZone(timeZone), t);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02u/%02u/%04d", d.day, d.month, d.year);
  return buf;
}

void checkTimeZone(const std::string& name) {
  findZone(name);
}

RetentionDecision decideRetention(std::vector<DatedSnapshot> snapshots, const Retention& policy,
                                  const std::string& timeZone) {
  const date::time_zone* zone = findZone(timeZone);
  // Newest first; equal dates in a stable order so the decision is reproducible.
  std::sort(snapshots.begin(), snapshots.end(), [](const auto& a, const auto& b) {
    return a.created != b.created ? a.created > b.created : a.id > b.id;
  });
  Rule rules[] = {{"daily", policy.daily, dayKey},
                  {"weekly", policy.weekly, weekKey},
                  {"monthly", policy.monthly, monthKey},
                  {"yearly", policy.yearly, yearKey}};
  int last = policy.keepLast;
  RetentionDecision out;
  for (const auto& s : snapshots) {
    std::vector<std::string> reasons;
    if (last > 0) {
      --last;
      reasons.emplace_back("last");
    }
    LocalDate local = localDate(zone, s.created);
    for (auto& r : rules) {
      if (r.count <= 0) continue;
      auto key = r.bucket(local);
      if (key == r.lastKey) continue;  // an older snapshot of a bucket already kept
      r.lastKey = key;
      --r.count;
      reasons.emplace_back(r.name);
    }
    if (reasons.empty()) {
      out.forget.push_back(s.id);
    } else {
      out.keep.push_back({s.id, std::move(reasons)});
    }
  }
  return out;
}

}  // namespace parc::server::backup
