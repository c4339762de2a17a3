// The real programs speak systemd's service protocol as installers/systemd expects
// (Type=notify, WatchdogSec=, ExecReload=kill -HUP): pointed at a datagram socket that
// stands for systemd, parc-server says READY=1 once its listeners are bound, parc-agent
// as soon as its loop runs, both send keep-alives at half WatchdogSec while their loops
// move, and a SIGHUP is announced RELOADING=1 … READY=1 without a restart.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "tests/common/notify_socket.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

using namespace std::chrono_literals;

class SystemdProtocol : public ::testing::Test {
 protected:
  SystemdProtocol() : systemd_(tmp_.path() / "notify.sock") {}

  // systemd's variables for one program (no WATCHDOG_PID: that would name this test).
  std::map<std::string, std::string> systemdEnvironment() const {
    return {{"NOTIFY_SOCKET", systemd_.path().string()},
            {"WATCHDOG_USEC", "1000000"}};  // keep-alives every 500 ms
  }

  // A SIGHUP reloads in place: announced, answered READY=1, same process.
  void expectReloadInPlace(Process& program) {
    pid_t before = program.pid();
    ASSERT_EQ(::kill(program.pid(), SIGHUP), 0);
    std::string seen;
    ASSERT_TRUE(systemd_.waitFor("RELOADING=1", 10s, &seen)) << seen;
    ASSERT_TRUE(systemd_.waitFor("READY=1", 10s, &seen)) << seen;
    EXPECT_TRUE(program.running());
    EXPECT_EQ(program.pid(), before);
  }

  TempDir tmp_;
  NotifySocket systemd_;
};

TEST_F(SystemdProtocol, ServerIsReadyOnceListeningKeepsAliveAndReloads) {
  // The fixture starts the server with the test's environment.
  for (const auto& [name, value] : systemdEnvironment()) setenv(name.c_str(), value.c_str(), 1);
  ServerFixture server(tmp_.path() / "server");
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");
  std::string seen;
  ASSERT_TRUE(systemd_.waitFor("READY=1", 30s, &seen)) << seen;
  EXPECT_NE(seen.find("STATUS=serving"), std::string::npos) << seen;
  // Ready means reachable: the fixture has already had its URLs from the running server.
  EXPECT_FALSE(server.consoleUrl.empty());
  ASSERT_TRUE(systemd_.waitFor("WATCHDOG=1", 5s, &seen)) << seen;
  ASSERT_TRUE(systemd_.waitFor("WATCHDOG=1", 5s, &seen)) << "keep-alives go on: " << seen;
  expectReloadInPlace(server.process());
  ASSERT_TRUE(systemd_.waitFor("WATCHDOG=1", 5s)) << "still kept alive after the reload";
  EXPECT_EQ(server.stop(), 0);
  EXPECT_TRUE(systemd_.waitFor("STOPPING=1", 5s));
}

// `top -H`, `ps -L` and perf show which thread spends the CPU by its name (the kernel's
// comm); unnamed, all would read as the program's.
std::set<std::string> threadNames(pid_t pid) {
  std::set<std::string> names;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (std::getline(comm, name)) names.insert(name);
  }
  return names;
}

// Every name in `expected` names one of the process's threads (waited for: some start
// after READY=1).
void expectThreadsNamed(pid_t pid, const std::set<std::string>& expected) {
  std::set<std::string> names;
  waitFor(
      [&] {
        names = threadNames(pid);
        return std::includes(names.begin(), names.end(), expected.begin(), expected.end());
      },
      10s);
  std::string seen;
  for (const auto& n : names) seen += n + " ";
  for (const auto& n : expected) EXPECT_TRUE(names.count(n)) << n << " missing among: " << seen;
}

TEST_F(SystemdProtocol, ServerThreadsCarryTheNameOfTheirWork) {
  for (const auto& [name, value] : systemdEnvironment()) setenv(name.c_str(), value.c_str(), 1);
  ServerFixture server(tmp_.path() / "server");
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");
  ASSERT_TRUE(systemd_.waitFor("READY=1", 30s));
  expectThreadsNamed(server.process().pid(),
                     {"parc-server", "worker", "channel", "report", "health", "alert-send",
                      "presence", "channel-sweep", "sd-signals", "sd-watchdog", "message-purge",
                      "audit-purge", "wal-checkpoint"});
  EXPECT_EQ(server.stop(), 0);
}

TEST_F(SystemdProtocol, AgentIsReadyKeepsAliveAndReloads) {
  // The server, quiet towards systemd: only the agent speaks on the socket.
  ServerFixture server(tmp_.path() / "server");
  Parcctl ctl(tmp_.path() / "home");
  ctl.login(server);
  ctl.json({"tenants", "create", "--name", "Mairie de Rodez", "--insee", "12202"});
  std::string token = ctl.json({"tokens", "create", "--tenant", "1"})["token"];
  Process agent(
      {binary("parc-agent"), "run", "--data-dir", (tmp_.path() / "agent").string(), "--server",
       server.agentUrl, "--ca-fingerprint", server.caFingerprint, "--token", token},
      tmp_.path() / "agent-log", systemdEnvironment());
  std::string seen;
  ASSERT_TRUE(systemd_.waitFor("READY=1", 30s, &seen)) << seen << agent.stderrText();
  ASSERT_TRUE(systemd_.waitFor("WATCHDOG=1", 5s, &seen)) << seen;
  ASSERT_TRUE(systemd_.waitFor("WATCHDOG=1", 5s, &seen)) << "keep-alives go on: " << seen;
  // Its threads are named for their work too (docs/operations.md).
  expectThreadsNamed(agent.pid(),
                     {"parc-agent", "control", "sender", "health", "update", "cert-renewal"});
  expectReloadInPlace(agent);
  EXPECT_EQ(agent.stop(), 0);
  EXPECT_TRUE(systemd_.waitFor("STOPPING=1", 5s));
}

}  // namespace
}  // namespace parc::testing
