// parc-loadgen's interface, which the benchmarks rely on (issue 4): against a real server,
// simulated agents enrol, hold their control channels, send metrics and their own copy of
// a real inventory (full, then deltas on the view the server acknowledged), and the last
// line is the JSON the benchmarks read. A second run resumes the identities on disk and
// sends deltas only.
#include <gtest/gtest.h>

#include <set>

#include "common/files/files.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

using namespace std::chrono_literals;

Json lastLine(const std::string& out) {
  std::string text = out;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return parseJson(text.substr(text.rfind('\n') + 1));
}

TEST(Loadgen, AgentsReportMetricsAndInventoriesAndResumeWithDeltas) {
  TempDir tmp;
  ServerFixture server(tmp.path() / "server");
  Parcctl ctl(tmp.path() / "home");
  ctl.login(server);
  ctl.json({"tenants", "create", "--name", "Charge", "--insee", "12202"});
  std::string token =
      ctl.json({"tokens", "create", "--tenant", "1", "--max-uses", "10"}).value("token", "");
  // This machine's real inventory is the template each simulated PC makes its own.
  RunResult inventory = runProgram({binary("parc-agent"), "inventory"});
  ASSERT_EQ(inventory.exitCode, 0) << inventory.err;
  auto templateFile = tmp.path() / "inventory.json";
  files::writeAtomic(templateFile, inventory.out);

  auto loadgen = [&](int duration) {
    return runProgram({binary("parc-loadgen"),
                       "--server",
                       "127.0.0.1:" + std::to_string(server.agentPort),
                       "--ca-fingerprint",
                       server.caFingerprint,
                       "--token",
                       token,
                       "--agents",
                       "4",
                       "--duration",
                       std::to_string(duration),
                       "--report-interval",
                       "1",
                       "--inventory-file",
                       templateFile.string(),
                       "--inventory-interval",
                       "2",
                       "--state-dir",
                       (tmp.path() / "state").string(),
                       "--json"},
                      {}, "", 120s);
  };
  RunResult first = loadgen(6);
  ASSERT_EQ(first.exitCode, 0) << first.err;
  Json run = lastLine(first.out);
  EXPECT_EQ(run["agents_connected"], 4) << run;
  EXPECT_EQ(run["errors"], 0) << run;
  EXPECT_GE(run["reports_acked"].get<long>(), 4 * 4) << run;
  EXPECT_GT(run["p99_ms"].get<double>(), 0) << run;
  EXPECT_GE(run["p99_ms"].get<double>(), run["p50_ms"].get<double>()) << run;
  // A full inventory each, then deltas on it: at least one more each within 6 s.
  EXPECT_EQ(run["inventories_full"], 4) << run;
  EXPECT_GE(run["inventories_acked"].get<long>(), 8) << run;
  EXPECT_GT(run["inventory_bytes_full"].get<long>(), 10000) << run;

  // Each host holds its own machine, whole: the deltas kept the sections they did not carry.
  Json hosts = ctl.json({"hosts", "list"});
  ASSERT_EQ(hosts["count"], 4) << hosts;
  std::set<std::string> names, serials;
  for (const Json& h : hosts["items"]) {
    Json host = ctl.json({"hosts", "show", std::to_string(h["id"].get<long>())});
    const Json& inv = host["inventory"];
    ASSERT_TRUE(inv.is_object()) << host;
    names.insert(inv["system"].value("hostname", ""));
    serials.insert(inv["system"].value("product_serial", ""));
    EXPECT_TRUE(inv.contains("software") && !inv["software"].empty()) << host["hostname"];
  }
  EXPECT_EQ(names, (std::set<std::string>{"loadgen-0", "loadgen-1", "loadgen-2", "loadgen-3"}));
  EXPECT_EQ(serials.size(), 4U);

  // Resumed: no new enrolment (the token is not needed), deltas on the acknowledged views.
  RunResult second = loadgen(5);
  ASSERT_EQ(second.exitCode, 0) << second.err;
  run = lastLine(second.out);
  EXPECT_EQ(run["agents_connected"], 4) << run;
  EXPECT_EQ(run["errors"], 0) << run;
  EXPECT_EQ(run["inventories_full"], 0) << run;
  EXPECT_GE(run["inventories_acked"].get<long>(), 4) << run;
  EXPECT_EQ(ctl.json({"hosts", "list"})["count"], 4);
}

}  // namespace
}  // namespace parc::testing
