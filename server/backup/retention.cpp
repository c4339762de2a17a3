#include "server/backup/retention.h"

#include <algorithm>
#include <ctime>

namespace parc::server::backup {

namespace {

struct Rule {
  const char* name;
  int count;
  // The bucket a date falls in; equal keys = same bucket.
  std::int64_t (*bucket)(const std::tm&);
  std::int64_t lastKey = -1;
};

std::int64_t dayKey(const std::tm& t) {
  return (t.tm_year + 1900) * 10000LL + (t.tm_mon + 1) * 100 + t.tm_mday;
}
std::int64_t monthKey(const std::tm& t) {
  return (t.tm_year + 1900) * 100LL + t.tm_mon + 1;
}
std::int64_t yearKey(const std::tm& t) {
  return t.tm_year + 1900;
}
// ISO 8601 week (the year of the week's Thursday), as restic's "%G-%V".
std::int64_t weekKey(const std::tm& t) {
  char buf[16] = {};
  std::strftime(buf, sizeof buf, "%G%V", &t);
  return std::atoll(buf);
}

}  // namespace

RetentionDecision decideRetention(std::vector<DatedSnapshot> snapshots, const Retention& policy) {
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
    std::time_t t = s.created;
    std::tm tm{};
    gmtime_r(&t, &tm);
    for (auto& r : rules) {
      if (r.count <= 0) continue;
      auto key = r.bucket(tm);
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
