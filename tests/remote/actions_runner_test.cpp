// Actions through the real fork/exec path, with the commands root pointed at scripts of
// the test's own (so that no test restarts CUPS or reboots this machine).
#include <gtest/gtest.h>
#include <unistd.h>

#include "agent/remote/actions/actions.h"
#include "common/error.h"
#include "common/files/files.h"

namespace parc::agent::remote {
namespace {

class Actions : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string t = (std::filesystem::temp_directory_path() / "parc-actions-XXXXXX").string();
    root = mkdtemp(t.data());
    // Each fake program records its argv and answers like the real one would.
    fake("systemctl", "echo \"systemctl $*\" >> " + log() + "; echo active");
    fake("resolvectl", "echo \"resolvectl $*\" >> " + log());
    fake("cancel", "echo \"cancel $*\" >> " + log());
    fake("shutdown", "echo \"shutdown $*\" >> " + log() + "; echo 'Shutdown scheduled'");
    fake("journalctl", "echo \"journalctl $*\" >> " + log() +
                           "; i=0; while [ $i -lt 3 ]; do echo \"ligne $i\"; i=$((i+1)); done");
    policy.commandPath = {root};
  }
  void TearDown() override { std::filesystem::remove_all(root); }

  std::string log() const { return (root / "calls.log").string(); }
  void fake(const std::string& name, const std::string& body) {
    files::writeAtomic(root / name, "#!/bin/sh\n" + body + "\n", 0755);
  }
  std::string calls() const { return files::tryRead(root / "calls.log").value_or(""); }
  Json run(const std::string& name, const Json& params = Json::object()) {
    ActionEnv env{runner(), policy, [this] { ++inventories; }};
    return runAction(env, Json{{"name", name}, {"params", params}});
  }
  const ProcessRunner& runner() {
    runner_ = std::make_unique<ProcessRunner>(policy.commandPath);
    return *runner_;
  }

  std::filesystem::path root;
  RemotePolicy policy;
  std::unique_ptr<ProcessRunner> runner_;
  int inventories = 0;
};

TEST_F(Actions, RestartServiceRunsSystemctlWithAnArgv) {
  Json r = run("restart_service", Json{{"unit", "cups"}});
  EXPECT_EQ(calls(), "systemctl restart -- cups\nsystemctl is-active -- cups\n");
  EXPECT_EQ(r["steps"][0]["exit_code"], 0);
  EXPECT_NE(r["output"].get<std::string>().find("active"), std::string::npos);
  EXPECT_EQ(r["action"], "restart_service");
}

TEST_F(Actions, ServicesOutsideTheLocalListAreRefused) {
  try {
    run("restart_service", Json{{"unit", "ssh"}});
    FAIL() << "ssh restarted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kForbidden);
  }
  EXPECT_EQ(calls(), "");
}

TEST_F(Actions, LocalPolicyRefusesBeforeAnythingRuns) {
  policy.allowedActions = std::set<std::string>{"flush_dns"};
  EXPECT_THROW(run("reboot"), Error);
  EXPECT_NO_THROW(run("flush_dns"));
  policy.actionsEnabled = false;
  EXPECT_THROW(run("flush_dns"), Error);
  EXPECT_EQ(calls(), "resolvectl flush-caches\n");
}

TEST_F(Actions, FailingStepIsAnErrorWithItsOutput) {
  fake("resolvectl",
       "echo 'Failed to flush caches: Unit dbus-org.freedesktop.resolve1.service "
       "not found.' >&2; exit 1");
  try {
    run("flush_dns");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("exit status 1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Failed to flush"), std::string::npos) << e.what();
  }
}

TEST_F(Actions, RebootPassesDelayAndMessageAsSeparateArguments) {
  run("reboot", Json{{"delay_minutes", 10}, {"message", "Enregistrez votre travail; merci"}});
  run("shutdown", Json{{"delay_minutes", 0}});
  run("cancel_shutdown");
  EXPECT_EQ(calls(),
            "shutdown -r +10 Enregistrez votre travail; merci\nshutdown -h now\nshutdown -c\n");
}

TEST_F(Actions, ClearPrintQueueThenRestartCups) {
  run("clear_print_queue", Json{{"printer", "Accueil_HP"}});
  EXPECT_EQ(calls(), "cancel -a Accueil_HP\nsystemctl restart cups.service\n");
}

TEST_F(Actions, CollectLogsReturnsABundle) {
  Json r = run("collect_logs", Json{{"hours", 2}});
  EXPECT_EQ(r["bundle"]["journal"], "ligne 0\nligne 1\nligne 2\n");
  EXPECT_EQ(r["bundle"]["since_hours"], 2);
  EXPECT_NE(calls().find("--since -2h"), std::string::npos);
}

TEST_F(Actions, InventoryNowUsesTheServiceHook) {
  run("inventory_now");
  EXPECT_EQ(inventories, 1);
}

TEST_F(Actions, MissingProgramIsNamed) {
  std::filesystem::remove(root / "resolvectl");
  try {
    run("flush_dns");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
    EXPECT_NE(std::string(e.what()).find("resolvectl"), std::string::npos);
  }
}

// Debian's systemd package ships networkctl on every PC: which manager *runs* decides.
class RenewDhcp : public Actions {
 protected:
  void SetUp() override {
    Actions::SetUp();
    fake("networkctl", "echo \"networkctl $*\" >> " + log());
    fake("dhclient", "echo \"dhclient $*\" >> " + log());
    fake("nmcli", "echo \"nmcli $*\" >> " + log() +
                      "\nif [ \"$1\" = -t ]; then printf 'enp1s0:ethernet:connected\\n"
                      "lo:loopback:connected (externally)\\nwlp2s0:wifi:disconnected\\n"
                      "virbr0:bridge:connected\\n'; fi");
  }
  // systemctl is-active answers yes for `unit` only.
  void running(const std::string& unit) {
    fake("systemctl", "echo \"systemctl $*\" >> " + log() + "\n[ \"$3\" = \"" + unit + "\" ]");
  }
};

TEST_F(RenewDhcp, NetworkManagerRenewsTheConnectedInterfacesThroughNmcli) {
  running("NetworkManager.service");
  Json r = run("renew_dhcp");
  EXPECT_EQ(calls(),
            "systemctl is-active --quiet NetworkManager.service\n"
            "nmcli -t -f DEVICE,TYPE,STATE device\n"
            "nmcli device connect enp1s0\n");
  EXPECT_EQ(r["manager"], "NetworkManager");
  std::filesystem::remove(log());
  run("renew_dhcp", Json{{"interface", "wlp2s0"}});
  EXPECT_EQ(calls(),
            "systemctl is-active --quiet NetworkManager.service\n"
            "nmcli device connect wlp2s0\n");
}

TEST_F(RenewDhcp, SystemdNetworkdRenewsThroughNetworkctl) {
  running("systemd-networkd.service");
  Json r = run("renew_dhcp", Json{{"interface", "eth0"}});
  EXPECT_EQ(calls(),
            "systemctl is-active --quiet NetworkManager.service\n"
            "systemctl is-active --quiet systemd-networkd.service\n"
            "networkctl renew -- eth0\n");
  EXPECT_EQ(r["manager"], "systemd-networkd");
}

TEST_F(RenewDhcp, NeitherManagerRunningFallsBackToDhclient) {
  running("nothing.service");
  Json r = run("renew_dhcp", Json{{"interface", "eth0"}});
  EXPECT_NE(calls().find("dhclient -r eth0\ndhclient eth0\n"), std::string::npos) << calls();
  EXPECT_EQ(calls().find("networkctl"), std::string::npos) << calls();
  EXPECT_EQ(r["manager"], "dhclient");
}

TEST(ProcessRunner, TimeoutKillsTheProcessGroup) {
  ProcessRunner runner;
  RunLimits limits;
  limits.timeout = std::chrono::milliseconds(300);
  auto started = std::chrono::steady_clock::now();
  RunOutcome o = runner.run("sh", {"-c", "sleep 30 & sleep 30"}, limits);
  EXPECT_TRUE(o.timedOut);
  EXPECT_FALSE(o.succeeded());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST(ProcessRunner, OutputIsCappedAndExitCodesKept) {
  ProcessRunner runner;
  RunLimits limits;
  limits.maxOutputBytes = 10;
  RunOutcome o = runner.run("sh", {"-c", "echo 0123456789abcdef; exit 4"}, limits);
  EXPECT_EQ(o.out, "0123456789");
  EXPECT_TRUE(o.truncated);
  EXPECT_EQ(o.exitCode, 4);
  // No shell is involved: metacharacters are plain arguments.
  RunOutcome echo = runner.run("echo", {"$(id)", ";", "*"});
  EXPECT_EQ(echo.out, "$(id) ; *\n");
  EXPECT_FALSE(runner.find("../bin/sh"));
}

}  // namespace
}  // namespace parc::agent::remote
