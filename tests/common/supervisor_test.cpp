// The programs' side of systemd's service protocol (common/systemd), against a datagram
// socket standing for systemd: keep-alives at half WatchdogSec while healthy and none
// when not, reload on SIGHUP announced with RELOADING=1 then READY=1. Its own program:
// the Supervisor blocks SIGHUP for the whole process.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>

#include "common/systemd/notify.h"
#include "tests/common/notify_socket.h"

namespace parc::systemd {
namespace {

using namespace std::chrono_literals;
using parc::testing::NotifySocket;

class SupervisorTest : public ::testing::Test {
 protected:
  SupervisorTest()
      : socket_(std::filesystem::temp_directory_path() /
                ("parc-notify-" + std::to_string(getpid()) + ".sock")) {
    setenv("NOTIFY_SOCKET", socket_.path().c_str(), 1);
    setenv("WATCHDOG_USEC", "200000", 1);  // keep-alives every 100 ms
    setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
  }
  ~SupervisorTest() override {
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
  }
  NotifySocket socket_;
};

TEST_F(SupervisorTest, KeepAlivesOnlyWhileHealthy) {
  EXPECT_EQ(watchdogInterval(), 100ms);
  std::atomic<bool> healthy{true};
  Supervisor supervisor({{}, [&] { return healthy.load(); }});
  ASSERT_TRUE(socket_.waitFor("WATCHDOG=1", 2s));
  ASSERT_TRUE(socket_.waitFor("WATCHDOG=1", 2s)) << "and again";

  healthy = false;
  std::this_thread::sleep_for(150ms);  // a keep-alive may have been on its way
  while (socket_.next(0ms)) {
  }
  EXPECT_FALSE(socket_.waitFor("WATCHDOG=1", 600ms)) << "no keep-alive while unhealthy";

  healthy = true;
  EXPECT_TRUE(socket_.waitFor("WATCHDOG=1", 2s)) << "resumed once healthy";
}

TEST_F(SupervisorTest, SighupReloadsBetweenReloadingAndReady) {
  std::atomic<int> reloads{0};
  Supervisor supervisor({[&] {
                           if (++reloads == 2) throw std::runtime_error("bad setting");
                         },
                         {}});
  for (int round = 1; round <= 2; ++round) {
    ::kill(getpid(), SIGHUP);  // process-directed, as systemctl reload sends it
    std::string seen;
    ASSERT_TRUE(socket_.waitFor("RELOADING=1", 2s, &seen)) << seen;
    EXPECT_NE(seen.find("MONOTONIC_USEC="), std::string::npos) << seen;
    ASSERT_TRUE(socket_.waitFor("READY=1", 2s, &seen)) << "even after a failed reload: " << seen;
    EXPECT_EQ(reloads.load(), round);
  }
}

}  // namespace
}  // namespace parc::systemd
