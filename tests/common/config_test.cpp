#include <gtest/gtest.h>

#include <fstream>

#include "agent/config/agent_config.h"
#include "common/config/config_changes.h"
#include "common/config/toml_file.h"
#include "common/error.h"
#include "common/files/files.h"
#include "common/net/http.h"

namespace parc {
namespace {

std::filesystem::path writeTemp(const std::string& name, const std::string& content) {
  auto dir = std::filesystem::temp_directory_path() / ("parc-config-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  files::writeAtomic(dir / name, content);
  return dir / name;
}

TEST(Toml, ParseErrorNamesFileAndLine) {
  try {
    config::parseToml("a = 1\nb = = 2\n", "agent.toml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadRequest);
    EXPECT_EQ(std::string(e.what()).rfind("agent.toml:2:", 0), 0u) << e.what();
  }
}

TEST(Toml, TypedGettersRefuseWrongTypes) {
  auto t = config::parseToml("name = \"x\"\ncount = 3\n[agent]\nport = 8443\n", "t");
  EXPECT_EQ(config::getString(t, "name", "d"), "x");
  EXPECT_EQ(config::getString(t, "missing", "d"), "d");
  EXPECT_EQ(config::getInt(t, "agent.port", 0), 8443);
  EXPECT_THROW(config::getString(t, "count", ""), Error);
  EXPECT_THROW(config::getInt(t, "name", 0), Error);
}

TEST(AgentConfig, ReadsFileAndDefaults) {
  auto path = writeTemp("agent.toml",
                        "server = \"https://parc.example.fr:8443\"\n"
                        "ca_fingerprint = \"AB:CD\"\n"
                        "data_dir = \"/tmp/parc-agent\"\n"
                        "inventory_interval = 7200\n");
  auto c = agent::loadAgentConfig(path, true);
  EXPECT_EQ(c.server, "https://parc.example.fr:8443");
  EXPECT_EQ(c.caFingerprint, "AB:CD");
  EXPECT_EQ(c.dataDir, "/tmp/parc-agent");
  EXPECT_EQ(c.inventoryInterval.count(), 7200);
  EXPECT_EQ(c.logLevel, "info");
  EXPECT_EQ(c.fullInventoryEvery, 24);
}

TEST(AgentConfig, FullInventoryEvery) {
  EXPECT_EQ(agent::loadAgentConfig(writeTemp("every.toml", "full_inventory_every = 3\n"), true)
                .fullInventoryEvery,
            3);
  EXPECT_THROW(agent::loadAgentConfig(writeTemp("never.toml", "full_inventory_every = 0\n"), true),
               Error);
}

TEST(AgentConfig, MissingFileIsFineUnlessRequired) {
  EXPECT_NO_THROW(agent::loadAgentConfig("/nonexistent/agent.toml", false));
  EXPECT_THROW(agent::loadAgentConfig("/nonexistent/agent.toml", true), Error);
}

TEST(AgentConfig, RefusesATooShortInterval) {
  auto path = writeTemp("short.toml", "inventory_interval = 5\n");
  EXPECT_THROW(agent::loadAgentConfig(path, true), Error);
}

TEST(Files, WriteAtomicSetsModeAndReplaces) {
  auto path = writeTemp("secret", "one");
  files::writeAtomic(path, "two", 0600);
  EXPECT_EQ(files::read(path), "two");
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_FALSE(files::tryRead(path.string() + ".missing").has_value());
}

TEST(Url, ParsesHostsPortsAndIpv6) {
  auto a = net::parseUrl("https://parc.example.fr:8443/api");
  EXPECT_EQ(a.host, "parc.example.fr");
  EXPECT_EQ(a.port, 8443);
  auto b = net::parseUrl("https://[::1]:9000");
  EXPECT_EQ(b.host, "::1");
  EXPECT_EQ(b.port, 9000);
  EXPECT_EQ(b.toString(), "https://[::1]:9000");
  EXPECT_EQ(net::parseUrl("https://example.org").port, 443);
  EXPECT_THROW(net::parseUrl("http://example.org"), Error);
  EXPECT_THROW(net::parseUrl("https://host:99999"), Error);
  EXPECT_THROW(net::parseHostPort("127.0.0.1"), Error);
  EXPECT_EQ(net::parseHostPort("127.0.0.1:0").port, 0);
}

TEST(Url, QueryParametersAreDecoded) {
  net::Request r;
  r.target = "/api/v1/hosts?q=Mairie%20de+Rodez&limit=5&empty";
  EXPECT_EQ(r.path(), "/api/v1/hosts");
  EXPECT_EQ(r.query("q"), "Mairie de Rodez");
  EXPECT_EQ(r.query("limit"), "5");
  EXPECT_EQ(r.query("empty"), "");
  EXPECT_EQ(r.query("absent"), "");
}

// What a reload names as not applied: every top-level key and table whose value changed,
// was added or removed — not the entries left alone, whatever their order or spacing.
TEST(ConfigSnapshot, NamesEveryChangedKeyAndSection) {
  using config::ConfigSnapshot;
  using config::parseToml;
  ConfigSnapshot before(
      parseToml("log_level = \"info\"\nserver = \"https://a:8443\"\n[remote]\nscripts = true\n"
                "[update]\ncheck_interval = 60\n[backup]\nroots = [\"/home\"]\n"
                "[[glpi_forward]]\nurl = \"https://g\"\n",
                "before"));
  ConfigSnapshot after(parseToml(
      "server   = \"https://a:8443\"  # same value, other spacing\nlog_level = \"debug\"\n"
      "[update]\ncheck_interval = 120\n[remote]\nscripts = true\n[backup]\n"
      "roots = [\"/home\", \"/srv\"]\n[[glpi_forward]]\nurl = \"https://g2\"\n"
      "[agent]\nport = 1\n",
      "after"));
  EXPECT_EQ(after.changedSince(before),
            (std::vector<std::string>{"[[glpi_forward]]", "[agent]", "[backup]", "[update]",
                                      "log_level"}));
  EXPECT_TRUE(before.changedSince(before).empty());
  // A removed section counts too; a missing file is an empty configuration.
  EXPECT_EQ(ConfigSnapshot().changedSince(before).size(), 6u);
  EXPECT_TRUE(ConfigSnapshot::read("/nonexistent/agent.toml").changedSince({}).empty());
}

// Once enrolled, the token leaves agent.toml: only the top-level key, only the token that
// was spent, the rest of the file and its mode kept.
TEST(AgentConfig, SpentEnrolmentTokenIsRemovedFromTheFile) {
  auto file =
      writeTemp("token.toml",
                "# Parc agent\nserver = \"https://a:8443\"\n  token = \"parc_enr_1\"  # once\n"
                "tokens_seen = 2\n[remote]\ntoken = \"kept\"\n");
  std::filesystem::permissions(
      file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_FALSE(agent::forgetEnrolmentToken(file, "parc_enr_other"));  // given by --token
  EXPECT_TRUE(agent::forgetEnrolmentToken(file, "parc_enr_1"));
  EXPECT_EQ(files::read(file),
            "# Parc agent\nserver = \"https://a:8443\"\ntokens_seen = 2\n[remote]\n"
            "token = \"kept\"\n");
  EXPECT_EQ(std::filesystem::status(file).permissions(),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_EQ(agent::loadAgentConfig(file, true).token, "");
  EXPECT_FALSE(agent::forgetEnrolmentToken(file, "parc_enr_1"));  // nothing left to remove
  EXPECT_FALSE(agent::forgetEnrolmentToken("/nonexistent/agent.toml", "parc_enr_1"));
}

// The packaged template, as the postinst fills it in.
TEST(AgentConfig, SpentEnrolmentTokenIsRemovedFromThePackagedTemplate) {
  std::string text =
      files::read(std::filesystem::path(PARC_SOURCE_DIR) / "installers/debian/agent.toml");
  auto at = text.find("# token = ");
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, text.find('\n', at) - at, "token = \"parc_enr_x-y_z\"");
  auto file = writeTemp("template.toml", text);
  EXPECT_EQ(agent::loadAgentConfig(file, true).token, "parc_enr_x-y_z");
  EXPECT_TRUE(agent::forgetEnrolmentToken(file, "parc_enr_x-y_z"));
  EXPECT_EQ(agent::loadAgentConfig(file, true).token, "");
  EXPECT_EQ(files::read(file).find("parc_enr_x-y_z"), std::string::npos);
}

}  // namespace
}  // namespace parc
