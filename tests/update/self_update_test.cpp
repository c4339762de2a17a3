// Agent self-update through the real programs: parcctl makes the offline release key and
// signs packages, parc-server publishes them and offers them by ring, and a real
// parc-agent (restarted by a supervisor like systemd would) downloads, checks, installs,
// confirms — or rolls back, or refuses. The "packages" are agent programs and the install
// command (install.sh) stands in for dpkg -i: the machine's own packages stay untouched.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/crypto/hash.h"
#include "common/files/files.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

namespace fs = std::filesystem;

std::string shaOf(const fs::path& p) {
  return crypto::sha256Hex(files::tryRead(p).value_or(""));
}

// Debug information makes the programs ~200 MB: the "packages" are stripped copies.
fs::path stripped(const fs::path& program, const fs::path& dir) {
  fs::path out = dir / (program.filename().string() + ".stripped");
  if (!fs::exists(out)) {
    RunResult r =
        runProgram({"/usr/bin/strip", "--strip-debug", "-o", out.string(), program.string()});
    EXPECT_EQ(r.exitCode, 0) << r.err;
  }
  return out;
}

std::string currentVersion() {
  RunResult r = runProgram({binary("parc-agent"), "--version"});
  std::string v = r.out.substr(r.out.find(' ') + 1);
  return v.substr(0, v.find_first_of(" \n"));
}

class SelfUpdate : public ::testing::Test {
 protected:
  // Server trusting `serverKeys`, agent trusting key A only.
  void start(const std::vector<std::string>& serverKeys, std::int64_t healthTimeout = 20) {
    Parcctl offline(tmp.path() / "release");
    for (const char* k : {"a", "b"}) {
      RunResult r = offline.run({"release", "keygen", "--out", (tmp.path() / k).string()});
      ASSERT_EQ(r.exitCode, 0) << r.err;
      key[k] = files::tryRead(tmp.path() / (std::string(k) + ".pub")).value();
      key[k].pop_back();
    }
    std::string trusted;
    for (const auto& k : serverKeys) trusted += (trusted.empty() ? "\"" : ", \"") + key[k] + "\"";
    files::writeAtomic(tmp.path() / "server.toml", "[updates]\ntrusted_keys = [" + trusted + "]\n");
    server = std::make_unique<ServerFixture>(
        tmp.path() / "server", 0, 0,
        std::vector<std::string>{"--config", (tmp.path() / "server.toml").string()});
    ctl.login(*server);
    ctl.json({"tenants", "create", "--name", "Mairie de Sévérac", "--insee", "12270"});
    Json token = ctl.json({"tokens", "create", "--tenant", "1"});

    // The PC: its agent program in pc/bin, the supervisor and the stand-in for dpkg.
    fs::create_directories(pc / "bin");
    fs::copy_file(stripped(binary("parc-agent"), tmp.path()), pc / "bin" / "parc-agent");
    fs::permissions(pc / "bin" / "parc-agent", fs::perms::owner_all);
    for (const char* script : {"supervise.sh", "install.sh"}) {
      fs::copy_file(fs::path(PARC_SOURCE_DIR) / "tests/update" / script, pc / script);
    }
    // The package's real preinst, which install.sh runs as dpkg would.
    fs::copy_file(fs::path(PARC_SOURCE_DIR) / "installers/debian/agent/preinst", pc / "preinst");
    files::writeAtomic(
        pc / "agent.toml",
        "[update]\ncheck_interval = 1\nhealth_timeout = " + std::to_string(healthTimeout) +
            "\ntrusted_keys = [\"" + key["a"] + "\"]\ninstall_command = [\"" +
            (pc / "install.sh").string() + "\", \"{package}\"]\nlauncher = []\n");
    RunResult enrolled =
        runProgram({(pc / "bin" / "parc-agent").string(), "enroll", "--server", server->agentUrl,
                    "--ca-fingerprint", server->caFingerprint, "--token", token["token"],
                    "--data-dir", (pc / "data").string()});
    ASSERT_EQ(enrolled.exitCode, 0) << enrolled.err;
    agent = std::make_unique<Process>(
        std::vector<std::string>{"/bin/bash", (pc / "supervise.sh").string(), "run", "--data-dir",
                                 (pc / "data").string(), "--config", (pc / "agent.toml").string()},
        tmp.path() / "agent");
    originalSha = shaOf(pc / "bin" / "parc-agent");
    // The running version's release, signed: what the agent rolls back to.
    publish(current, binary("parc-agent"), {"a"});
  }

  // Signs `program` as `version` with the keys named, and publishes it on the server.
  RunResult publish(const std::string& version, const fs::path& program,
                    const std::vector<std::string>& keys) {
    fs::path package = tmp.path() / ("parc-agent_" + version + "_amd64.deb");
    fs::copy_file(program.filename() == "broken" ? program : stripped(program, tmp.path()), package,
                  fs::copy_options::overwrite_existing);
    Parcctl offline(tmp.path() / "release");
    for (const auto& k : keys) {
      RunResult s =
          offline.run({"release", "sign", "--key", (tmp.path() / k).string(), "--package",
                       package.string(), "--version", version, "--architecture", "amd64"});
      EXPECT_EQ(s.exitCode, 0) << s.err;
    }
    return runProgram({binary("parc-server"), "publish-update", "--config",
                       (tmp.path() / "server.toml").string(), "--data-dir",
                       (tmp.path() / "server").string(), "--release",
                       package.string() + ".release.json", "--package", package.string()});
  }

  Json hostResult() {
    Json s = ctl.json({"updates", "list"});
    auto it = s["host_results"].find("1");
    return it == s["host_results"].end() ? Json::object() : *it;
  }

  bool waitForStatus(const std::string& status, std::chrono::seconds timeout) {
    return waitFor([&] { return hostResult().value("status", "") == status; }, timeout);
  }

  TempDir tmp;
  fs::path pc = tmp.path() / "pc";
  std::map<std::string, std::string> key;
  std::unique_ptr<ServerFixture> server;
  Parcctl ctl{tmp.path() / "home"};
  std::unique_ptr<Process> agent;
  std::string current = currentVersion();
  std::string originalSha;
};

TEST_F(SelfUpdate, SignedReleaseIsInstalledAndConfirmedByTheNewVersion) {
  ASSERT_NO_FATAL_FAILURE(start({"a"}));
  RunResult published = publish("9.9.9", PARC_AGENT_NEXT, {"a"});
  ASSERT_EQ(published.exitCode, 0) << published.err;
  ASSERT_EQ(ctl.run({"updates", "ring", "stable", "9.9.9"}).exitCode, 0);

  ASSERT_TRUE(waitForStatus("committed", std::chrono::seconds(60)))
      << hostResult().dump() << files::tryRead(pc / "data/update/apply.log").value_or("")
      << agent->stderrText();
  EXPECT_EQ(shaOf(pc / "bin" / "parc-agent"), shaOf(stripped(PARC_AGENT_NEXT, tmp.path())));
  // The new program reports its version over the control channel.
  EXPECT_TRUE(waitFor(
      [&] {
        return ctl.json({"hosts", "list"})["items"][0].value("agent_version", "") == "9.9.9";
      },
      std::chrono::seconds(30)));
  EXPECT_EQ(files::tryRead(pc / "installs.log").value_or("").find(current), std::string::npos);
  RunResult audit = ctl.run({"audit", "list", "--action", "agent.update"});
  EXPECT_NE(audit.out.find("agent.update.installing"), std::string::npos) << audit.out;
  EXPECT_NE(audit.out.find("agent.update.committed"), std::string::npos) << audit.out;
}

TEST_F(SelfUpdate, ReleaseThatDoesNotComeBackHealthyIsRolledBackAndNotOfferedAgain) {
  ASSERT_NO_FATAL_FAILURE(start({"a"}, 6));
  // A release whose program dies at start: signed and well-formed, but broken.
  files::writeAtomic(tmp.path() / "broken", "#!/bin/sh\necho 'broken release' >&2\nexit 3\n");
  ASSERT_EQ(publish("9.9.9", tmp.path() / "broken", {"a"}).exitCode, 0);
  ASSERT_EQ(ctl.run({"updates", "ring", "stable", "9.9.9"}).exitCode, 0);

  ASSERT_TRUE(waitForStatus("rolled_back", std::chrono::seconds(60)))
      << hostResult().dump() << files::tryRead(pc / "data/update/apply.log").value_or("");
  EXPECT_NE(hostResult().value("detail", "").find("did not check in"), std::string::npos);
  EXPECT_EQ(shaOf(pc / "bin" / "parc-agent"), originalSha);
  std::string installs = files::tryRead(pc / "installs.log").value_or("");
  // The update is installed without the permission to downgrade; the rollback, which the
  // package's preinst refuses without it, with it.
  EXPECT_NE(installs.find("_9.9.9_amd64.deb PARC_ALLOW_DOWNGRADE=\n"), std::string::npos)
      << installs;
  EXPECT_NE(installs.find("_" + current + "_amd64.deb PARC_ALLOW_DOWNGRADE=1\n"), std::string::npos)
      << installs;
  EXPECT_EQ(files::tryRead(pc / "installed.version").value_or(""), current + "\n");
  // The old agent runs again and is not offered the failed release once more.
  std::this_thread::sleep_for(std::chrono::seconds(4));
  EXPECT_EQ(hostResult().value("status", ""), "rolled_back");
  EXPECT_EQ(files::tryRead(pc / "installs.log").value_or(""), installs);
}

TEST_F(SelfUpdate, UnsignedWronglySignedOrOlderReleasesAreRefused) {
  // The server trusts a rotation key the agent does not know yet.
  ASSERT_NO_FATAL_FAILURE(start({"a", "b"}));
  // The server refuses what no trusted key signed, and a package that is not the manifest's.
  Parcctl offline(tmp.path() / "release");
  ASSERT_EQ(offline.run({"release", "keygen", "--out", (tmp.path() / "c").string()}).exitCode, 0);
  RunResult stranger = publish("9.9.8", PARC_AGENT_NEXT, {"c"});
  EXPECT_NE(stranger.exitCode, 0);
  EXPECT_NE(stranger.err.find("not signed by a trusted release key"), std::string::npos)
      << stranger.err;
  fs::path package = tmp.path() / ("parc-agent_9.9.7_amd64.deb");
  fs::copy_file(stripped(PARC_AGENT_NEXT, tmp.path()), package);
  ASSERT_EQ(offline
                .run({"release", "sign", "--key", (tmp.path() / "a").string(), "--package",
                      package.string(), "--version", "9.9.7"})
                .exitCode,
            0);
  files::writeAtomic(package, "tampered");
  RunResult swapped = runProgram(
      {binary("parc-server"), "publish-update", "--config", (tmp.path() / "server.toml").string(),
       "--data-dir", (tmp.path() / "server").string(), "--release",
       package.string() + ".release.json", "--package", package.string()});
  EXPECT_NE(swapped.exitCode, 0);
  EXPECT_NE(swapped.err.find("SHA-256"), std::string::npos) << swapped.err;
  // Older than what runs: published, but never offered downwards.
  ASSERT_EQ(publish("0.0.1", PARC_AGENT_NEXT, {"a"}).exitCode, 0);
  ASSERT_EQ(ctl.run({"updates", "ring", "stable", "0.0.1"}).exitCode, 0);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_TRUE(hostResult().empty()) << hostResult().dump();

  // Signed by key B only: the server accepts it, this agent does not trust B.
  ASSERT_EQ(publish("9.9.9", PARC_AGENT_NEXT, {"b"}).exitCode, 0);
  ASSERT_EQ(ctl.run({"updates", "ring", "stable", "9.9.9"}).exitCode, 0);
  ASSERT_TRUE(waitForStatus("refused", std::chrono::seconds(30))) << hostResult().dump();
  EXPECT_EQ(hostResult()["detail"], "not signed by a trusted release key");
  EXPECT_EQ(shaOf(pc / "bin" / "parc-agent"), originalSha);
  EXPECT_FALSE(fs::exists(pc / "installs.log"));
}

}  // namespace
}  // namespace parc::testing
