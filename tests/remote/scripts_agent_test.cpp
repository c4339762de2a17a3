// The agent's side of signed scripts, with the real process runner: the pinned key, the
// persisted nonce memory (replays refused across restarts), local policy, limits.
#include <gtest/gtest.h>
#include <unistd.h>

#include "agent/remote/scripts.h"
#include "common/crypto/hash.h"
#include "common/error.h"
#include "common/files/files.h"
#include "common/remote/signing.h"

namespace parc::agent::remote {
namespace {

struct Dir {
  Dir() {
    std::string t = (std::filesystem::temp_directory_path() / "parc-scripts-XXXXXX").string();
    path = mkdtemp(t.data());
  }
  ~Dir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

class Scripts : public ::testing::Test {
 protected:
  Json payload(const std::string& body, std::int64_t hostId = 3, int timeout = 10) {
    parc::remote::ScriptEnvelope e;
    e.scriptName = "test";
    e.body = body;
    e.scriptSha256 = crypto::sha256Hex(body);
    e.hostId = hostId;
    e.tenantId = 1;
    e.issuedAt = now();
    e.expiresAt = now() + 120;
    e.nonce = parc::remote::newNonce();
    e.issuedBy = "user:test";
    e.timeoutSeconds = timeout;
    parc::remote::SignedScript s;
    s.envelope = toJson(e).dump();
    s.signature = key.sign(s.envelope);
    s.signerKey = key.publicKeyHex();
    return toJson(s);
  }
  static std::int64_t now() { return static_cast<std::int64_t>(std::time(nullptr)); }
  // The refusal's reason, or "" when it ran.
  std::string refusal(ScriptExecutor& x, const Json& p) {
    try {
      x.run(p, now());
      return "";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kForbidden) << e.what();
      return e.what();
    }
  }

  Dir dir;
  parc::remote::SigningKey key = parc::remote::SigningKey::generate();
  ProcessRunner runner;
  RemotePolicy policy;
};

TEST_F(Scripts, RunsASignedScriptAndPinsTheKey) {
  ScriptExecutor x(dir.path, 3, runner, policy);
  Json r = x.run(payload("echo bonjour; echo oups >&2; exit 3"), now());
  EXPECT_EQ(r["stdout"], "bonjour\n");
  EXPECT_EQ(r["stderr"], "oups\n");
  EXPECT_EQ(r["exit_code"], 3);
  EXPECT_EQ(files::read(dir.path / "command-signing.pub"), key.publicKeyHex() + "\n");
  // The temporary script file is gone.
  EXPECT_TRUE(std::filesystem::is_empty(dir.path / "remote-scripts"));
}

TEST_F(Scripts, ReplayIsRefusedEvenAfterARestart) {
  Json p = payload("echo once");
  {
    ScriptExecutor x(dir.path, 3, runner, policy);
    EXPECT_EQ(refusal(x, p), "");
    EXPECT_NE(refusal(x, p).find("replayed"), std::string::npos);
  }
  ScriptExecutor restarted(dir.path, 3, runner, policy);
  EXPECT_NE(refusal(restarted, p).find("replayed"), std::string::npos);
}

TEST_F(Scripts, AnotherKeyIsRefusedOncePinned) {
  ScriptExecutor x(dir.path, 3, runner, policy);
  EXPECT_EQ(refusal(x, payload("true")), "");
  key = parc::remote::SigningKey::generate();  // a different server, or a stolen channel
  EXPECT_NE(refusal(x, payload("true")).find("differs from the pinned"), std::string::npos);
  // Without its key in the payload it is still checked against the pinned one.
  Json p = payload("true");
  p.erase("signer_key");
  EXPECT_NE(refusal(x, p).find("bad signature"), std::string::npos);
  // An enrolment may replace it.
  PinnedKey(dir.path / "command-signing.pub").replace(key.publicKeyHex());
  EXPECT_EQ(refusal(x, payload("true")), "");
}

TEST_F(Scripts, WrongTargetIsRefusedAndNothingRuns) {
  ScriptExecutor x(dir.path, 3, runner, policy);
  auto marker = dir.path / "ran";
  EXPECT_NE(refusal(x, payload("touch " + marker.string(), 4)).find("wrong target"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST_F(Scripts, LocalPolicyWins) {
  policy.scriptsEnabled = false;
  ScriptExecutor x(dir.path, 3, runner, policy);
  auto marker = dir.path / "ran";
  EXPECT_NE(refusal(x, payload("touch " + marker.string())).find("local policy"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(marker));
}

// With scripts_in_own_unit (what the package sets), the script runs through
// systemd-run as its own bounded unit. systemd-run here is a stand-in that records its
// arguments and runs the command after them, through the runner's real exec path.
TEST_F(Scripts, OwnUnitGoesThroughSystemdRunWithATimeLimit) {
  auto bin = dir.path / "bin";
  std::filesystem::create_directories(bin);
  files::writeAtomic(bin / "systemd-run",
                     "#!/bin/sh\necho \"$@\" > \"$(dirname \"$0\")/args\"\n"
                     "while [ \"$1\" != /bin/sh ]; do shift; done\nexec \"$@\"\n",
                     0755);
  policy.scriptsInOwnUnit = true;
  policy.scriptTimeoutMax = std::chrono::seconds(30);
  ProcessRunner withFake({bin, "/usr/bin", "/bin"});
  ScriptExecutor x(dir.path, 3, withFake, policy);
  Json r = x.run(payload("echo 'dans son unité'", 3, 20), now());
  EXPECT_EQ(r["stdout"], "dans son unité\n");
  EXPECT_EQ(r["exit_code"], 0);
  std::string args = files::read(bin / "args");
  EXPECT_NE(args.find("--wait --service-type=exec --unit=parc-script-"), std::string::npos) << args;
  EXPECT_NE(args.find("-p RuntimeMaxSec=20 /bin/sh "), std::string::npos) << args;
}

TEST_F(Scripts, TimeoutAndOutputCapApply) {
  policy.scriptTimeoutMax = std::chrono::seconds(1);
  policy.maxOutputBytes = 1000;
  ScriptExecutor x(dir.path, 3, runner, policy);
  auto started = std::chrono::steady_clock::now();
  Json r = x.run(payload("head -c 100000 /dev/zero | tr '\\0' a; sleep 30", 3, 60), now());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  EXPECT_TRUE(r["timed_out"].get<bool>());
  EXPECT_TRUE(r["truncated"].get<bool>());
  EXPECT_EQ(r["stdout"].get<std::string>().size(), 1000u);
}

TEST_F(Scripts, UnreadableNonceMemoryRefusesScripts) {
  files::writeAtomic(dir.path / "script-nonces.json", "{not json", 0600);
  ScriptExecutor x(dir.path, 3, runner, policy);
  EXPECT_NE(refusal(x, payload("true")).find("unreadable"), std::string::npos);
}

}  // namespace
}  // namespace parc::agent::remote
