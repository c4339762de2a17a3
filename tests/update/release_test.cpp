// Signed agent releases: manifests, signatures and key rotation, version order, the
// server's catalog (publication checks, rings, no downgrade, no retry of a failed
// version) and the agent's own checks before installing.
#include "common/update/release.h"

#include <gtest/gtest.h>

#include "agent/update/update_settings.h"
#include "agent/update/updater.h"
#include "common/crypto/hash.h"
#include "common/error.h"
#include "common/files/files.h"
#include "common/remote/signing.h"
#include "server/update/catalog.h"
#include "tests/integration/harness.h"

namespace parc::update {
namespace {

Release release(const std::string& version, const std::string& bytes) {
  Release r;
  r.version = version;
  r.architecture = "amd64";
  r.sha256 = crypto::sha256Hex(bytes);
  r.size = static_cast<std::int64_t>(bytes.size());
  r.releasedAt = 1795910400;
  return r;
}

TEST(Release, SignedManifestVerifiesOnlyWithATrustedKeyAndUntouched) {
  auto a = remote::SigningKey::generate(), b = remote::SigningKey::generate();
  SignedRelease s = signRelease(release("0.2.0", "package"), a);
  SignedRelease back = parseSignedRelease(parseJson(toJson(s).dump()));
  EXPECT_EQ(back.release.version, "0.2.0");
  EXPECT_EQ(trustedSigner(back, {a.publicKeyHex()}), a.publicKeyHex());
  EXPECT_FALSE(trustedSigner(back, {b.publicKeyHex()}));
  EXPECT_FALSE(trustedSigner(back, {}));
  // Rotation: countersigned by the new key, accepted by agents trusting either.
  addSignature(back, b);
  EXPECT_EQ(trustedSigner(back, {b.publicKeyHex()}), b.publicKeyHex());
  // One changed byte of the manifest (a version bumped by an attacker) breaks every signature.
  SignedRelease tampered = back;
  tampered.manifest.replace(tampered.manifest.find("0.2.0"), 5, "9.2.0");
  tampered.release = parseSignedRelease(toJson(tampered)).release;
  EXPECT_FALSE(trustedSigner(tampered, {a.publicKeyHex(), b.publicKeyHex()}));
  // A signature claiming a trusted key but made by another.
  SignedRelease forged = signRelease(release("0.3.0", "x"), b);
  forged.signatures[0].key = a.publicKeyHex();
  EXPECT_FALSE(trustedSigner(forged, {a.publicKeyHex()}));
}

TEST(Release, MalformedManifestsAreRefused) {
  auto k = remote::SigningKey::generate();
  Json good = toJson(signRelease(release("1.0.0", "p"), k));
  EXPECT_THROW(parseSignedRelease(Json::array()), Error);
  for (
      const std::string& manifest :
      {std::string("not json"), std::string(R"({"v":2})"),
       std::string(
           R"({"v":1,"package":"parc-agent","version":"1.0; rm -rf /","architecture":"amd64","sha256":"00","size":1})"),
       std::string(
           R"({"v":1,"package":"parc-agent","version":"1.0","architecture":"amd64","sha256":"zz","size":1})"),
       std::string(R"({"v":1,"package":"../x","version":"1.0","architecture":"amd64","sha256":")") +
           std::string(64, 'a') + R"(","size":1})"}) {
    Json j = good;
    j["manifest"] = manifest;
    EXPECT_THROW(parseSignedRelease(j), Error) << manifest;
  }
  Json noSigs = good;
  noSigs["signatures"] = "none";
  EXPECT_THROW(parseSignedRelease(noSigs), Error);
}

TEST(Release, VersionsCompareNumericallyWithPreReleasesFirst) {
  EXPECT_GT(compareVersions("1.2.10", "1.2.9"), 0);
  EXPECT_LT(compareVersions("0.9", "0.10"), 0);
  EXPECT_EQ(compareVersions("1.0", "1.0.0"), 0);
  EXPECT_LT(compareVersions("1.0~rc1", "1.0"), 0);
  EXPECT_LT(compareVersions("1.0~rc1", "1.0~rc2"), 0);
  EXPECT_GT(compareVersions("1.0.1~rc1", "1.0"), 0);
  for (std::string ok : {"0.1.0", "10.2", "1.0~rc1", "2.0~beta.3"})
    EXPECT_TRUE(isValidVersion(ok)) << ok;
  for (std::string bad :
       {"", "v1.0", "1..0", "1.0.", "1.0~", "1.0~a~b", "1.0-1", "1/0", "1234567890.0", ".1"}) {
    EXPECT_FALSE(isValidVersion(bad)) << bad;
  }
}

class Catalog : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog = std::make_unique<server::update::UpdateCatalog>(tmp.path() / "updates",
                                                              std::vector{a.publicKeyHex()});
  }
  // Publishes `version` with a package of these bytes, signed by `key`.
  void publish(const std::string& version, const std::string& bytes,
               const remote::SigningKey* key = nullptr) {
    auto file = tmp.path() / (version + ".deb");
    files::writeAtomic(file, bytes);
    catalog->publish(toJson(signRelease(release(version, bytes), key ? *key : a)), file);
  }

  parc::testing::TempDir tmp;
  remote::SigningKey a = remote::SigningKey::generate();
  std::unique_ptr<server::update::UpdateCatalog> catalog;
};

TEST_F(Catalog, PublicationNeedsATrustedSignatureAndTheAnnouncedPackage) {
  auto stranger = remote::SigningKey::generate();
  EXPECT_THROW(publish("0.2.0", "pkg", &stranger), Error);
  auto file = tmp.path() / "p.deb";
  files::writeAtomic(file, "other bytes");
  try {
    catalog->publish(toJson(signRelease(release("0.2.0", "pkg"), a)), file);
    FAIL() << "a package that is not the manifest's was published";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadRequest);
  }
  EXPECT_TRUE(catalog->releases().empty());
  publish("0.2.0", "pkg");
  publish("0.2.0", "pkg");  // again: harmless
  EXPECT_THROW(publish("0.2.0", "another pkg"), Error);
  ASSERT_EQ(catalog->releases().size(), 1u);
  EXPECT_EQ(files::tryRead(catalog->packagePath(catalog->releases()[0])), "pkg");
}

TEST_F(Catalog, RingsAssignmentsNoDowngradeAndNoRetryAfterARollback) {
  publish("0.1.0", "old");
  publish("0.2.0", "new");
  EXPECT_FALSE(catalog->offer(1, 10, "0.1.0", "amd64"));     // no ring points anywhere yet
  EXPECT_THROW(catalog->setRing("stable", "9.9.9"), Error);  // unpublished
  EXPECT_THROW(catalog->setRing("Stable!", "0.2.0"), Error);
  catalog->setRing("pilot", "0.2.0");
  catalog->setRing("stable", "0.1.0");
  catalog->assign("tenant", 10, "pilot");
  catalog->assign("host", 2, "stable");  // a host's own ring wins over its commune's
  auto offer = catalog->offer(1, 10, "0.1.0", "amd64");
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->release.version, "0.2.0");
  EXPECT_FALSE(catalog->offer(2, 10, "0.1.0", "amd64"));
  EXPECT_FALSE(catalog->offer(1, 10, "0.2.0", "amd64"));  // up to date
  EXPECT_FALSE(catalog->offer(1, 10, "0.3.0", "amd64"));  // never downwards
  EXPECT_FALSE(catalog->offer(1, 10, "0.1.0", "arm64"));  // not built for it
  catalog->record(1, {"0.2.0", "rolled_back", "did not check in", 1});
  EXPECT_FALSE(catalog->offer(1, 10, "0.1.0", "amd64"));
  // The rollout survives a restart of the server.
  server::update::UpdateCatalog reopened(tmp.path() / "updates", {a.publicKeyHex()});
  EXPECT_FALSE(reopened.offer(1, 10, "0.1.0", "amd64"));
  EXPECT_TRUE(reopened.offer(3, 10, "0.1.0", "amd64"));
  Json status = reopened.status();
  EXPECT_EQ(status["rings"]["pilot"], "0.2.0");
  EXPECT_EQ(status["results"]["0.2.0"]["rolled_back"], 1);
}

TEST(AgentUpdate, RefusesWhatIsNotSignedNewerAndForThisPc) {
  auto a = remote::SigningKey::generate(), b = remote::SigningKey::generate();
  std::vector<std::string> trusted{a.publicKeyHex()};
  using agent::update::refusal;
  EXPECT_FALSE(refusal(signRelease(release("0.2.0", "p"), a), trusted, "0.1.0", "amd64", true));
  EXPECT_EQ(refusal(signRelease(release("0.2.0", "p"), b), trusted, "0.1.0", "amd64", true),
            "not signed by a trusted release key");
  EXPECT_TRUE(refusal(signRelease(release("0.1.0", "p"), a), trusted, "0.1.0", "amd64", true));
  EXPECT_TRUE(refusal(signRelease(release("0.0.9", "p"), a), trusted, "0.1.0", "amd64", true));
  EXPECT_TRUE(refusal(signRelease(release("0.2.0", "p"), a), trusted, "0.1.0", "arm64", true));
  // The rollback target must be exactly the running version.
  EXPECT_FALSE(refusal(signRelease(release("0.1.0", "p"), a), trusted, "0.1.0", "amd64", false));
  EXPECT_TRUE(refusal(signRelease(release("0.0.9", "p"), a), trusted, "0.1.0", "amd64", false));
  Release other = release("0.2.0", "p");
  other.package = "parc-server";
  EXPECT_TRUE(refusal(signRelease(other, a), trusted, "0.1.0", "amd64", true));
}

TEST(AgentUpdate, SettingsAndStateFiles) {
  parc::testing::TempDir tmp;
  auto key = remote::SigningKey::generate();
  files::writeAtomic(tmp.path() / "agent.toml",
                     "[update]\ncheck_interval = 30\nhealth_timeout = 60\ntrusted_keys = [\"" +
                         key.publicKeyHex() +
                         "\"]\ninstall_command = [\"/bin/true\", \"{package}\"]\nlauncher = []\n");
  std::filesystem::create_directories(tmp.path() / "keys");
  auto second = remote::SigningKey::generate();
  files::writeAtomic(tmp.path() / "keys" / "2026.pub",
                     "# rotation key\n" + second.publicKeyHex() + "\n");
  auto s = agent::update::loadUpdateSettings(tmp.path() / "agent.toml", tmp.path() / "keys");
  EXPECT_EQ(s.checkInterval.count(), 30);
  EXPECT_EQ(s.trustedKeys, (std::vector{key.publicKeyHex(), second.publicKeyHex()}));
  EXPECT_TRUE(s.launcher.empty());
  files::writeAtomic(tmp.path() / "bad.toml", "[update]\ntrusted_keys = [\"abc\"]\n");
  EXPECT_THROW(agent::update::loadUpdateSettings(tmp.path() / "bad.toml", tmp.path() / "none"),
               Error);
  // Defaults without a file: dpkg, through systemd-run.
  auto d = agent::update::loadUpdateSettings({}, tmp.path() / "none");
  EXPECT_EQ(d.installCommand.front(), "/usr/bin/dpkg");
  EXPECT_EQ(d.launcher.front(), "/usr/bin/systemd-run");

  agent::update::UpdateState st{"installing", "0.1.0", "0.2.0",  "/p", "/r", 5,
                                "",           false,   {"0.1.5"}};
  agent::update::writeState(tmp.path(), st);
  auto back = agent::update::readState(tmp.path());
  EXPECT_EQ(back.phase, "installing");
  EXPECT_EQ(back.rollbackPackage, "/r");
  EXPECT_FALSE(back.reported);
  EXPECT_EQ(back.refused.count("0.1.5"), 1u);
  files::writeAtomic(tmp.path() / "update" / "state.json", "{garbage");
  EXPECT_EQ(agent::update::readState(tmp.path()).phase, "");  // a corrupt file starts afresh
  // Nothing staged: the apply step refuses to run.
  EXPECT_EQ(agent::update::applyUpdate(tmp.path(), s), 2);
}

}  // namespace
}  // namespace parc::update
