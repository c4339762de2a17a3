// The fleet's current values (MetricsStore::latest) and their Prometheus exposition:
// the newest point per series only, hosts outside the scope left out, and agent-supplied
// label values that cannot break the format.
#include "server/health/prometheus.h"

#include <gtest/gtest.h>

namespace parc::server::health {
namespace {

constexpr Time kT = 1795910400;

MetricsBatch batch(Time at, std::vector<Sample> samples) {
  return MetricsBatch{at, std::move(samples)};
}

TEST(FleetLatest, NewestPointPerSeriesSinceACutoff) {
  auto store = MetricsStore::inMemory();
  store->ingest(1, 7, "a", batch(kT, {{"disk.used_pct", "/", 80}, {"cpu.usage_pct", "", 5}}), kT);
  store->ingest(1, 7, "b", batch(kT + 60, {{"disk.used_pct", "/", 81}}), kT + 60);
  store->ingest(2, 8, "c", batch(kT - 3600, {{"disk.used_pct", "/", 99}}), kT);  // an hour old
  auto disks = store->latest("disk.used_pct", kT - 900);
  ASSERT_EQ(disks.size(), 1u);
  EXPECT_EQ(disks[0].hostId, 1);
  EXPECT_EQ(disks[0].tenantId, 7);
  EXPECT_EQ(disks[0].t, kT + 60);
  EXPECT_DOUBLE_EQ(disks[0].value, 81);
  auto all = store->latest(std::nullopt, kT - 7200);
  ASSERT_EQ(all.size(), 3u);  // ordered by name, then host
  EXPECT_EQ(all[0].name, "cpu.usage_pct");
  EXPECT_EQ(all[1].hostId, 1);
  EXPECT_EQ(all[2].hostId, 2);
  EXPECT_DOUBLE_EQ(all[2].value, 99);
}

TEST(Prometheus, NamesAndLabelsAreEscaped) {
  EXPECT_EQ(prometheusName("disk.used_pct"), "parc_agent_disk_used_pct");
  EXPECT_EQ(prometheusName("temp.celsius{x}"), "parc_agent_temp_celsius_x_");
  EXPECT_EQ(prometheusLabel("a\"b\\c\nd\x1b[31m"), "a\\\"b\\\\c\\nd [31m");
}

TEST(Prometheus, ExpositionHoldsCountsAndOneBlockPerMetric) {
  FleetCounts counts;
  counts.hostsByTenant["Millau"] = {3, 2};
  counts.openAlertsBySeverity["critical"] = 1;
  std::vector<LatestValue> values = {
      {1, 7, "cpu.usage_pct", "", kT, 12.5},
      {2, 7, "cpu.usage_pct", "", kT, 3},
      {1, 7, "disk.used_pct", "/", kT, 91},
      {9, 8, "disk.used_pct", "/", kT, 50},  // not in `hosts`: another commune's
  };
  std::map<Id, HostLabels> hosts{{1, {"pc-accueil\"}\nparc_hosts 1e9", "Millau"}},
                                 {2, {"pc-maire", "Millau"}}};
  std::string text = prometheusText(counts, values, hosts);
  EXPECT_NE(text.find("parc_hosts{tenant=\"Millau\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("parc_hosts_online{tenant=\"Millau\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("parc_alerts_open{severity=\"critical\"} 1\n"), std::string::npos);
  EXPECT_NE(
      text.find("parc_agent_cpu_usage_pct{host=\"pc-maire\",tenant=\"Millau\"} 3 1795910400000\n"),
      std::string::npos);
  EXPECT_NE(
      text.find(
          "parc_agent_disk_used_pct{host=\"pc-accueil\\\"}\\nparc_hosts 1e9\",tenant=\"Millau\","
          "subject=\"/\"} 91 1795910400000\n"),
      std::string::npos)
      << text;
  EXPECT_EQ(text.find("50 "), std::string::npos);  // host 9 left out
  // One TYPE line per metric; every sample line ends the line it starts (no injection).
  EXPECT_EQ(text.find("# TYPE parc_agent_cpu_usage_pct gauge"),
            text.rfind("# TYPE parc_agent_cpu_usage_pct gauge"));
  std::size_t lines = 0, injected = 0;
  for (std::size_t at = 0, next; (next = text.find('\n', at)) != std::string::npos; at = next + 1) {
    ++lines;
    if (text.compare(at, 13, "parc_hosts 1e") == 0) ++injected;
  }
  EXPECT_EQ(injected, 0u);
  EXPECT_EQ(lines, 6u + 3u + 2u * 2u + 3u);  // 3 blocks of headers+rows, 2 metric blocks, 3 samples
}

TEST(Prometheus, AgentMetricsCannotCollideWithTheServersFamilies) {
  // An agent may name its metrics anything; "hosts" once became a second parc_hosts
  // block and Prometheus refused the whole scrape.
  FleetCounts counts;
  counts.hostsByTenant["Millau"] = {1, 1};
  counts.openAlertsBySeverity["warning"] = 1;
  std::vector<LatestValue> values = {
      {1, 7, "alerts_open", "", kT, 1},           {1, 7, "hosts", "", kT, 99},
      {1, 7, "hosts_online", "", kT, 98},         {1, 7, "metric_batches_total", "", kT, 5},
      {1, 7, "notifications_pending", "", kT, 4},
  };
  std::map<Id, HostLabels> hosts{{1, {"pc-mairie", "Millau"}}};
  std::string text = prometheusText(counts, values, hosts);
  std::map<std::string, int> families;
  for (std::size_t at = 0; (at = text.find("# TYPE ", at)) != std::string::npos; ++at) {
    std::size_t end = text.find(' ', at + 7);
    ++families[text.substr(at + 7, end - at - 7)];
  }
  for (const auto& [name, n] : families) EXPECT_EQ(n, 1) << name << "\n" << text;
  EXPECT_EQ(families.count("parc_agent_hosts"), 1u) << text;
  EXPECT_NE(text.find("parc_agent_hosts{host=\"pc-mairie\",tenant=\"Millau\"} 99 "),
            std::string::npos);
  EXPECT_NE(text.find("parc_hosts{tenant=\"Millau\"} 1\n"), std::string::npos);
  // Nor with the families HealthService::prometheusText appends (parc_metric_…,
  // parc_notification…): every agent family carries the parc_agent_ prefix.
  for (const auto& [name, n] : families) {
    bool server = name == "parc_hosts" || name == "parc_hosts_online" || name == "parc_alerts_open";
    EXPECT_TRUE(server || name.rfind("parc_agent_", 0) == 0) << name;
  }
}

}  // namespace
}  // namespace parc::server::health
