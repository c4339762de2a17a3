// Backups over the network against the real parc-server and enrolled parc-agents
// (docs/backups.md, "Network protocol"): round trip byte for byte, deduplication across
// the PCs of a tenant, isolation between tenants, agents that can only add, and a
// backup killed mid-upload then run again.
#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <thread>

#include "common/backup/manifest.h"
#include "common/error.h"
#include "common/files/files.h"
#include "common/net/client.h"
#include "common/sqlite/database.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string randomBytes(std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (std::size_t i = 0; i + 8 <= n; i += 8) {
    auto v = rng();
    std::memcpy(s.data() + i, &v, 8);
  }
  return s;
}

// What `parc-agent backup` printed: the snapshot id and how much it added.
struct BackupOutput {
  std::string snapshot;
  double mbNew = -1;
  long chunksNew = -1;
};

BackupOutput parseBackup(const std::string& out) {
  BackupOutput b;
  std::smatch m;
  if (std::regex_search(out, m, std::regex("snapshot ([0-9a-f]{16})"))) b.snapshot = m[1];
  if (std::regex_search(out, m, std::regex("([0-9.]+) MB new in ([0-9]+) chunks"))) {
    b.mbNew = std::stod(m[1]);
    b.chunksNew = std::stol(m[2]);
  }
  return b;
}

class BackupNetwork : public ::testing::Test {
 protected:
  void SetUp() override {
    server = std::make_unique<ServerFixture>(tmp.path() / "server");
    ctl.login(*server);
    tenantA =
        ctl.json({"tenants", "create", "--name", "Mairie de Millau", "--insee", "12145"})["id"];
    tenantB =
        ctl.json({"tenants", "create", "--name", "Mairie de Rodez", "--insee", "12202"})["id"];
  }

  fs::path agentDir(const std::string& name) const { return tmp.path() / name; }
  fs::path repoDir(std::int64_t tenant) const {
    return tmp.path() / "server" / "backups" / std::to_string(tenant);
  }

  void enroll(const std::string& name, std::int64_t tenant) {
    std::string token = ctl.json({"tokens", "create", "--tenant", std::to_string(tenant)})["token"];
    RunResult r = runProgram({binary("parc-agent"), "enroll", "--server", server->agentUrl,
                              "--ca-fingerprint", server->caFingerprint, "--token", token,
                              "--data-dir", agentDir(name).string()});
    ASSERT_EQ(r.exitCode, 0) << r.err;
  }

  std::vector<std::string> agent(const std::string& name, std::vector<std::string> args) {
    args.insert(args.begin(), binary("parc-agent"));
    args.insert(args.end(), {"--data-dir", agentDir(name).string()});
    return args;
  }

  RunResult run(const std::string& name, std::vector<std::string> args) {
    return runProgram(agent(name, std::move(args)), {}, "", 180s);
  }

  // An HTTPS client with this agent's own certificate: what a compromised agent can do.
  std::unique_ptr<net::HttpsClient> clientOf(const std::string& name) {
    tls::ClientTlsConfig c;
    c.caBundlePem = files::read(agentDir(name) / "ca.pem");
    c.certificatePem = files::read(agentDir(name) / "agent.pem");
    c.privateKeyPem = files::read(agentDir(name) / "agent.key");
    return std::make_unique<net::HttpsClient>(net::parseUrl(server->agentUrl),
                                              tls::TlsContext::client(c), 20s);
  }

  static net::Response send(net::HttpsClient& c, const std::string& method, const std::string& path,
                            const std::string& body = {}) {
    net::Request req;
    req.method = method;
    req.target = path;
    req.body = body;
    if (!body.empty()) req.headers["content-type"] = "application/octet-stream";
    return c.send(req);
  }

  static std::size_t filesIn(const fs::path& dir) {
    std::size_t n = 0;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file()) ++n;
    }
    return n;
  }

  // Every regular file and link of `source` has the same bytes under `restored`.
  static void expectSameTree(const fs::path& source, const fs::path& restored) {
    std::size_t compared = 0;
    for (const auto& e : fs::recursive_directory_iterator(source)) {
      auto rel = e.path().lexically_relative(source);  // not relative(): it follows links
      auto other = restored / rel;
      if (e.is_symlink()) {
        ASSERT_TRUE(fs::is_symlink(fs::symlink_status(other))) << rel;
        EXPECT_EQ(fs::read_symlink(other), fs::read_symlink(e.path())) << rel;
      } else if (e.is_regular_file()) {
        ASSERT_TRUE(fs::exists(other)) << rel;
        EXPECT_TRUE(files::read(other) == files::read(e.path())) << rel << " differs";
        ++compared;
      } else if (e.is_directory()) {
        EXPECT_TRUE(fs::is_directory(other)) << rel;
      }
    }
    EXPECT_GT(compared, 0u);
  }

  // A small office tree: text, an empty file, a unicode name, a link, ~12 MiB of
  // incompressible data (two packs, each uploaded in parts).
  void makeTree(const fs::path& root) {
    files::ensureDirectory(root / "Courrier" / "2024", 0755);
    files::writeAtomic(root / "Courrier" / "2024" / "lettre.txt",
                       std::string(20000, 'a') + "Madame, Monsieur,\n", 0644);
    files::writeAtomic(root / "Courrier" / "vide.txt", "", 0644);
    files::writeAtomic(root / "état civil — acte n°12.odt", randomBytes(300000, 1), 0640);
    files::writeAtomic(root / "scans.bin", randomBytes(12 * 1024 * 1024, 2), 0644);
    fs::create_symlink("Courrier/2024/lettre.txt", root / "raccourci");
  }

  TempDir tmp;
  std::unique_ptr<ServerFixture> server;
  Parcctl ctl{tmp.path() / "ctl"};
  std::int64_t tenantA = 0, tenantB = 0;
};

TEST_F(BackupNetwork, RoundTripDedupIsolationAppendOnlyAndKilledUpload) {
  fs::path src = tmp.path() / "data" / "secretariat";
  makeTree(src);
  enroll("pc1", tenantA);
  enroll("pc2", tenantA);
  enroll("pc3", tenantB);

  // Not initialised yet: a clear refusal, nothing created.
  RunResult none = run("pc1", {"backup", "--source", src.string()});
  EXPECT_NE(none.exitCode, 0);
  EXPECT_FALSE(fs::exists(repoDir(tenantA) / "config"));

  // 1. First backup over the network, restored byte for byte.
  RunResult first = run("pc1", {"backup", "--init", "--source", src.string()});
  ASSERT_EQ(first.exitCode, 0) << first.err << first.out;
  auto b1 = parseBackup(first.out);
  ASSERT_FALSE(b1.snapshot.empty()) << first.out;
  EXPECT_GT(b1.mbNew, 12.0) << first.out;
  EXPECT_TRUE(fs::exists(agentDir("pc1") / "backup.key"));
  EXPECT_TRUE(fs::exists(repoDir(tenantA) / "config"));

  fs::path out1 = tmp.path() / "restore1";
  RunResult r1 = run("pc1", {"restore", "--snapshot", "latest", "--target", out1.string()});
  ASSERT_EQ(r1.exitCode, 0) << r1.err << r1.out;
  expectSameTree(src, out1 / src.relative_path());

  // 2. A second PC of the same tenant (same key file), same files: (almost) nothing new.
  fs::copy_file(agentDir("pc1") / "backup.key", agentDir("pc2") / "backup.key");
  RunResult second = run("pc2", {"backup", "--source", src.string()});
  ASSERT_EQ(second.exitCode, 0) << second.err << second.out;
  auto b2 = parseBackup(second.out);
  ASSERT_FALSE(b2.snapshot.empty()) << second.out;
  EXPECT_NE(b2.snapshot, b1.snapshot);
  EXPECT_LE(b2.chunksNew, 2) << second.out;  // at most the manifest's tree blobs
  EXPECT_LT(b2.mbNew, 0.1) << second.out;
  // Each PC lists its own snapshots; the tenant holds both.
  RunResult list2 = run("pc2", {"backup", "--list"});
  ASSERT_EQ(list2.exitCode, 0) << list2.err;
  EXPECT_NE(list2.out.find(b1.snapshot), std::string::npos);
  EXPECT_NE(list2.out.find(b2.snapshot), std::string::npos);
  // pc2 restores pc1's snapshot by id (another PC of the same tenant).
  fs::path out2 = tmp.path() / "restore2";
  RunResult r2 = run("pc2", {"restore", "--snapshot", b1.snapshot, "--target", out2.string()});
  ASSERT_EQ(r2.exitCode, 0) << r2.err << r2.out;
  expectSameTree(src, out2 / src.relative_path());

  // 3. Another tenant's host sees nothing of tenant A, even with the exact ids.
  std::string chunkHex;
  {
    auto db = sqlite::Database::open(repoDir(tenantA) / "index.db");
    sqlite::Statement q(db, "SELECT hex(id) FROM chunks LIMIT 1");
    ASSERT_TRUE(q.step());
    chunkHex = q.text(0);
    for (auto& c : chunkHex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  auto pc3 = clientOf("pc3");
  EXPECT_EQ(send(*pc3, "GET", "/api/v1/backup/snapshots/" + b1.snapshot).status, 404);
  EXPECT_EQ(send(*pc3, "GET", "/api/v1/backup/blobs/" + chunkHex).status, 404);
  Json listB = parseJson(send(*pc3, "GET", "/api/v1/backup/snapshots").body);
  EXPECT_EQ(listB["count"], 0) << listB.dump();
  // Once tenant B has its own repository (its own key), still nothing of A's.
  RunResult initB = run("pc3", {"backup", "--init", "--source", (src / "Courrier").string()});
  ASSERT_EQ(initB.exitCode, 0) << initB.err << initB.out;
  EXPECT_NE(files::read(agentDir("pc3") / "backup.key"),
            files::read(agentDir("pc1") / "backup.key"));
  EXPECT_EQ(send(*pc3, "GET", "/api/v1/backup/snapshots/" + b1.snapshot).status, 404);
  EXPECT_EQ(send(*pc3, "GET", "/api/v1/backup/blobs/" + chunkHex).status, 404);
  Json chunksB = parseJson(send(*pc3, "POST", "/api/v1/backup/chunks/query",
                                Json{{"ids", Json::array({chunkHex})}}.dump())
                               .body);
  EXPECT_EQ(chunksB["have"], "0");
  // pc3 with tenant A's key is refused before any work (wrong key for B's repository).
  fs::copy_file(agentDir("pc1") / "backup.key", tmp.path() / "a.key");
  RunResult wrongKey =
      run("pc3", {"restore", "--snapshot", b1.snapshot, "--key-file",
                  (tmp.path() / "a.key").string(), "--target", (tmp.path() / "r3").string()});
  EXPECT_NE(wrongKey.exitCode, 0);
  EXPECT_EQ(filesIn(tmp.path() / "r3"), 0u);

  // 4. An agent can only add: no delete, no overwrite, no forged snapshot, no dates.
  auto pc1 = clientOf("pc1");
  auto snapFile = repoDir(tenantA) / "snapshots" / b1.snapshot;
  std::string before = files::read(snapFile);
  auto snapPath = "/api/v1/backup/snapshots/" + b1.snapshot;
  EXPECT_EQ(send(*pc1, "DELETE", snapPath).status, 405);
  EXPECT_EQ(send(*pc1, "PUT", snapPath, "PARCSNAP garbage").status, 405);
  EXPECT_EQ(send(*pc1, "POST", snapPath, "PARCSNAP garbage").status, 405);
  EXPECT_EQ(send(*pc1, "POST", "/api/v1/backup/snapshots", "PARCSNAP garbage").status, 400);
  EXPECT_EQ(send(*pc1, "DELETE", "/api/v1/backup/blobs/" + chunkHex).status, 405);
  // A snapshot whose chunks are not stored is refused (409), nothing listed.
  parc::backup::SnapshotObject forged;
  forged.tree = {parc::backup::ChunkId{1, 2, 3}};
  forged.refs = forged.tree;
  forged.sealedInfo = std::string(40, 'x');
  EXPECT_EQ(
      send(*pc1, "POST", "/api/v1/backup/snapshots", parc::backup::encodeSnapshot(forged)).status,
      409);
  // A pack whose bytes do not match its name is refused and never stored.
  std::string fake(64, 'a');
  EXPECT_EQ(send(*pc1, "PUT", "/api/v1/backup/uploads/" + fake + "?offset=0", "not a pack").status,
            200);
  EXPECT_EQ(send(*pc1, "POST", "/api/v1/backup/uploads/" + fake + "/finish").status, 400);
  EXPECT_FALSE(fs::exists(repoDir(tenantA) / "packs" / "aa" / fake));
  EXPECT_EQ(send(*pc1, "PUT", "/api/v1/backup/uploads/../../x?offset=0", "x").status / 100, 4);
  // Parts above the limit are refused before anything is written.
  EXPECT_EQ(send(*pc1, "PUT", "/api/v1/backup/uploads/" + std::string(64, 'b') + "?offset=0",
                 std::string(5 * 1024 * 1024, 'x'))
                .status,
            413);
  // The recovery key slot is written once.
  EXPECT_EQ(send(*pc1, "PUT", "/api/v1/backup/keys/recovery", "wrapped-1").status, 201);
  EXPECT_EQ(send(*pc1, "PUT", "/api/v1/backup/keys/recovery", "wrapped-2").status, 409);
  EXPECT_EQ(send(*pc1, "GET", "/api/v1/backup/keys/recovery").body, "wrapped-1");
  EXPECT_EQ(files::read(snapFile), before);
  Json listA = parseJson(send(*pc1, "GET", "/api/v1/backup/snapshots").body);
  EXPECT_EQ(listA["count"], 2) << listA.dump();

  // 5. (below, once pc1 has two snapshots) The console lists the host's backups.
  std::int64_t pc1Id = parseJson(files::read(agentDir("pc1") / "identity.json"))["host_id"];
  ASSERT_GT(pc1Id, 0);

  // 6. kill -9 mid-upload, then run again: no partial snapshot, verify passes.
  fs::path big = tmp.path() / "data" / "archives";
  files::ensureDirectory(big, 0755);
  for (unsigned i = 0; i < 8; ++i) {
    files::writeAtomic(big / ("archive-" + std::to_string(i) + ".bin"),
                       randomBytes(8 * 1024 * 1024, 100 + i), 0644);
  }
  auto packsBefore = filesIn(repoDir(tenantA) / "packs");
  bool killedMidway = false;
  {
    Process p(agent("pc1", {"backup", "--source", big.string(), "--threads", "1"}),
              tmp.path() / "killed-backup");
    ASSERT_TRUE(waitFor(
        [&] { return filesIn(repoDir(tenantA) / "packs") > packsBefore || !p.running(); }, 120s));
    killedMidway = p.running();
    p.kill9();
  }
  ASSERT_TRUE(killedMidway) << "the backup ended before it could be killed";
  Json afterKill = parseJson(send(*pc1, "GET", "/api/v1/backup/snapshots").body);
  EXPECT_EQ(afterKill["count"], 2) << "a killed backup listed a snapshot: " << afterKill.dump();

  RunResult again = run("pc1", {"backup", "--source", big.string()});
  ASSERT_EQ(again.exitCode, 0) << again.err << again.out;
  auto b3 = parseBackup(again.out);
  ASSERT_FALSE(b3.snapshot.empty());
  EXPECT_LT(b3.mbNew, 64.0) << "the packs stored before the kill were sent again: " << again.out;
  fs::path out3 = tmp.path() / "restore3";
  RunResult r3 = run("pc1", {"restore", "--snapshot", b3.snapshot, "--target", out3.string()});
  ASSERT_EQ(r3.exitCode, 0) << r3.err << r3.out;
  expectSameTree(big, out3 / big.relative_path());

  // The console's view of pc1: three snapshots (first, archives, and none of pc2's).
  // (parcctl has no backups command yet: the route is checked through the API.)
  tls::ClientTlsConfig pinned;
  pinned.pinnedFingerprint = server->caFingerprint;
  net::HttpsClient console(net::parseUrl(server->consoleUrl), tls::TlsContext::client(pinned), 20s);
  net::Request login{"POST",
                     "/api/v1/login",
                     {{"content-type", "application/json"}},
                     Json{{"username", "admin"}, {"password", server->adminPassword}}.dump(),
                     {},
                     {}};
  std::string token = parseJson(console.send(login).body).value("token", "");
  ASSERT_FALSE(token.empty());
  net::Request list{"GET",
                    "/api/v1/hosts/" + std::to_string(pc1Id) + "/backups",
                    {{"authorization", "Bearer " + token}},
                    {},
                    {},
                    {}};
  net::Response listed = console.send(list);
  ASSERT_EQ(listed.status, 200) << listed.body;
  Json items = parseJson(listed.body)["items"];
  ASSERT_EQ(items.size(), 2u) << listed.body;
  EXPECT_EQ(items[0]["id"], b3.snapshot);  // newest first
  EXPECT_EQ(items[1]["id"], b1.snapshot);
  EXPECT_GE(items[0]["size"].get<std::int64_t>(), 64 * 1024 * 1024);
  EXPECT_GT(items[0]["created"].get<std::int64_t>(), 0);

  // Stop the server, then check the repository on its disk: every pack re-hashed,
  // every snapshot's chunks present.
  ASSERT_EQ(server->stop(), 0);
  RunResult verify =
      runProgram({binary("parc-agent"), "backup", "--repo", repoDir(tenantA).string(), "--verify"},
                 {}, "", 180s);
  EXPECT_EQ(verify.exitCode, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("3 snapshots: ok"), std::string::npos) << verify.out;
}

}  // namespace
}  // namespace parc::testing
