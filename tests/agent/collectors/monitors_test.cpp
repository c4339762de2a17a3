#include "agent/collectors/linux/monitors.h"

#include <gtest/gtest.h>

#include "agent/collectors/linux/edid.h"
#include "tests/agent/collectors/fixtures.h"

namespace parc::agent::collectors::linux_ {
namespace {

using testing::collectFixture;
using testing::hasWarning;
using testing::TempDir;

TEST(MonitorsCollector, DesktopDellOnDisplayPort) {
  std::vector<std::string> warnings;
  Json m = collectFixture(*makeMonitorsCollector(), "desktop", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  ASSERT_EQ(m.size(), 1u);  // HDMI-A-1 has an empty EDID: nothing plugged
  const Json& d = m[0];
  EXPECT_EQ(d["connector"], "DP-1");
  EXPECT_EQ(d["internal"], false);
  EXPECT_EQ(d["status"], "connected");
  EXPECT_EQ(d["manufacturer"], "DEL");
  EXPECT_EQ(d["manufacturer_name"], "Dell Inc.");  // from the fixture's pnp.ids
  EXPECT_EQ(d["product_code"], 0x40E7);
  EXPECT_EQ(d["name"], "DELL U2417H");
  EXPECT_EQ(d["serial"], "XVNNT874D56W");
  EXPECT_EQ(d["serial_number"], 1144338007u);
  EXPECT_EQ(d["week_of_manufacture"], 27);
  EXPECT_EQ(d["year_of_manufacture"], 2018);
  EXPECT_EQ(d["width_cm"], 53);
  EXPECT_EQ(d["height_cm"], 30);
  EXPECT_DOUBLE_EQ(d["diagonal_inches"].get<double>(), 24.0);
  EXPECT_EQ(d["edid_version"], "1.4");
  EXPECT_EQ(d["digital"], true);
  EXPECT_EQ(d["preferred_width_px"], 1920);
  EXPECT_EQ(d["preferred_height_px"], 1080);
  EXPECT_DOUBLE_EQ(d["preferred_refresh_hz"].get<double>(), 60.0);
  EXPECT_EQ(d["extensions"], Json({"CTA-861"}));
  EXPECT_EQ(d["edid_base64"].get<std::string>().size(), 344u);  // 256 bytes
}

TEST(MonitorsCollector, LaptopEdpPanel) {
  std::vector<std::string> warnings;
  Json m = collectFixture(*makeMonitorsCollector(), "laptop", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  ASSERT_EQ(m.size(), 1u);
  const Json& p = m[0];
  EXPECT_EQ(p["connector"], "eDP-1");
  EXPECT_EQ(p["internal"], true);
  EXPECT_EQ(p["manufacturer"], "LGD");
  EXPECT_FALSE(p.contains("manufacturer_name"));  // this fixture has no pnp.ids
  EXPECT_EQ(p["product_code"], 0x068B);
  EXPECT_FALSE(p.contains("name"));               // panels carry text strings, not a name
  EXPECT_EQ(p["texts"], Json({"K2JN7?140WFH"}));  // 0x80 byte shown as '?'
  EXPECT_FALSE(p.contains("serial_number"));
  EXPECT_EQ(p["year_of_manufacture"], 2020);
  EXPECT_FALSE(p.contains("week_of_manufacture"));
  EXPECT_EQ(p["width_cm"], 31);
  EXPECT_EQ(p["height_cm"], 17);
  EXPECT_DOUBLE_EQ(p["diagonal_inches"].get<double>(), 13.9);
  EXPECT_DOUBLE_EQ(p["preferred_refresh_hz"].get<double>(), 60.02);
}

TEST(MonitorsCollector, TruncatedAndGarbageEdids) {
  TempDir t;
  std::string good(128, '\0');
  const unsigned char header[] = {0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x10, 0xAC};
  std::copy(std::begin(header), std::end(header), good.begin());
  t.write("class/drm/card0-DP-1/edid", good.substr(0, 60));
  t.write("class/drm/card0-DP-2/edid", "this is not an EDID at all");
  t.write("class/drm/card0-DP-3/edid", std::string(3, '\xff'));
  CollectContext c;
  c.roots.sys = t.path();
  c.roots.live = false;
  std::vector<std::string> warnings;
  Json m = makeMonitorsCollector()->collect(c, warnings);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0]["manufacturer"], "DEL");  // identification survives truncation
  EXPECT_FALSE(m[0].contains("width_cm"));
  EXPECT_FALSE(m[1].contains("manufacturer"));
  EXPECT_TRUE(m[1].contains("edid_base64"));  // kept for the server to look at
  EXPECT_TRUE(hasWarning(warnings, "truncated"));
  EXPECT_TRUE(hasWarning(warnings, "not an EDID"));
  EXPECT_TRUE(hasWarning(warnings, "too short"));
}

TEST(EdidParser, BadChecksumAndMissingExtensions) {
  std::string e(128, '\0');
  const unsigned char header[] = {0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00};
  std::copy(std::begin(header), std::end(header), e.begin());
  e[16] = static_cast<char>(0xFF);  // model year
  e[17] = 30;
  e[126] = 2;  // two extensions announced, none present
  std::vector<std::string> problems;
  auto edid = parseEdid(e, problems);
  ASSERT_TRUE(edid);
  EXPECT_EQ(edid->modelYear, 2020);
  EXPECT_FALSE(edid->year);
  EXPECT_FALSE(edid->checksumValid);
  EXPECT_TRUE(edid->extensionTags.empty());
  EXPECT_EQ(problems.size(), 2u);
  EXPECT_EQ(edid->manufacturer, "@@@");  // zero id, shown as edid-decode does
}

TEST(EdidHelpers, Base64AndDiagonal) {
  EXPECT_EQ(base64Encode(""), "");
  EXPECT_EQ(base64Encode("f"), "Zg==");
  EXPECT_EQ(base64Encode("fo"), "Zm8=");
  EXPECT_EQ(base64Encode("foo"), "Zm9v");
  EXPECT_EQ(base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_DOUBLE_EQ(diagonalInches(53, 30), 24.0);
  EXPECT_DOUBLE_EQ(diagonalInches(0, 30), 0);
  EXPECT_EQ(edidExtensionName(0x02), "CTA-861");
  EXPECT_EQ(edidExtensionName(0x70), "DisplayID");
  EXPECT_EQ(edidExtensionName(0x33), "Unknown");
}

}  // namespace
}  // namespace parc::agent::collectors::linux_
