// The Debian packages, built from this build tree with cpack: their contents and
// dependencies, lintian, the units' hardening, then the technician's whole path in a
// throw-away root (overlay over /, private mount namespace, no systemd running — as in
// CI): install the server, a failed then successful silent enrolment of the agent,
// reload, upgrade keeping identity, outbox and database (with its copy), downgrade
// refused, remove keeping data, purge deleting it.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <regex>

#include "common/crypto/hash.h"
#include "common/files/files.h"
#include "tests/installers/packages_fixture.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_F(Installers, PackagesHoldProgramsUnitsDocsAndSharedLibraryDependencies) {
  struct Expect {
    std::string deb, package;
    std::vector<std::string> files, depends;
  };
  std::vector<Expect> expected = {
      {previous_.agent,
       "parc-agent",
       {"./usr/bin/parc-agent", "./lib/systemd/system/parc-agent.service",
        "./lib/systemd/system-generators/parc-agent-generator", "./usr/share/parc-agent/agent.toml",
        "./usr/share/doc/parc-agent/copyright", "./usr/share/doc/parc-agent/changelog.Debian.gz",
        "./usr/share/man/man8/parc-agent.8.gz"},
       {"libc6", "libssl3", "libsqlite3-0", "libsystemd0", "libhwloc15", "libzstd1"}},
      {previous_.server,
       "parc-server",
       {"./usr/bin/parc-server", "./lib/systemd/system/parc-server.service",
        "./etc/parc/server.toml", "./usr/share/doc/parc-server/copyright",
        "./usr/share/man/man8/parc-server.8.gz"},
       {"adduser", "sqlite3, tzdata", "libssl3", "libsqlite3-0", "libsystemd0", "libargon2-1",
        "libjemalloc2"}},
      {previous_.cli,
       "parcctl",
       {"./usr/bin/parcctl", "./usr/share/doc/parcctl/copyright",
        "./usr/share/man/man1/parcctl.1.gz"},
       {"libc6", "libssl3"}},
  };
  for (const auto& e : expected) {
    std::string info = debInfo(e.deb);
    EXPECT_TRUE(contains(info, "Package: " + e.package)) << info;
    EXPECT_TRUE(contains(info, "Version: " + std::string(PARC_VERSION) + "-1")) << info;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(info, m, std::regex("Depends: ([^\n]*)"))) << info;
    for (const auto& d : e.depends) EXPECT_TRUE(contains(m[1], d)) << e.package << ": " << m[1];
    std::string listing = runProgram({tool("dpkg-deb"), "-c", e.deb}).out;
    for (const auto& f : e.files) {
      EXPECT_TRUE(contains(listing, " " + f + "\n")) << e.package << " lacks " << f;
    }
    // Owned by root (lintian checks that the binaries are stripped).
    EXPECT_FALSE(std::regex_search(listing, std::regex(" (?!root/root)[a-z]+/[a-z]+ "))) << listing;
  }
  // Remote support's consent dialogs and notifications; the desktop's VNC server.
  std::string agentInfo = debInfo(previous_.agent);
  EXPECT_TRUE(contains(agentInfo, "Recommends: smartmontools, zenity, libnotify-bin\n"))
      << agentInfo;
  EXPECT_TRUE(contains(agentInfo, "Suggests: x11vnc\n")) << agentInfo;
  // The server's configuration is a conffile; the agent's is made by its postinst.
  EXPECT_EQ(debInfo(previous_.server, "conffiles"), "/etc/parc/server.toml\n");
  EXPECT_NE(runProgram({tool("dpkg-deb"), "-I", previous_.agent, "conffiles"}).exitCode, 0);
  for (const auto& script : {"preinst", "postinst", "prerm", "postrm"}) {
    EXPECT_TRUE(contains(debInfo(previous_.agent, script), "#!/bin/sh")) << script;
    EXPECT_TRUE(contains(debInfo(previous_.server, script), "#!/bin/sh")) << script;
  }
}

TEST_F(Installers, LintianFindsNoErrorOrWarning) {
  RunResult r = runProgram({tool("lintian"), "--fail-on", "error,warning", previous_.agent,
                            previous_.server, previous_.cli},
                           {}, "", 240s);
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_FALSE(std::regex_search(r.out, std::regex("(^|\n)[EW]: "))) << r.out;
}

double exposure(const std::string& unit) {
  RunResult r = runProgram({tool("systemd-analyze"), "security", "--offline=yes", "--no-pager",
                            (kSourceDir / "installers/systemd" / unit).string()});
  std::smatch m;
  std::string text = r.out + r.err;
  if (!std::regex_search(text, m, std::regex("Overall exposure level for [^:]+: ([0-9.]+)"))) {
    ADD_FAILURE() << text;
    return 10;
  }
  return std::stod(m[1]);
}

TEST_F(Installers, UnitsAreSandboxed) {
  double server = exposure("parc-server.service"), agent = exposure("parc-agent.service");
  RecordProperty("server_exposure", std::to_string(server));
  RecordProperty("agent_exposure", std::to_string(agent));
  EXPECT_LE(server, 2.0) << "parc-server.service lost some of its sandboxing";
  EXPECT_LE(agent, 4.0) << "parc-agent.service lost some of its sandboxing";
  std::string serverUnit = files::read(kSourceDir / "installers/systemd/parc-server.service");
  for (const auto& line : {"Type=notify", "User=parc", "ProtectSystem=strict", "PrivateTmp=yes",
                           "NoNewPrivileges=yes", "CapabilityBoundingSet=\n", "StateDirectory=",
                           "SystemCallFilter=@system-service", "WatchdogSec=", "ExecReload="}) {
    EXPECT_TRUE(contains(serverUnit, line)) << line;
  }
  std::string agentUnit = files::read(kSourceDir / "installers/systemd/parc-agent.service");
  for (const auto& line :
       {"Type=notify", "ProtectHome=read-only", "ProtectKernelTunables=yes", "PrivateTmp=yes",
        "IOSchedulingClass=idle", "Nice=", "WatchdogSec=", "ExecReload="}) {
    EXPECT_TRUE(contains(agentUnit, line)) << line;
  }
}

// The documented build command ships the release keys agents trust; what it cannot ship
// (no folder, no key, a line the agent would refuse) stops it before anything is built.
TEST(BuildPackages, RefusesReleaseKeysItCannotShip) {
  TempDir tmp;
  fs::create_directories(tmp.path() / "empty");
  fs::create_directories(tmp.path() / "bad");
  fs::create_directories(tmp.path() / "comment-only");
  files::writeAtomic(tmp.path() / "bad" / "2026.pub",
                     "# release 2026\n" + std::string(64, 'a') + " \n");
  files::writeAtomic(tmp.path() / "comment-only" / "2026.pub", "# release 2026\n");
  const std::string script = (kSourceDir / "installers/debian/build-packages.sh").string();
  for (const auto& [dir, why] : std::vector<std::pair<std::string, std::string>>{
           {"missing", "no folder"},
           {"empty", "no *.pub file"},
           {"bad", "is not one hexadecimal Ed25519 public key a line"},
           {"comment-only", "no key in"}}) {
    RunResult r = runProgram({"/bin/bash", script},
                             {{"PARC_RELEASE_KEYS_DIR", (tmp.path() / dir).string()},
                              {"PARC_PACKAGE_BUILD_DIR", (tmp.path() / "build").string()}});
    EXPECT_EQ(r.exitCode, 2) << dir << ": " << r.out << r.err;
    EXPECT_TRUE(contains(r.err, why)) << dir << ": " << r.err;
  }
  EXPECT_FALSE(fs::exists(tmp.path() / "build")) << "refused before configuring";
}

// parc-server as its unit runs it (user parc, the packaged configuration), in the root.
struct RootServer {
  // Both ports fixed after the first start: agents and parcctl's session keep their URLs
  // across the server's restarts, as they do with a real service.
  RootServer(const Root& root, std::uint16_t agentPort, std::uint16_t consolePort,
             const fs::path& log) {
    fs::remove(root.upper("/var/lib/parc-server/server.json"));
    process = std::make_unique<Process>(
        root.argv({"setpriv", "--reuid=parc", "--regid=parc", "--init-groups",
                   "/usr/bin/parc-server", "--config", "/etc/parc/server.toml", "--agent-listen",
                   "127.0.0.1:" + std::to_string(agentPort), "--console-listen",
                   "127.0.0.1:" + std::to_string(consolePort)}),
        log);
    auto runtime = root.upper("/var/lib/parc-server/server.json");
    if (!waitFor([&] { return fs::exists(runtime) || !process->running(); }, 60s) ||
        !fs::exists(runtime)) {
      throw std::runtime_error("packaged parc-server did not start: " + process->stderrText());
    }
    Json j = parseJson(files::read(runtime));
    agentUrl = j["agent_url"];
    consoleUrl = j["console_url"];
    caFingerprint = j["ca_fingerprint"];
    this->agentPort =
        static_cast<std::uint16_t>(std::stoi(agentUrl.substr(agentUrl.rfind(':') + 1)));
    this->consolePort =
        static_cast<std::uint16_t>(std::stoi(consoleUrl.substr(consoleUrl.rfind(':') + 1)));
  }
  std::unique_ptr<Process> process;
  std::string agentUrl, consoleUrl, caFingerprint;
  std::uint16_t agentPort = 0, consolePort = 0;
};

std::string fileHash(const Root& root, const std::string& path) {
  RunResult r = root.run({"sha256sum", path});
  EXPECT_EQ(r.exitCode, 0) << path << ": " << r.err;
  return r.out.substr(0, 64);
}

// The whole life of both packages on a throw-away copy of this machine: install the
// server, silent agent install while the server is down (installed, says why, retries),
// enrolment once it is back, reload, upgrade from the previous build keeping identity and
// data, remove (data kept), purge (data gone).
TEST_F(Installers, InstallEnrolReloadUpgradeRemovePurgeInThrowawayRoot) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (mount namespace, overlayfs)";
  TempDir tmp;
  auto packages = work_->path();
  Root root(tmp.path() / "root-state", packages);
  if (RunResult probe = root.run({"true"}); probe.exitCode != 0) {
    GTEST_SKIP() << "no throw-away root here (mount namespaces or overlayfs refused): "
                 << probe.err;
  }
  Parcctl ctl(tmp.path() / "home");

  // 1. The server package: user, data directory, no systemd so said so.
  RunResult r = root.run({"dpkg", "-i", previous_.server, previous_.cli});
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "systemd is not running here")) << r.out;
  EXPECT_TRUE(contains(root.read("/etc/passwd"), "\nparc:")) << "system user parc";
  EXPECT_EQ(root.run({"stat", "-c", "%U %a", "/var/lib/parc-server"}).out, "parc 700\n");

  std::string token, fingerprint, agentUrl;
  std::uint16_t agentPort = 0, consolePort = 0;
  {
    RootServer server(root, 0, 0, tmp.path() / "server1");
    agentPort = server.agentPort;
    consolePort = server.consolePort;
    agentUrl = server.agentUrl;
    fingerprint = server.caFingerprint;
    std::string password = files::read(root.upper("/var/lib/parc-server/initial-admin-password"));
    RunResult login = ctl.run({"login", "--server", server.consoleUrl, "--ca-fingerprint",
                               fingerprint, "--password-stdin"},
                              password);
    ASSERT_EQ(login.exitCode, 0) << login.err;
    ctl.json({"tenants", "create", "--name", "Mairie de Millau", "--insee", "12145"});
    token = ctl.json({"tokens", "create", "--tenant", "1", "--max-uses", "1"}).value("token", "");
    ASSERT_FALSE(token.empty());
    // `systemctl reload` is SIGHUP: the server stays up and says it re-read its settings.
    ::kill(server.process->pid(), SIGHUP);
    EXPECT_TRUE(waitFor(
        [&] { return contains(server.process->stderrText(), "configuration reloaded"); }, 10s))
        << server.process->stderrText();
    EXPECT_TRUE(server.process->running());
    EXPECT_EQ(server.process->stop(), 0);
  }

  // 2. Bad enrolment settings: refused before anything changes.
  r = root.run({"apt-get", "install", "-y", previous_.agent},
               {{"PARC_SERVER", "http://" + agentUrl.substr(8)},
                {"PARC_CA_FINGERPRINT", fingerprint},
                {"PARC_TOKEN", token},
                {"DEBIAN_FRONTEND", "noninteractive"}});
  EXPECT_NE(r.exitCode, 0);
  EXPECT_TRUE(contains(r.out + r.err, "PARC_SERVER must look like https://")) << r.out << r.err;
  EXPECT_FALSE(root.exists("/usr/bin/parc-agent"));
  EXPECT_FALSE(root.exists("/etc/parc/agent.toml"));

  // 3. Silent installation while the server is down: installed, enrolment failed and said
  // why, settings kept for the service's retries.
  std::map<std::string, std::string> enrolEnv = {{"PARC_SERVER", agentUrl},
                                                 {"PARC_CA_FINGERPRINT", fingerprint},
                                                 {"PARC_TOKEN", token},
                                                 {"DEBIAN_FRONTEND", "noninteractive"}};
  r = root.run({"apt-get", "install", "-y", previous_.agent}, enrolEnv);
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  // apt passes the maintainer scripts' output on stdout or stderr depending on its
  // version and terminal: look in both.
  EXPECT_TRUE(contains(r.out + r.err, "enrolment failed")) << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err, "keeps trying")) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "systemd is not running here")) << r.out;
  EXPECT_FALSE(root.exists("/var/lib/parc-agent/identity.json"));
  std::string config = root.read("/etc/parc/agent.toml");
  EXPECT_TRUE(contains(config, "server = \"" + agentUrl + "\"")) << config;
  EXPECT_TRUE(contains(config, "token = \"" + token + "\"")) << config;
  EXPECT_EQ(root.run({"stat", "-c", "%a", "/etc/parc/agent.toml"}).out, "600\n");

  // 4. The server comes back on the same port: the agent, run as its unit runs it, enrols
  // from the configuration and reports; a reload keeps it running.
  std::string identityBefore, keyBefore, outboxBefore, agentLog;
  {
    RootServer server(root, agentPort, consolePort, tmp.path() / "server2");
    Process agent(root.argv({"/usr/bin/parc-agent", "--config", "/etc/parc/agent.toml", "run"}),
                  tmp.path() / "agent1");
    Json hosts;
    ASSERT_TRUE(waitFor(
        [&] {
          hosts = ctl.json({"hosts", "list"});
          return hosts["count"] == 1 && hosts["items"][0]["inventory_at"].is_number();
        },
        60s))
        << agent.stderrText();
    // A reload applies the log level only, and names what it leaves for the next restart.
    ASSERT_EQ(root.run({"sh", "-c",
                        "printf '\\n[update]\\ncheck_interval = 7200\\n' >> /etc/parc/agent.toml"})
                  .exitCode,
              0);
    ::kill(agent.pid(), SIGHUP);
    EXPECT_TRUE(
        waitFor([&] { return contains(agent.stderrText(), "configuration reloaded"); }, 10s))
        << agent.stderrText();
    EXPECT_TRUE(contains(agent.stderrText(),
                         "[update] changed in /etc/parc/agent.toml: NOT applied by this reload"))
        << agent.stderrText();
    EXPECT_FALSE(contains(agent.stderrText(), "[remote] changed")) << agent.stderrText();
    EXPECT_TRUE(agent.running());
    EXPECT_EQ(agent.stop(), 0) << agent.stderrText();
    EXPECT_FALSE(contains(agent.stderrText(), token)) << "the token must not be logged";
    agentLog = agent.stderrText();
    EXPECT_EQ(server.process->stop(), 0);
  }
  // The service enrolled: it removed the token from its file itself (no package run yet).
  config = root.read("/etc/parc/agent.toml");
  EXPECT_FALSE(contains(config, token)) << config << agentLog;
  EXPECT_TRUE(contains(config, "server = \"" + agentUrl + "\"")) << config;
  ASSERT_TRUE(root.exists("/var/lib/parc-agent/identity.json"));
  // Something queued while the server is away must survive the upgrade.
  r = root.run({"/usr/bin/parc-agent", "--config", "/etc/parc/agent.toml", "emit", "--text",
                "queued before the upgrade"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  identityBefore = fileHash(root, "/var/lib/parc-agent/identity.json");
  keyBefore = fileHash(root, "/var/lib/parc-agent/agent.key");
  outboxBefore = fileHash(root, "/var/lib/parc-agent/outbox.db");

  // A tenant's backup index, as the server's backup repositories keep it (WAL).
  r = root.run({"runuser", "-u", "parc", "--", "sh", "-c",
                "mkdir -p /var/lib/parc-server/backups/1 && sqlite3 "
                "/var/lib/parc-server/backups/1/index.db 'PRAGMA journal_mode=WAL; "
                "CREATE TABLE probe(x); INSERT INTO probe VALUES (42)'"});
  ASSERT_EQ(r.exitCode, 0) << r.err;

  // 5. Upgrade both: identity, outbox and settings kept (the spent token dropped), every
  // database the server migrates copied first.
  r = root.run({"dpkg", "-i", next_.server, next_.agent, next_.cli});
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  const std::string copies = "/var/lib/parc-server/upgrade-copies/";
  EXPECT_TRUE(contains(r.out, "databases saved to " + copies + PARC_VERSION + "-1.")) << r.out;
  RunResult sets = root.run({"ls", copies});
  ASSERT_EQ(std::count(sets.out.begin(), sets.out.end(), '\n'), 1) << sets.out;
  const std::string set = copies + sets.out.substr(0, sets.out.size() - 1) + "/";
  // Self-contained SQLite files (no -wal beside them), readable by the upgraded server's user.
  EXPECT_EQ(root.run({"ls", set}).out,
            "alerts.sqlite\nbackups-1-index.db\nmetrics.sqlite\nparc.db\n");
  for (const char* name : {"alerts.sqlite", "backups-1-index.db", "metrics.sqlite", "parc.db"}) {
    r = root.run({"runuser", "-u", "parc", "--", "sqlite3", set + name, "PRAGMA quick_check"});
    EXPECT_EQ(r.out, "ok\n") << name << ": " << r.err;
  }
  EXPECT_EQ(root.run({"sqlite3", set + "backups-1-index.db", "SELECT x FROM probe"}).out, "42\n");
  EXPECT_EQ(root.run({"sqlite3", set + "parc.db", "SELECT count(*) FROM tenants"}).out, "1\n");
  EXPECT_TRUE(contains(root.status("parc-agent"),
                       "install ok installed " + std::string(PARC_VERSION) + "-2"));
  EXPECT_TRUE(contains(root.status("parc-server"),
                       "install ok installed " + std::string(PARC_VERSION) + "-2"));
  EXPECT_EQ(fileHash(root, "/var/lib/parc-agent/identity.json"), identityBefore);
  EXPECT_EQ(fileHash(root, "/var/lib/parc-agent/agent.key"), keyBefore);
  EXPECT_EQ(fileHash(root, "/var/lib/parc-agent/outbox.db"), outboxBefore);
  config = root.read("/etc/parc/agent.toml");
  EXPECT_TRUE(contains(config, "server = \"" + agentUrl + "\"")) << config;
  EXPECT_FALSE(contains(config, token)) << "the spent token is removed once enrolled";
  {
    // The upgraded server opens (and would migrate) the same database: the host is there.
    RootServer server(root, agentPort, consolePort, tmp.path() / "server3");
    Json hosts = ctl.json({"hosts", "list"});
    EXPECT_EQ(hosts["count"], 1);
    EXPECT_EQ(server.caFingerprint, fingerprint);
    EXPECT_EQ(server.process->stop(), 0);
  }

  // 6. Downgrade refused, nothing changed.
  r = root.run({"dpkg", "-i", previous_.agent});
  EXPECT_NE(r.exitCode, 0);
  EXPECT_TRUE(contains(r.err, "refusing to downgrade")) << r.err;
  EXPECT_TRUE(contains(root.status("parc-agent"),
                       "install ok installed " + std::string(PARC_VERSION) + "-2"));
  r = root.run({"dpkg", "-i", previous_.server});
  EXPECT_NE(r.exitCode, 0);
  EXPECT_TRUE(contains(r.err, "refusing to downgrade")) << r.err;

  // 7. The installed units pass systemd's own checks.
  r = root.run({tool("systemd-analyze"), "verify", "/lib/systemd/system/parc-agent.service",
                "/lib/systemd/system/parc-server.service"});
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;

  // 8. Remove keeps data and configuration; purge deletes them.
  r = root.run({"dpkg", "-r", "parc-agent", "parc-server", "parcctl"});
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_FALSE(root.exists("/usr/bin/parc-agent"));
  EXPECT_FALSE(root.exists("/usr/bin/parc-server"));
  EXPECT_TRUE(root.exists("/var/lib/parc-agent/identity.json"));
  EXPECT_TRUE(root.exists("/var/lib/parc-agent/outbox.db"));
  EXPECT_TRUE(root.exists("/etc/parc/agent.toml"));
  EXPECT_TRUE(root.exists("/var/lib/parc-server/parc.db"));
  EXPECT_TRUE(root.exists("/etc/parc/server.toml"));
  EXPECT_TRUE(contains(root.status("parc-agent"), "deinstall ok config-files"));

  r = root.run({"dpkg", "-P", "parc-agent", "parc-server", "parcctl"});
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_FALSE(root.exists("/var/lib/parc-agent"));
  EXPECT_FALSE(root.exists("/etc/parc/agent.toml"));
  EXPECT_FALSE(root.exists("/var/lib/parc-server"));
  EXPECT_FALSE(root.exists("/etc/parc/server.toml"));
  EXPECT_NE(root.run({"dpkg-query", "-W", "parc-agent"}).exitCode, 0);
}

}  // namespace
}  // namespace parc::testing
