// Typed parameters of the allow-listed actions and the PC's [remote] policy: bad input
// is refused with a reason that names the parameter.
#include <gtest/gtest.h>

#include "agent/remote/actions/actions.h"
#include "agent/remote/policy.h"
#include "common/config/toml_file.h"
#include "common/error.h"
#include "common/remote/action_catalog.h"

namespace parc::remote {
namespace {

std::string refusal(const std::string& action, const Json& params) {
  try {
    validateParams(findAction(action), params);
    return "";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadRequest) << e.what();
    return e.what();
  }
}

TEST(ActionCatalog, EveryActionIsImplementedExactlyOnce) {
  const auto& list = agent::remote::actionList();
  EXPECT_EQ(list.size(), actionCatalog().size());
  for (const auto& spec : actionCatalog()) {
    auto n = std::count_if(list.begin(), list.end(),
                           [&spec](const auto& e) { return spec.name == e.name; });
    EXPECT_EQ(n, 1) << spec.name;
  }
  EXPECT_THROW(findAction("rm_rf"), Error);
  EXPECT_EQ(catalogJson()["count"], actionCatalog().size());
}

TEST(ActionCatalog, ServiceNamesFollowThePattern) {
  EXPECT_EQ(refusal("restart_service", Json{{"unit", "cups"}}), "");
  EXPECT_EQ(refusal("restart_service", Json{{"unit", "getty@tty1.service"}}), "");
  for (const char* bad :
       {"-H", "--kill-whom=all", "a b", "../../etc/passwd", "cups;reboot", "x\ny", "$(id)"}) {
    EXPECT_NE(refusal("restart_service", Json{{"unit", bad}}), "") << bad;
  }
  EXPECT_NE(refusal("restart_service", Json{{"unit", std::string(129, 'a')}}), "");
  EXPECT_NE(refusal("restart_service", Json::object()).find("required"), std::string::npos);
  EXPECT_NE(refusal("restart_service", Json{{"unit", 3}}).find("string"), std::string::npos);
}

TEST(ActionCatalog, UnknownParametersAreRefused) {
  EXPECT_NE(refusal("flush_dns", Json{{"server", "8.8.8.8"}}).find("unknown parameter"),
            std::string::npos);
  EXPECT_NE(refusal("flush_dns", Json::array()), "");
}

TEST(ActionCatalog, IntegersAreCheckedAndDefaulted) {
  Json p = validateParams(findAction("reboot"), Json::object());
  EXPECT_EQ(p["delay_minutes"], 5);
  EXPECT_FALSE(p.contains("message"));
  EXPECT_EQ(validateParams(findAction("reboot"), Json{{"delay_minutes", "10"}})["delay_minutes"],
            10);  // from a form
  EXPECT_NE(refusal("reboot", Json{{"delay_minutes", 1441}}).find("between 0 and 1440"),
            std::string::npos);
  EXPECT_NE(refusal("reboot", Json{{"delay_minutes", -1}}), "");
  EXPECT_NE(refusal("reboot", Json{{"delay_minutes", "5m"}}), "");
  EXPECT_NE(refusal("collect_logs", Json{{"hours", 0}}), "");
}

TEST(ActionCatalog, MessagesAreOneLineAndNotOptions) {
  EXPECT_EQ(refusal("reboot", Json{{"message", "Mise à jour : redémarrage dans 5 minutes"}}), "");
  EXPECT_NE(refusal("reboot", Json{{"message", "-k now"}}), "");
  EXPECT_NE(refusal("reboot", Json{{"message", "ligne 1\nligne 2"}}), "");
  EXPECT_NE(refusal("reboot", Json{{"message", std::string(201, 'a')}}), "");
  EXPECT_NE(refusal("renew_dhcp", Json{{"interface", "eth0 eth1"}}), "");
  EXPECT_NE(refusal("renew_dhcp", Json{{"interface", "averyveryverylongname"}}), "");
}

}  // namespace
}  // namespace parc::remote

namespace parc::agent::remote {
namespace {

RemotePolicy policyOf(const std::string& text) {
  return remotePolicyFromToml(config::parseToml(text, "agent.toml"), "agent.toml");
}

TEST(RemotePolicy, DefaultsAllowActionsAndScripts) {
  RemotePolicy p = policyOf("");
  EXPECT_EQ(p.refuseAction("flush_dns"), "");
  EXPECT_EQ(p.refuseScripts(), "");
  EXPECT_TRUE(p.serviceAllowed("cups"));
  EXPECT_FALSE(p.serviceAllowed("ssh"));
}

TEST(RemotePolicy, TheFileDecides) {
  RemotePolicy p = policyOf(
      "[remote]\nactions = [\"flush_dns\", \"restart_service\"]\nscripts = false\n"
      "services = [\"NetworkManager.service\"]\ncommand_path = [\"/opt/bin\"]\n");
  EXPECT_EQ(p.refuseAction("flush_dns"), "");
  EXPECT_NE(p.refuseAction("reboot").find("not allowed"), std::string::npos);
  EXPECT_NE(p.refuseScripts().find("local policy"), std::string::npos);
  EXPECT_TRUE(p.serviceAllowed("NetworkManager"));
  EXPECT_FALSE(p.serviceAllowed("cups"));
  ASSERT_EQ(p.commandPath.size(), 1u);
  EXPECT_NE(policyOf("[remote]\nactions = false\n").refuseAction("flush_dns"), "");
}

TEST(RemotePolicy, MistakesAreNamed) {
  auto message = [](const std::string& text) {
    try {
      policyOf(text);
      return std::string();
    } catch (const Error& e) {
      return std::string(e.what());
    }
  };
  EXPECT_NE(message("[remote]\nactions = [\"flush_dsn\"]\n").find("flush_dsn"), std::string::npos);
  EXPECT_NE(message("[remote]\nscripts = \"no\"\n").find("scripts"), std::string::npos);
  EXPECT_NE(message("[remote]\nservices = [\"a b\"]\n").find("services"), std::string::npos);
  EXPECT_NE(message("[remote]\ncommand_path = [\"bin\"]\n").find("absolute"), std::string::npos);
}

}  // namespace
}  // namespace parc::agent::remote
