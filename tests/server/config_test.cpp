// parc-server's TOML settings that have no other test: the metrics retention of
// `[health]` (docs/health.md, "Storage"), the retention of received messages,
// `[messages]` (docs/protocol.md), and the thread counts, `[threads]`.
#include "server/app/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/error.h"
#include "common/files/files.h"
#include "server/health/metrics_store.h"

namespace parc::server {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;

ServerConfig load(const std::string& toml) {
  fs::path dir = fs::temp_directory_path() / ("parc-server-config-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  files::writeAtomic(dir / "server.toml", toml);
  ServerConfig c;
  try {
    loadServerConfigFile(dir / "server.toml", c);
  } catch (...) {
    fs::remove_all(dir);
    throw;
  }
  fs::remove_all(dir);
  return c;
}

TEST(ServerConfigHealth, RetentionDefaultsAndKeys) {
  ServerConfig d = load("");
  EXPECT_EQ(d.metricsRetentionRaw, hours(48));
  EXPECT_EQ(d.metricsRetentionFiveMinutes, hours(24 * 10));
  EXPECT_EQ(d.metricsRetentionHourly, hours(24 * 400));
  ServerConfig c = load(
      "[health]\nretention_raw_hours = 24\nretention_5min_days = 3\n"
      "retention_hourly_days = 90\n");
  EXPECT_EQ(c.metricsRetentionRaw, hours(24));
  EXPECT_EQ(c.metricsRetentionFiveMinutes, hours(72));
  EXPECT_EQ(c.metricsRetentionHourly, hours(24 * 90));
  // What the server builds from it is a retention the metrics store accepts.
  EXPECT_NO_THROW(health::MetricsStore::inMemory(
      {c.metricsRetentionRaw, c.metricsRetentionFiveMinutes, c.metricsRetentionHourly}));
  // One key alone keeps the other defaults.
  EXPECT_EQ(load("[health]\nretention_hourly_days = 30\n").metricsRetentionHourly, hours(24 * 30));
}

TEST(ServerConfigHealth, RetentionMustGrowFromRawToHourly) {
  for (const char* bad : {
           "[health]\nretention_raw_hours = 240\nretention_5min_days = 10\n",  // equal
           "[health]\nretention_raw_hours = 300\n",                            // raw > 5 min
           "[health]\nretention_5min_days = 400\n",                            // 5 min = hourly
           "[health]\nretention_hourly_days = 5\n",                            // hourly < 5 min
           "[health]\nretention_raw_hours = 0\n",
           "[health]\nretention_5min_days = -1\n",
           "[health]\nretention_raw_hours = \"48\"\n",
       }) {
    EXPECT_THROW(load(bad), Error) << bad;
  }
}

TEST(ServerConfigMessages, RetentionDefaultsKeysAndRefusals) {
  ServerConfig d = load("");
  EXPECT_EQ(d.messageRetention.metricsCopyDays, 1);
  EXPECT_EQ(d.messageRetention.logDays, 365);
  EXPECT_EQ(d.messageRetention.idDays, 9);
  ServerConfig c = load("[messages]\nmetrics_copy_days = 0\nlog_days = 30\nid_days = 14\n");
  EXPECT_EQ(c.messageRetention.metricsCopyDays, 0);
  EXPECT_EQ(c.messageRetention.logDays, 30);
  EXPECT_EQ(c.messageRetention.idDays, 14);
  for (const char* bad : {"[messages]\nid_days = -1\n", "[messages]\nlog_days = 40000\n",
                          "[messages]\nmetrics_copy_days = \"2\"\n"}) {
    EXPECT_THROW(load(bad), Error) << bad;
  }
}

TEST(ServerConfigThreads, DefaultsKeysAndRefusals) {
  ServerConfig d = load("");
  EXPECT_EQ(d.networkThreads, 1);
  EXPECT_EQ(d.workerThreads, 8);
  EXPECT_EQ(d.channelThreads, 2);
  EXPECT_EQ(d.reportThreads, 4);
  ServerConfig c = load("[threads]\nnetwork = 2\nworkers = 3\nchannels = 5\nreports = 1\n");
  EXPECT_EQ(c.networkThreads, 2);
  EXPECT_EQ(c.workerThreads, 3);
  EXPECT_EQ(c.channelThreads, 5);
  EXPECT_EQ(c.reportThreads, 1);
  for (const char* bad : {"[threads]\nnetwork = 0\n", "[threads]\nworkers = 65\n",
                          "[threads]\nreports = -1\n", "[threads]\nchannels = 0\n",
                          "[threads]\nnetwork = 4294967297\n", "[threads]\nworkers = \"2\"\n"}) {
    EXPECT_THROW(load(bad), Error) << bad;
  }
}

}  // namespace
}  // namespace parc::server
