// Backup policy documents: strict validation, overrides, spread, office hours.
#include "server/backup/policy.h"

#include <gtest/gtest.h>

#include <set>

#include "common/error.h"

namespace parc::server::backup {
namespace {

Json good() {
  return Json::parse(R"({
    "enabled": true,
    "include": ["/home/secretariat", "C:\\Users\\accueil"],
    "exclude": ["*.tmp", "/home/*/.cache"],
    "schedule": {"kind": "daily", "at": "12:30", "spread_minutes": 90},
    "retention": {"keep_last": 2, "daily": 7, "weekly": 4, "monthly": 6, "yearly": 2},
    "bandwidth": {"office_kib_per_s": 512, "other_kib_per_s": 0,
                  "office_days": ["mon", "tue", "thu"], "office_hours": "08:30-17:00"},
    "legal_hold": true
  })");
}

std::string refusal(const Json& doc) {
  try {
    parseTenantPolicy(doc);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadRequest);
    return e.what();
  }
  return "";
}

TEST(BackupPolicy, DefaultsAreTheDocumentedOnes) {
  auto p = parseTenantPolicy(Json::object());
  EXPECT_FALSE(p.enabled);
  EXPECT_EQ(p.retention.daily, 14);
  EXPECT_EQ(p.retention.weekly, 8);
  EXPECT_EQ(p.retention.monthly, 12);
  EXPECT_EQ(p.retention.yearly, 5);
  Json j = toJson(p);
  EXPECT_EQ(j["bandwidth"]["office_days"], Json::parse(R"(["mon","tue","wed","thu","fri"])"));
  EXPECT_EQ(j["bandwidth"]["office_hours"], "08:00-18:00");
}

TEST(BackupPolicy, RoundTripsThroughJson) {
  auto p = parseTenantPolicy(good());
  EXPECT_TRUE(p.enabled);
  EXPECT_TRUE(p.legalHold);
  EXPECT_EQ(p.schedule.atMinute, 12 * 60 + 30);
  EXPECT_EQ(p.bandwidth.officeStart, 8 * 60 + 30);
  EXPECT_EQ(p.bandwidth.officeDays, 0b1011);
  Json j = toJson(p);
  EXPECT_EQ(toJson(parseTenantPolicy(j)), j);
  EXPECT_EQ(j["include"][1], "C:\\Users\\accueil");
}

TEST(BackupPolicy, RefusesBadValuesNamingTheField) {
  auto with = [](const char* ptr, Json v) {
    Json d = good();
    d[Json::json_pointer(ptr)] = std::move(v);
    return d;
  };
  EXPECT_NE(refusal(with("/colour", "blue")).find("unknown field 'colour'"), std::string::npos);
  EXPECT_NE(refusal(with("/schedule/at", "25:00")).find("schedule.at"), std::string::npos);
  EXPECT_NE(refusal(with("/schedule/at", "1230")).find("HH:MM"), std::string::npos);
  EXPECT_NE(refusal(with("/schedule/at", "+1:30")).find("HH:MM"), std::string::npos);
  EXPECT_NE(refusal(with("/schedule/kind", "weekly")).find("schedule.kind"), std::string::npos);
  EXPECT_NE(refusal(with("/schedule/spread_minutes", 721)).find("spread_minutes"),
            std::string::npos);
  EXPECT_NE(refusal(with("/retention/keep_last", 0)).find("keep_last"), std::string::npos);
  EXPECT_NE(refusal(with("/retention/daily", -1)).find("retention.daily"), std::string::npos);
  EXPECT_NE(refusal(with("/retention/daily", "14")).find("integer"), std::string::npos);
  EXPECT_NE(refusal(with("/retention/hourly", 3)).find("retention.hourly"), std::string::npos);
  EXPECT_NE(refusal(with("/include/0", "relative/path")).find("absolute"), std::string::npos);
  EXPECT_NE(refusal(with("/include/0", "/home/../etc")).find(".."), std::string::npos);
  EXPECT_NE(refusal(with("/include", Json::array())).find("at least one include"),
            std::string::npos);
  EXPECT_NE(refusal(with("/exclude/0", "")).find("exclude"), std::string::npos);
  EXPECT_NE(refusal(with("/bandwidth/office_days", Json::array({"lun"}))).find("office_days"),
            std::string::npos);
  EXPECT_NE(refusal(with("/bandwidth/office_hours", "18:00-08:00")).find("end after"),
            std::string::npos);
  EXPECT_NE(refusal(with("/bandwidth/office_kib_per_s", 1e12)).find("office_kib_per_s"),
            std::string::npos);
  EXPECT_NE(refusal(with("/enabled", 1)).find("enabled"), std::string::npos);
  Json every = good();
  every["schedule"] = Json{{"kind", "every"}, {"hours", 0}};
  EXPECT_NE(refusal(every).find("schedule.hours"), std::string::npos);
  every["schedule"] = Json{{"kind", "every"}, {"hours", 4}, {"at", "10:00"}};
  EXPECT_NE(refusal(every).find("daily"), std::string::npos);
  EXPECT_EQ(refusal(Json::array()).find("must be an object") != std::string::npos, true);
}

TEST(BackupPolicy, HostOverrideReplacesOnlyItsFields) {
  auto tenant = parseTenantPolicy(good());
  Json over = parseHostOverride(Json::parse(R"({"include": ["/srv/etat-civil"],
      "schedule": {"kind": "every", "hours": 6}})"));
  EXPECT_EQ(over.size(), 2u);
  auto p = applyOverride(tenant, over);
  EXPECT_EQ(p.include, std::vector<std::string>{"/srv/etat-civil"});
  EXPECT_EQ(p.schedule.kind, Schedule::Kind::kEvery);
  EXPECT_EQ(p.schedule.everyHours, 6);
  EXPECT_EQ(p.exclude, tenant.exclude);
  EXPECT_EQ(p.retention.daily, 7);
  EXPECT_TRUE(p.legalHold);  // the tenant's, always
  EXPECT_THROW(parseHostOverride(Json{{"legal_hold", false}}), Error);
  EXPECT_THROW(parseHostOverride(Json{{"retention", {{"weekly", "x"}}}}), Error);
  // Enabling on a host whose tenant names no folder, without naming one: refused.
  EXPECT_THROW(applyOverride(BackupPolicy{}, parseHostOverride(Json{{"enabled", true}})), Error);
}

TEST(BackupPolicy, SpreadIsDeterministicAndSpreadOut) {
  std::set<int> seen;
  for (std::int64_t host = 1; host <= 400; ++host) {
    int off = spreadOffsetMinutes(host, 120);
    EXPECT_GE(off, 0);
    EXPECT_LT(off, 120);
    EXPECT_EQ(off, spreadOffsetMinutes(host, 120));
    seen.insert(off);
  }
  EXPECT_GT(seen.size(), 100u);  // 400 town halls use most of the 120 minutes
  EXPECT_EQ(spreadOffsetMinutes(7, 0), 0);
  auto p = parseTenantPolicy(good());
  Json j = agentPolicyJson(p, 42);
  EXPECT_EQ(j["schedule"]["start"], formatHhMm(12 * 60 + 30 + spreadOffsetMinutes(42, 90)));
}

TEST(BackupPolicy, OfficeHoursPickTheLimit) {
  auto p = parseTenantPolicy(good());
  EXPECT_EQ(p.bandwidth.limitAt(0, 9 * 60), 512);     // Monday 09:00
  EXPECT_EQ(p.bandwidth.limitAt(0, 8 * 60 + 29), 0);  // before office hours
  EXPECT_EQ(p.bandwidth.limitAt(0, 17 * 60), 0);      // the end is excluded
  EXPECT_EQ(p.bandwidth.limitAt(2, 10 * 60), 0);      // Wednesday is not an office day
  EXPECT_EQ(p.bandwidth.limitAt(3, 10 * 60), 512);    // Thursday
  EXPECT_EQ(p.bandwidth.limitAt(6, 10 * 60), 0);      // Sunday
}

}  // namespace
}  // namespace parc::server::backup
