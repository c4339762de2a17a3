// The packages under a real systemd: tests/installers/systemd-root.sh boots systemd as
// PID 1 of a private PID namespace in the throw-away root, and every step goes through
// systemctl as a technician's would. The server's unit starts with its sandbox and is
// ready once serving; a reload keeps the same process; keep-alives hold it past
// WatchdogSec, and a frozen server is killed by the watchdog and restarted. The agent's
// silent installation enrols and starts its service, which reports.
// Two container limits, set here and nowhere else: PrivateUsers=no (this machine refuses
// nested user namespaces) and no /usr/sbin/policy-rc.d (a container image's "never start
// services", absent from a real Debian installation).
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "tests/installers/packages_fixture.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

const std::string kSystemdRoot = (kSourceDir / "tests/installers/systemd-root.sh").string();

// systemd running in the throw-away root; commands enter its namespaces and root.
class SystemdRoot {
 public:
  SystemdRoot(const Root& root, const fs::path& packages, const fs::path& log)
      : process_({kSystemdRoot, root.state().string(), "--bind", packages.string()}, log) {
    // The script execs unshare, whose only child is systemd (PID 1 inside).
    auto children = fs::path("/proc") / std::to_string(process_.pid()) / "task" /
                    std::to_string(process_.pid()) / "children";
    // Until it is systemd: first it is the shell that mounts the root.
    bool started = waitFor(
        [&] {
          std::ifstream in(children);
          if (!(in >> systemd_)) return false;
          std::ifstream comm(fs::path("/proc") / std::to_string(systemd_) / "comm");
          std::string name;
          return comm >> name && name == "systemd";
        },
        10s);
    // Its marks (/run/systemd/system, then its bus socket) appear a moment after it
    // starts: "offline" or no connection until then; asked until it answers.
    booted_ = started && waitFor(
                             [&] {
                               RunResult booted = run({"systemctl", "is-system-running", "--wait"});
                               state_ = booted.out + booted.err;
                               return state_.find("Failed to connect") == std::string::npos &&
                                      state_.find("offline") == std::string::npos;
                             },
                             60s);
  }
  // unshare --fork ignores SIGTERM; killed, it takes systemd and every unit with it
  // (--kill-child).
  ~SystemdRoot() { process_.kill9(); }
  SystemdRoot(const SystemdRoot&) = delete;
  SystemdRoot& operator=(const SystemdRoot&) = delete;
  RunResult run(const std::vector<std::string>& command) const {
    std::vector<std::string> argv = {tool("nsenter"), "--target",     std::to_string(systemd_),
                                     "--mount",       "--pid",        "--root",
                                     "--wd",          "/usr/bin/env", "HOME=/root"};
    argv.insert(argv.end(), command.begin(), command.end());
    return runProgram(argv, {}, "", 120s);
  }
  std::string show(const std::string& unit, const std::string& property) const {
    std::string value = run({"systemctl", "show", unit, "-p", property, "--value"}).out;
    while (!value.empty() && value.back() == '\n') value.pop_back();
    return value;
  }
  /// systemd runs in the root and answers (bootState(): what it said).
  bool booted() const { return booted_; }
  const std::string& bootState() const { return state_; }

 private:
  Process process_;
  pid_t systemd_ = 0;
  std::string state_;
  bool booted_ = false;
};

class InstallersUnderSystemd : public Installers {};

TEST_F(InstallersUnderSystemd, ServerAndAgentServicesStartReloadAndAreWatched) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (namespaces, overlayfs)";
  TempDir tmp;
  auto packages = work_->path();
  Root root(tmp.path() / "root-state", packages);
  RunResult r = root.run({"dpkg", "-i", previous_.server, previous_.cli});
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  // Fixed in the configuration, so that a restart by the watchdog keeps them.
  std::uint16_t agentPort = freeLoopbackPort(), consolePort = freeLoopbackPort();
  std::ostringstream settings;
  settings << "[agent]\naddress = \"127.0.0.1\"\nport = " << agentPort
           << "\n[console]\naddress = \"127.0.0.1\"\nport = " << consolePort << "\n";
  ASSERT_EQ(root.run({"sh", "-c",
                      "rm -f /usr/sbin/policy-rc.d && printf '" + settings.str() +
                          "' > /etc/parc/server.toml && mkdir -p "
                          "/etc/systemd/system/parc-server.service.d && printf "
                          "'[Service]\\nPrivateUsers=no\\nWatchdogSec=3s\\nRestartSec=1s\\n' > "
                          "/etc/systemd/system/parc-server.service.d/test.conf"})
                .exitCode,
            0);

  SystemdRoot systemd(root, packages, tmp.path() / "systemd");
  ASSERT_TRUE(systemd.booted()) << systemd.bootState();
  ASSERT_NE(systemd.bootState().find("running"), std::string::npos) << systemd.bootState();

  // 1. Type=notify: `systemctl start` returns once the server said READY=1.
  r = systemd.run({"systemctl", "start", "parc-server"});
  ASSERT_EQ(r.exitCode, 0) << r.err << systemd.run({"journalctl", "-u", "parc-server"}).out;
  EXPECT_EQ(systemd.show("parc-server", "ActiveState"), "active");
  EXPECT_EQ(systemd.show("parc-server", "StatusText"), "serving");
  EXPECT_EQ(systemd.show("parc-server", "User"), "parc");
  std::string mainPid = systemd.show("parc-server", "MainPID");

  // 2. Keep-alives hold it well past WatchdogSec (3 s), through a reload, same process.
  std::this_thread::sleep_for(5s);
  r = systemd.run({"systemctl", "reload", "parc-server"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  std::this_thread::sleep_for(4s);
  EXPECT_EQ(systemd.show("parc-server", "NRestarts"), "0")
      << systemd.run({"journalctl", "-u", "parc-server"}).out;
  EXPECT_EQ(systemd.show("parc-server", "MainPID"), mainPid);
  EXPECT_NE(systemd.run({"journalctl", "-u", "parc-server"}).out.find("configuration reloaded"),
            std::string::npos);

  // 3. The agent's silent installation against it: enrolled, service started, reporting.
  std::string fingerprint =
      parseJson(systemd.run({"cat", "/var/lib/parc-server/server.json"}).out)["ca_fingerprint"];
  std::string consoleUrl = "https://127.0.0.1:" + std::to_string(consolePort);
  std::string agentUrl = "https://127.0.0.1:" + std::to_string(agentPort);
  r = systemd.run({"sh", "-c",
                   "parcctl login --server " + consoleUrl + " --ca-fingerprint " + fingerprint +
                       " --password-stdin < /var/lib/parc-server/initial-admin-password"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  ASSERT_EQ(systemd
                .run({"parcctl", "--json", "tenants", "create", "--name", "Mairie de Millau",
                      "--insee", "12145"})
                .exitCode,
            0);
  std::string token = parseJson(
      systemd.run({"parcctl", "--json", "tokens", "create", "--tenant", "1"}).out)["token"];
  r = systemd.run({"env", "PARC_SERVER=" + agentUrl, "PARC_CA_FINGERPRINT=" + fingerprint,
                   "PARC_TOKEN=" + token, "dpkg", "-i", previous_.agent});
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_EQ(systemd.show("parc-agent", "ActiveState"), "active") << "started by its postinst";
  EXPECT_EQ(systemd.show("parc-agent", "StatusText"), "running");
  EXPECT_TRUE(waitFor(
      [&] {
        auto hosts = parseJson(systemd.run({"parcctl", "--json", "hosts", "list"}).out);
        return hosts["count"] == 1 && hosts["items"][0]["online"] == true &&
               hosts["items"][0]["inventory_at"].is_number();
      },
      60s))
      << systemd.run({"parcctl", "--json", "hosts", "list"}).out
      << systemd.run({"journalctl", "-u", "parc-agent"}).out;
  r = systemd.run({"systemctl", "reload", "parc-agent"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(systemd.show("parc-agent", "ActiveState"), "active");

  // 4. Remote support's helpers leave the agent's sandbox for units of their own, as the
  // package's agent.toml asks (scripts_in_own_unit, terminal_in_own_unit): a library
  // script and a terminal run as transient units, accounted apart, and end with their work.
  r = systemd.run({"sh", "-c",
                   "useradd --create-home --shell /bin/bash support && sed -i "
                   "'s/^# terminal_user = .*/terminal_user = \"support\"/' /etc/parc/agent.toml "
                   "&& systemctl restart parc-agent"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  ASSERT_TRUE(waitFor(
      [&] {
        auto hosts = parseJson(systemd.run({"parcctl", "--json", "hosts", "list"}).out);
        return hosts["items"][0]["online"] == true;
      },
      30s));
  r = systemd.run(
      {"sh", "-c",
       "printf 'id -un\\ngrep -o \"parc-script-[^/]*\" /proc/self/cgroup | head -n 1\\n' "
       "| parcctl scripts add where-am-i - && parcctl script run 1 where-am-i"});
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("root\nparc-script-"), std::string::npos) << r.out << r.err;
  r = systemd.run({"sh", "-c",
                   "printf 'id -un; grep -o \"parc-terminal-[^/]*\" /proc/self/cgroup | head -n 1; "
                   "exit\\n' | parcctl remote terminal 1"});
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("support"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("parc-terminal-"), std::string::npos) << r.out << r.err;
  EXPECT_TRUE(waitFor(
      [&] {
        return systemd
            .run({"systemctl", "list-units", "--no-legend", "parc-terminal-*", "parc-script-*"})
            .out.empty();
      },
      10s))
      << "nothing outlives the session: "
      << systemd.run({"systemctl", "list-units", "parc-terminal-*", "parc-script-*"}).out;

  // 5. A frozen server sends no keep-alive: the watchdog kills it and it is restarted.
  ASSERT_EQ(systemd.run({"systemctl", "kill", "-s", "SIGSTOP", "parc-server"}).exitCode, 0);
  EXPECT_TRUE(waitFor(
      [&] {
        return systemd.show("parc-server", "NRestarts") == "1" &&
               systemd.show("parc-server", "ActiveState") == "active";
      },
      30s))
      << systemd.run({"journalctl", "-u", "parc-server"}).out;
  EXPECT_NE(systemd.show("parc-server", "MainPID"), mainPid);
  EXPECT_NE(systemd.run({"journalctl", "-u", "parc-server"}).out.find("Watchdog timeout"),
            std::string::npos);

  // 6. Stopped cleanly.
  EXPECT_EQ(systemd.run({"systemctl", "stop", "parc-agent", "parc-server"}).exitCode, 0);
  EXPECT_EQ(systemd.show("parc-server", "ActiveState"), "inactive");
  EXPECT_EQ(systemd.show("parc-agent", "ActiveState"), "inactive");
}

}  // namespace
}  // namespace parc::testing
