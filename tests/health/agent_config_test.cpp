// The one agent.toml key of health monitoring: metrics_interval.
#include "agent/config/agent_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/error.h"

namespace parc::agent {
namespace {

std::filesystem::path write(const std::string& text) {
  auto p = std::filesystem::temp_directory_path() /
           ("parc-agent-health-" + std::to_string(getpid()) + ".toml");
  std::ofstream(p) << text;
  return p;
}

TEST(AgentConfigHealth, MetricsIntervalDefaultsToAMinute) {
  auto c = loadAgentConfig(write(""), true);
  EXPECT_EQ(c.metricsInterval.count(), 60);
}

TEST(AgentConfigHealth, MetricsIntervalBoundsAndOff) {
  EXPECT_EQ(loadAgentConfig(write("metrics_interval = 0\n"), true).metricsInterval.count(), 0);
  EXPECT_EQ(loadAgentConfig(write("metrics_interval = 300\n"), true).metricsInterval.count(), 300);
  EXPECT_THROW(loadAgentConfig(write("metrics_interval = 5\n"), true), Error);
  EXPECT_THROW(loadAgentConfig(write("metrics_interval = 100000\n"), true), Error);
  std::filesystem::remove(write(""));
}

}  // namespace
}  // namespace parc::agent
