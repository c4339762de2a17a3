// The report latency log: one line per period with each stage's percentiles, nothing when
// no report was answered, and a fresh start after each line.
#include "server/control/report_latency.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

namespace parc::server::control {
namespace {

using namespace std::chrono_literals;

class ReportLatencyLog : public ::testing::Test {
 protected:
  void SetUp() override {
    previous = spdlog::default_logger();
    auto logger = std::make_shared<spdlog::logger>(
        "captured", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
    logger->set_pattern("%v");
    spdlog::set_default_logger(logger);
  }
  void TearDown() override { spdlog::set_default_logger(previous); }

  std::shared_ptr<spdlog::logger> previous;
  std::ostringstream out;
};

TEST_F(ReportLatencyLog, LogsEachStagesPercentilesOncePerPeriod) {
  ReportLatency latency(1min);
  auto start = ReportLatency::Clock::now();
  for (int ms = 1; ms <= 100; ++ms) {
    latency.add(ReportLatency::kQueued, std::chrono::milliseconds(ms));
    latency.add(ReportLatency::kAnswered, std::chrono::milliseconds(ms * 2));
  }
  latency.add(ReportLatency::kStore, 7ms);
  latency.maybeLog(start + 10s);
  EXPECT_EQ(out.str(), "") << "not before the period is over";

  latency.maybeLog(start + 61s);
  std::string line = out.str();
  EXPECT_NE(line.find("reports over the channel: 100 in"), std::string::npos) << line;
  EXPECT_NE(line.find("queued p50 50.0 / p99 99.0 / max 100 ms"), std::string::npos) << line;
  EXPECT_NE(line.find("answered p50 100.0 / p99 198.0 / max 200 ms"), std::string::npos) << line;
  EXPECT_NE(line.find("store p50 7.0 / p99 7.0 / max 7 ms"), std::string::npos) << line;
  EXPECT_EQ(line.find("health"), std::string::npos) << "no sample, no figure: " << line;
  // What /metrics reports: the period just logged.
  ReportLatency::Answered a = latency.lastAnswered();
  EXPECT_EQ(a.count, 100u);
  EXPECT_NEAR(a.p50Seconds, 0.100, 1e-6);
  EXPECT_NEAR(a.p99Seconds, 0.198, 1e-6);
  EXPECT_NEAR(a.sumSeconds, 10.1, 1e-3);  // 2 + 4 + … + 200 ms

  out.str("");
  latency.maybeLog(start + 200s);
  EXPECT_EQ(out.str(), "") << "a quiet period logs nothing";
}

TEST_F(ReportLatencyLog, FlushLogsAShortPeriodAtShutdown) {
  ReportLatency latency(1min);
  latency.add(ReportLatency::kAnswered, 3ms);
  latency.flush();
  EXPECT_NE(out.str().find("reports over the channel: 1 in 0 s; answered p50 3.0"),
            std::string::npos)
      << out.str();
}

}  // namespace
}  // namespace parc::server::control
