// The rules engine with an injected clock: durations, hysteresis, deduplication,
// lifecycle, flapping, maintenance windows, dependencies, escalation, overrides.
#include "server/alerts/engine.h"

#include <gtest/gtest.h>

#include <map>

#include "common/error.h"
#include "server/alerts/health_service.h"

namespace parc::server::alerts {
namespace {

constexpr Time kT0 = 1795950000;

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store = AlertStore::inMemory();
    engine = std::make_unique<Engine>(*store);
    for (Id h = 1; h <= 4; ++h) engine->setHost({h, 10, "pc-" + std::to_string(h), {}, {}});
    engine->setHost({5, 20, "pc-autre-mairie", {100}, {}});
  }

  void disk(Id host, double pct, Time t, const std::string& mount = "/") {
    engine->observe(host, {{"disk.used_pct", mount, pct}}, t);
  }

  std::vector<Alert> open(std::optional<std::string> rule = std::nullopt) {
    std::vector<Alert> out;
    for (auto& a : store->openAlerts()) {
      if (!rule || a.ruleId == *rule) out.push_back(a);
    }
    return out;
  }

  Id channel(Id tenant, Severity min, Time delay, const std::string& name = "mail") {
    Channel c;
    c.tenantId = tenant;
    c.kind = "email";
    c.name = name;
    c.minSeverity = min;
    c.delaySeconds = delay;
    return store->createChannel(c);
  }

  std::vector<QueuedNotification> queued(Time now = kT0 + 100 * 86400) {
    return store->due(now, 1000);
  }

  std::unique_ptr<AlertStore> store;
  std::unique_ptr<Engine> engine;
};

TEST_F(EngineTest, DiskThresholdsWithHysteresisOneAlertPerSubject) {
  Time t = kT0;
  disk(1, 85, t);
  engine->evaluate(t);
  EXPECT_TRUE(open().empty());
  disk(1, 91, t += 60);
  engine->evaluate(t);
  auto a = open("disk_usage");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].severity, Severity::kWarning);
  EXPECT_EQ(a[0].summary, "pc-1 : disque / rempli à 91 %");
  Id id = a[0].id;
  // Up to critical: the same alert, upgraded.
  disk(1, 98.5, t += 60);
  engine->evaluate(t);
  a = open("disk_usage");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].id, id);
  EXPECT_EQ(a[0].severity, Severity::kCritical);
  // 95 %: below 98 but above the critical clear value (90): stays critical.
  disk(1, 95, t += 60);
  engine->evaluate(t);
  EXPECT_EQ(open("disk_usage")[0].severity, Severity::kCritical);
  // 85 %: below 90 → warning (kept down to 80).
  disk(1, 85, t += 60);
  engine->evaluate(t);
  EXPECT_EQ(open("disk_usage")[0].severity, Severity::kWarning);
  // 79 %: cleared, resolved after clear_seconds (120 s).
  disk(1, 79, t += 60);
  engine->evaluate(t);
  EXPECT_EQ(open("disk_usage").size(), 1u);
  disk(1, 79, t += 120);
  engine->evaluate(t);
  EXPECT_TRUE(open("disk_usage").empty());
  auto resolved = store->findAlert(id);
  EXPECT_EQ(resolved->state, AlertState::kResolved);
  EXPECT_EQ(*resolved->resolvedAt, t);
  // Evaluating again and again never duplicates.
  disk(1, 92, t += 3600);
  disk(1, 93, t, "/home");
  for (int i = 0; i < 5; ++i) engine->evaluate(t + i);
  EXPECT_EQ(open("disk_usage").size(), 2u);
}

TEST_F(EngineTest, CpuNeedsFifteenMinutesAboveThreshold) {
  Time t = kT0;
  for (int minute = 0; minute <= 14; ++minute) {
    engine->observe(1, {{"cpu.usage_pct", "", 99}, {"cpu.usage_pct", "cpu0", 100}}, t);
    engine->evaluate(t);
    t += 60;
  }
  EXPECT_TRUE(open("cpu_usage").empty());  // 14 minutes
  engine->observe(1, {{"cpu.usage_pct", "", 99}}, t);
  engine->evaluate(t);  // 15 minutes
  auto a = open("cpu_usage");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].subject, "");  // per-core readings do not raise their own
  // A dip resets the count for a new episode.
  engine->observe(2, {{"cpu.usage_pct", "", 99}}, t);
  engine->evaluate(t);
  engine->observe(2, {{"cpu.usage_pct", "", 50}}, t + 600);
  engine->evaluate(t + 600);
  engine->observe(2, {{"cpu.usage_pct", "", 99}}, t + 660);
  engine->evaluate(t + 660);
  engine->observe(2, {{"cpu.usage_pct", "", 99}}, t + 1200);
  engine->evaluate(t + 1200);
  EXPECT_EQ(open("cpu_usage").size(), 1u);  // host 2: only 9 minutes since the dip
}

TEST_F(EngineTest, StateRulesSmartUnitAndPrinter) {
  Time t = kT0;
  engine->observe(1,
                  {{"smart.healthy", "sda", 0},
                   {"smart.healthy", "sdb", 1},
                   {"systemd.unit_failed", "cups.service", 1},
                   {"printer.stuck_jobs", "Mairie", 2}},
                  t);
  engine->evaluate(t);
  ASSERT_EQ(open("smart_failing").size(), 1u);
  EXPECT_EQ(open("smart_failing")[0].subject, "sda");
  EXPECT_EQ(open("smart_failing")[0].severity, Severity::kCritical);
  EXPECT_EQ(open("printer_stuck").size(), 1u);
  EXPECT_TRUE(open("unit_failed").empty());  // a unit gets 5 minutes to restart
  engine->observe(1, {{"systemd.unit_failed", "cups.service", 1}}, t + 300);
  engine->evaluate(t + 300);
  EXPECT_EQ(open("unit_failed").size(), 1u);
}

TEST_F(EngineTest, SilentHostAndItsStaleAlertsLeftAlone) {
  Time t = kT0;
  disk(1, 95, t);
  engine->seen(1, t);
  engine->evaluate(t);
  ASSERT_EQ(open("disk_usage").size(), 1u);
  engine->evaluate(t + 29 * 60);
  EXPECT_TRUE(open("host_silent").empty());
  engine->evaluate(t + 31 * 60);
  ASSERT_EQ(open("host_silent").size(), 1u);
  // Dependency: the disk reading is stale, but a silent host's alerts are not resolved.
  engine->evaluate(t + 60 * 60);
  EXPECT_EQ(open("disk_usage").size(), 1u);
  // It speaks again, disk fine: both resolve (after clear_seconds).
  disk(1, 50, t + 61 * 60);
  engine->evaluate(t + 61 * 60);
  engine->evaluate(t + 64 * 60);
  disk(1, 50, t + 64 * 60);
  engine->evaluate(t + 64 * 60);
  EXPECT_TRUE(open("host_silent").empty());
  EXPECT_TRUE(open("disk_usage").empty());
}

TEST_F(EngineTest, WholeSiteSilentGivesOneNotifiedAlert) {
  Id ch = channel(10, Severity::kWarning, 0);
  Time t = kT0;
  for (Id h = 1; h <= 4; ++h) engine->seen(h, t);
  engine->evaluate(t + 40 * 60);
  auto site = open("site_silent");
  ASSERT_EQ(site.size(), 1u);
  EXPECT_EQ(site[0].hostId, 0);
  EXPECT_EQ(site[0].tenantId, 10);
  EXPECT_EQ(open("host_silent").size(), 4u);
  for (auto& a : open("host_silent")) EXPECT_EQ(a.suppressedBy, site[0].id);
  auto q = queued();
  ASSERT_EQ(q.size(), 1u);  // the site's alert only, not four PCs'
  EXPECT_EQ(q[0].alertId, site[0].id);
  EXPECT_EQ(q[0].channelId, ch);
}

// In production a dark site's PCs are found silent one by one: each connection is seen
// dead within 40 s and rounds run every 5 s. The first ones must not be paged before
// the site alert has had a chance to form.
TEST_F(EngineTest, StaggeredSiteSilenceGivesOneNotifiedAlert) {
  channel(10, Severity::kWarning, 0);
  const Time lastSeen[] = {kT0, kT0 + 10, kT0 + 25, kT0 + 40};
  for (Id h = 1; h <= 4; ++h) engine->seen(h, lastSeen[h - 1]);
  for (Time t = kT0 + 30 * 60; t <= kT0 + 40 * 60; t += 5) engine->evaluate(t);
  auto site = open("site_silent");
  ASSERT_EQ(site.size(), 1u);
  ASSERT_EQ(open("host_silent").size(), 4u);
  for (auto& a : open("host_silent")) EXPECT_EQ(a.suppressedBy, site[0].id);
  auto q = queued();
  ASSERT_EQ(q.size(), 1u);  // the site's alert only: no PC paged before it formed
  EXPECT_EQ(q[0].alertId, site[0].id);
}

// The grace only delays a PC that is silent alone: it is still paged.
TEST_F(EngineTest, LoneSilentHostIsNotifiedAfterTheSiteGrace) {
  channel(10, Severity::kWarning, 0);
  engine->seen(1, kT0);
  Time t = kT0 + 30 * 60 + 5;
  for (Id h = 2; h <= 4; ++h) engine->seen(h, t);
  engine->evaluate(t);
  ASSERT_EQ(open("host_silent").size(), 1u);
  EXPECT_TRUE(queued().empty());  // held: the site might be going dark
  for (t += 5; t < kT0 + 30 * 60 + 5 + 120; t += 5) {
    for (Id h = 2; h <= 4; ++h) engine->seen(h, t);
    engine->evaluate(t);
  }
  EXPECT_TRUE(queued().empty());
  for (Id h = 2; h <= 4; ++h) engine->seen(h, t);
  engine->evaluate(t);
  auto q = queued();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].alertId, open("host_silent").at(0).id);
  EXPECT_TRUE(open("site_silent").empty());
  engine->evaluate(t + 5);  // still due once: the hold is not started again
  EXPECT_EQ(queued().size(), 1u);
}

TEST_F(EngineTest, EscalationAfterDelayUnlessAcknowledged) {
  Id first = channel(10, Severity::kWarning, 0, "helpdesk");
  Id escalation = channel(10, Severity::kWarning, 1800, "responsable");
  Id criticalOnly = channel(10, Severity::kCritical, 0, "astreinte");
  channel(20, Severity::kInfo, 0, "autre mairie");
  Time t = kT0;
  disk(1, 91, t);
  disk(2, 92, t);
  engine->evaluate(t);
  auto q = queued();
  ASSERT_EQ(q.size(), 2u);
  for (auto& n : q) EXPECT_EQ(n.channelId, first);
  Id host2Alert = 0;
  for (auto& a : open("disk_usage")) {
    if (a.hostId == 2) host2Alert = a.id;
  }
  engine->acknowledge(host2Alert, "user:tech", t + 600, std::nullopt);
  disk(1, 91, t + 1800);
  disk(2, 92, t + 1800);
  engine->evaluate(t + 1800);
  int escalated = 0;
  for (auto& n : queued()) {
    EXPECT_NE(n.channelId, criticalOnly);
    if (n.channelId == escalation) {
      ++escalated;
      EXPECT_NE(n.alertId, host2Alert);  // acknowledged: escalation stopped
    }
  }
  EXPECT_EQ(escalated, 1);
  // The acknowledgement told the channel that was notified.
  bool ackNotice = false;
  for (auto& n : queued()) {
    if (n.alertId == host2Alert && n.event.rfind("acknowledged", 0) == 0) ackNotice = true;
  }
  EXPECT_TRUE(ackNotice);
}

TEST_F(EngineTest, MaintenanceWindowMutesAndDoesNotFireAtItsEnd) {
  channel(10, Severity::kWarning, 0);
  Silence window;
  window.tenantId = 10;
  window.startsAt = kT0;
  window.endsAt = kT0 + 3600;
  window.comment = "changement de disque";
  store->addSilence(window);
  Time t = kT0 + 60;
  disk(1, 95, t);
  engine->evaluate(t);
  ASSERT_EQ(open("disk_usage").size(), 1u);  // tracked…
  EXPECT_TRUE(queued().empty());             // …but muted
  disk(1, 95, kT0 + 3700);
  engine->evaluate(kT0 + 3700);  // window over, condition already known: still quiet
  EXPECT_TRUE(queued().empty());
  // A new condition after the window notifies as usual.
  disk(2, 95, kT0 + 3800);
  engine->evaluate(kT0 + 3800);
  EXPECT_EQ(queued().size(), 1u);
}

TEST_F(EngineTest, FlappingAlertIsReopenedAndThenQuiet) {
  channel(10, Severity::kWarning, 0);
  Time t = kT0;
  Id id = 0;
  for (int round = 0; round < 5; ++round) {
    disk(1, 95, t);
    engine->evaluate(t);
    auto a = open("disk_usage");
    ASSERT_EQ(a.size(), 1u);
    if (id == 0) id = a[0].id;
    EXPECT_EQ(a[0].id, id);  // the same alert each time
    EXPECT_EQ(a[0].flaps, round);
    disk(1, 50, t + 60);
    engine->evaluate(t + 60);
    disk(1, 50, t + 200);
    engine->evaluate(t + 200);
    ASSERT_TRUE(open("disk_usage").empty());
    t += 300;
  }
  // Notified for rounds 0, 1, 2 (and their resolutions); quiet from the third flap on.
  int firing = 0;
  for (auto& n : queued()) firing += n.event.rfind("firing", 0) == 0;
  EXPECT_EQ(firing, 3);
}

TEST_F(EngineTest, OverridesPerTenantGroupAndHost) {
  engine->setOverride({"tenant", 10, "disk_usage", Json{{"warning", 70}, {"warning_clear", 60}}});
  engine->setOverride({"group", 100, "disk_usage", Json{{"enabled", false}}});
  engine->setOverride({"host", 2, "disk_usage", Json{{"warning", 99}, {"critical", nullptr}}});
  EXPECT_THROW(engine->setOverride({"host", 2, "disk_usage", Json{{"warnnig", 1}}}), Error);
  EXPECT_THROW(engine->setOverride({"host", 2, "no_such_rule", Json::object()}), Error);
  EXPECT_THROW(engine->setOverride({"planet", 2, "disk_usage", Json::object()}), Error);
  Time t = kT0;
  disk(1, 75, t);  // tenant 10: warning from 70
  disk(2, 98, t);  // host 2: warning from 99, no critical
  disk(5, 99, t);  // group 100: rule off
  engine->evaluate(t);
  auto a = open("disk_usage");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].hostId, 1);
  auto rules = engine->tenantRules(10);
  auto it = std::find_if(rules.begin(), rules.end(), [](auto& r) { return r.id == "disk_usage"; });
  EXPECT_EQ(*it->warning, 70);
  EXPECT_EQ(*it->critical, 98);
}

// The defaults no other test fires: memory (15 min), temperature (5 min for both
// levels), battery wear (the only "below" threshold, with its hysteresis) and the clock
// (1 h unsynchronised).
TEST_F(EngineTest, DefaultMemoryTemperatureBatteryAndClockRules) {
  std::map<std::string, Time> firstOpen;
  std::map<std::string, Severity> severity;
  double battery = 45;
  auto round = [&](Time t) {
    engine->observe(1, {{"mem.used_pct", "", 96}}, t);
    engine->observe(2, {{"temp.celsius", "Package id 0", 101}}, t);
    engine->observe(3, {{"battery.health_pct", "BAT0", battery}}, t);
    engine->observe(4, {{"time.synced", "", 0}}, t);
    engine->evaluate(t);
    for (const auto& a : open()) {
      firstOpen.try_emplace(a.ruleId, t);
      severity[a.ruleId] = a.severity;
    }
  };
  for (Time t = kT0; t <= kT0 + 3600; t += 60) round(t);
  EXPECT_EQ(firstOpen.at("memory_usage"), kT0 + 900);
  EXPECT_EQ(severity.at("memory_usage"), Severity::kWarning);
  EXPECT_EQ(firstOpen.at("temperature"), kT0 + 300);  // critical also waits 5 min
  EXPECT_EQ(severity.at("temperature"), Severity::kCritical);
  EXPECT_EQ(firstOpen.at("battery_worn"), kT0);  // below 50 %: at once
  EXPECT_EQ(severity.at("battery_worn"), Severity::kWarning);
  EXPECT_EQ(firstOpen.at("time_unsynced"), kT0 + 3600);
  ASSERT_EQ(open("temperature").size(), 1u);
  EXPECT_EQ(open("temperature")[0].subject, "Package id 0");
  // A "below" rule's hysteresis: 52 % is above the threshold but below its clear level.
  battery = 52;
  for (Time t = kT0 + 3660; t <= kT0 + 3900; t += 60) round(t);
  EXPECT_EQ(open("battery_worn").size(), 1u);
  battery = 60;
  for (Time t = kT0 + 3960; t <= kT0 + 4200; t += 60) round(t);
  EXPECT_TRUE(open("battery_worn").empty());
}

// One host in two groups: each level overrides only what it sets, the narrower wins
// (host > group > tenant > default), and a host outside the group is untouched.
TEST_F(EngineTest, OverridePrecedenceHostOverGroupOverTenant) {
  engine->setOverride({"tenant", 10, "disk_usage", Json{{"warning", 70}, {"critical", 95}}});
  engine->setOverride({"group", 7, "disk_usage", Json{{"warning", 80}}});
  engine->setOverride({"group", 8, "disk_usage", Json{{"for_seconds", 60}}});
  engine->setOverride({"host", 1, "disk_usage", Json{{"warning", 85}}});
  auto disk = [&](const HostInfo& h) {
    for (auto& r : engine->effectiveRules(h)) {
      if (r.id == "disk_usage") return r;
    }
    throw std::runtime_error("no disk_usage");
  };
  RuleConfig host1 = disk({1, 10, "pc-1", {7, 8}, {}});
  EXPECT_EQ(*host1.warning, 85);       // host
  EXPECT_EQ(host1.forSeconds, 60);     // group 8
  EXPECT_EQ(*host1.critical, 95);      // tenant
  EXPECT_EQ(*host1.warningClear, 80);  // default
  RuleConfig host2 = disk({2, 10, "pc-2", {7}, {}});
  EXPECT_EQ(*host2.warning, 80);  // group over tenant
  EXPECT_EQ(host2.forSeconds, 0);
  RuleConfig host3 = disk({3, 10, "pc-3", {}, {}});
  EXPECT_EQ(*host3.warning, 70);  // tenant only
  RuleConfig other = disk({5, 20, "pc-autre-mairie", {7}, {}});
  EXPECT_EQ(*other.warning, 80);  // groups are matched by id: the engine trusts setHost
  EXPECT_EQ(*other.critical, 98);
}

TEST_F(EngineTest, DiskFullPrediction) {
  // 60 % → 80 % over the last 24 h: full in two days.
  engine->setHistory([](Id, const std::string&, const std::string&, Time from) {
    std::vector<std::pair<Time, double>> points;
    for (Time t = from; t <= kT0; t += 3600) {
      points.emplace_back(t, 60 + 20.0 * double(t - from) / 86400);
    }
    return points;
  });
  disk(1, 80, kT0);
  engine->evaluate(kT0);
  auto a = open("disk_full_soon");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_NEAR(a[0].value, 24, 1.5);  // hours left (20 % at 0.83 %/h)
  // A steady disk predicts nothing.
  engine->setHistory([](Id, const std::string&, const std::string&, Time from) {
    std::vector<std::pair<Time, double>> points;
    for (Time t = from; t <= kT0; t += 3600) points.emplace_back(t, 80);
    return points;
  });
  disk(2, 80, kT0);
  engine->evaluate(kT0, 2);
  EXPECT_EQ(open("disk_full_soon").size(), 1u);
}

TEST_F(EngineTest, BackupStaleOnlyWithBackupData) {
  engine->setLastBackup([](Id host) -> std::optional<Time> {
    if (host == 1) return kT0 - 72 * 3600;
    if (host == 2) return kT0 - 3600;
    return std::nullopt;
  });
  for (Id h = 1; h <= 3; ++h) engine->seen(h, kT0);
  engine->evaluate(kT0);
  auto a = open("backup_stale");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].hostId, 1);
}

TEST_F(EngineTest, LifecycleScopedToTenants) {
  disk(5, 95, kT0);
  engine->evaluate(kT0);
  Id id = open("disk_usage")[0].id;
  EXPECT_THROW(engine->acknowledge(id, "user:x", kT0, std::vector<Id>{10}), Error);
  Alert a = engine->acknowledge(id, "user:tech", kT0 + 5, std::vector<Id>{20});
  EXPECT_EQ(a.state, AlertState::kAcknowledged);
  EXPECT_EQ(a.acknowledgedBy, "user:tech");
  EXPECT_EQ(*a.acknowledgedAt, kT0 + 5);
  engine->comment(id, "user:tech", "disque commandé", kT0 + 6, std::nullopt);
  EXPECT_EQ(store->comments(id).size(), 1u);
  disk(5, 10, kT0 + 60);
  engine->evaluate(kT0 + 60);
  engine->evaluate(kT0 + 200);
  EXPECT_EQ(store->findAlert(id)->state, AlertState::kResolved);
  EXPECT_THROW(engine->acknowledge(id, "user:tech", kT0 + 300, std::nullopt), Error);
}

TEST_F(EngineTest, OpenAlertsSurviveARestart) {
  disk(1, 95, kT0);
  engine->evaluate(kT0);
  Id id = open("disk_usage")[0].id;
  engine = std::make_unique<Engine>(*store);  // the server restarted
  engine->setHost({1, 10, "pc-1", {}, {}});
  disk(1, 96, kT0 + 60);
  engine->evaluate(kT0 + 60);
  auto a = open("disk_usage");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].id, id);
}

TEST(HealthServiceEvents, LocalThresholdEventFiresAtOnce) {
  auto svc = HealthService::inMemory(HealthSettings{});
  svc->setHost({1, 10, "pc-1", {}, {}});
  Json event{{"kind", "local_threshold"},
             {"rule", "smart_failing"},
             {"state", "raised"},
             {"severity", "critical"},
             {"metric", "smart.healthy"},
             {"subject", "sda"},
             {"value", 0},
             {"at", kT0}};
  svc->ingestEvent(1, 10, event, kT0 + 5);  // no evaluate() call needed
  auto open = svc->alerts().openAlerts();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].ruleId, "smart_failing");
  EXPECT_EQ(open[0].subject, "sda");
  // A cleared event or another kind changes nothing; a malformed one is refused.
  svc->ingestEvent(1, 10, Json{{"kind", "local_threshold"}, {"state", "cleared"}}, kT0 + 6);
  EXPECT_THROW(
      svc->ingestEvent(1, 10, Json{{"kind", "local_threshold"}, {"state", "raised"}}, kT0 + 7),
      Error);
  EXPECT_THROW(svc->ingestEvent(1, 10, Json::array(), kT0 + 7), Error);
  EXPECT_EQ(svc->alerts().openAlerts().size(), 1u);
}

TEST(HealthServiceMetrics, ResentBatchIsIgnoredAndCounted) {
  auto svc = HealthService::inMemory(HealthSettings{});
  Json batch{{"collected_at", kT0},
             {"metrics", {{{"name", "disk.used_pct"}, {"subject", "/"}, {"value", 50}}}}};
  EXPECT_TRUE(svc->ingestMetrics(1, 10, "id-1", batch, kT0));
  EXPECT_FALSE(svc->ingestMetrics(1, 10, "id-1", batch, kT0 + 1));
  EXPECT_EQ(svc->counters().duplicateBatches.load(), 1);
  EXPECT_THROW(svc->ingestMetrics(1, 10, "id-2", Json{{"metrics", 1}}, kT0), Error);
  std::string text = svc->prometheusText();
  EXPECT_NE(text.find("parc_metric_batches_total 1"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE parc_metric_points_total counter"), std::string::npos);
}

}  // namespace
}  // namespace parc::server::alerts
