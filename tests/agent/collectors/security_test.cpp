// Firewall, antivirus and printers: parsers on strings, then the recorded machines.
#include <gtest/gtest.h>

#include "agent/collectors/linux/antivirus.h"
#include "agent/collectors/linux/firewall.h"
#include "agent/collectors/linux/printers.h"
#include "tests/agent/collectors/fixtures.h"

namespace parc::agent::collectors::linux_ {
namespace {

using testing::collectFixture;
using testing::hasWarning;
using testing::TempDir;

TEST(FirewallParsers, UfwFirewalldNft) {
  EXPECT_EQ(parseUfwEnabled("# c\nENABLED=yes\nLOGLEVEL=low\n"), true);
  EXPECT_EQ(parseUfwEnabled("ENABLED=\"no\"\n"), false);
  EXPECT_EQ(parseUfwEnabled("LOGLEVEL=low\n"), std::nullopt);
  EXPECT_EQ(parseFirewalldDefaultZone("# DefaultZone=block\nDefaultZone=public\n"), "public");
  EXPECT_EQ(parseFirewalldDefaultZone(""), "");
  EXPECT_EQ(parseNftTables("table inet filter\ntable ip nat\n\nnoise\n"),
            (std::vector<std::string>{"inet filter", "ip nat"}));
}

TEST(FirewallCollector, DesktopUfwOn) {
  std::vector<std::string> warnings;
  Json f = collectFixture(*makeFirewallCollector(), "desktop", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  EXPECT_EQ(f["status"], "on");
  EXPECT_EQ(f["managers"], Json::array({Json{{"name", "ufw"}, {"enabled", true}}}));
  EXPECT_FALSE(f.contains("iptables_tables"));  // no proc/net/ip_tables_names recorded
  EXPECT_FALSE(f.contains("nftables_tables"));  // live only
}

TEST(FirewallCollector, ServerNftablesVmUfwOffLaptopNone) {
  std::vector<std::string> warnings;
  Json s = collectFixture(*makeFirewallCollector(), "server", warnings);
  EXPECT_EQ(s["status"], "on");
  EXPECT_EQ(s["managers"], Json::array({Json{{"name", "nftables"}, {"enabled", true}}}));
  EXPECT_EQ(s["iptables_tables"], Json({"nat", "filter"}));
  Json v = collectFixture(*makeFirewallCollector(), "vm", warnings);
  EXPECT_EQ(v["status"], "off");
  EXPECT_EQ(v["managers"], Json::array({Json{{"name", "ufw"}, {"enabled", false}}}));
  Json l = collectFixture(*makeFirewallCollector(), "laptop", warnings);
  EXPECT_EQ(l["status"], "off");
  EXPECT_EQ(l["managers"], Json::array());
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
}

TEST(FirewallCollector, FirewalldZone) {
  TempDir t;
  t.write("etc/firewalld/firewalld.conf", "DefaultZone=work\n");
  std::filesystem::create_directories(t.path() / "etc/systemd/system/multi-user.target.wants");
  std::filesystem::create_symlink("/lib/systemd/system/firewalld.service",
                                  t.path() /
                                      "etc/systemd/system/multi-user.target.wants/"
                                      "firewalld.service");
  CollectContext c;
  c.roots.etc = t.path() / "etc";
  c.roots.proc = t.path() / "proc";
  c.roots.live = false;
  std::vector<std::string> warnings;
  Json f = makeFirewallCollector()->collect(c, warnings);
  EXPECT_EQ(f["status"], "on");
  EXPECT_EQ(f["managers"][0],
            Json({{"name", "firewalld"}, {"enabled", true}, {"default_zone", "work"}}));
}

TEST(PrinterParsers, CredentialsNeverLeaveTheUri) {
  EXPECT_EQ(withoutCredentials("ipp://printer.local:631/ipp/print"),
            "ipp://printer.local:631/ipp/print");
  EXPECT_EQ(withoutCredentials("ipps://bob:s3cr3t@print.example/printers/a"),
            "ipps://print.example/printers/a");
  EXPECT_EQ(withoutCredentials("smb://DOM/user:p@ss/w0rd@server/queue"), "smb://server/queue");
  EXPECT_EQ(withoutCredentials("smb://u:p@srv/q?encryption=yes&password=x&Token=y&a=b"),
            "smb://srv/q?encryption=yes&a=b");
  EXPECT_EQ(withoutCredentials("usb://HP/LaserJet?serial=00A1"), "usb://HP/LaserJet?serial=00A1");
  EXPECT_EQ(withoutCredentials("hp:/usb/P1102?serial=Q1"), "hp:/usb/P1102?serial=Q1");
  EXPECT_EQ(withoutCredentials("socket://10.0.0.5:9100"), "socket://10.0.0.5:9100");
  EXPECT_EQ(withoutCredentials(""), "");
}

TEST(PrinterParsers, BlocksAndOddLines) {
  Json p = parsePrintersConf(
      "Info orphan outside a block\n<Printer a>\nInfo A\nShared yes\nDeviceURI ipp://h/q\n"
      "</Printer>\n<Printer >\n</Printer>\n<Printer b>\nState Processing\n"
      "DeviceURI usb://x\n");  // unterminated block b is dropped
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], Json({{"name", "a"},
                        {"default", false},
                        {"description", "A"},
                        {"shared", true},
                        {"uri", "ipp://h/q"},
                        {"network", true}}));
  EXPECT_EQ(parsePrintersConf(""), Json::array());
}

TEST(PrintersCollector, DesktopQueues) {
  std::vector<std::string> warnings;
  Json p = collectFixture(*makePrintersCollector(), "desktop", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0],
            Json({{"name", "HP_LaserJet_P1102"},
                  {"default", true},
                  {"description", "HP LaserJet Professional P1102"},
                  {"location", "Accueil"},
                  {"make_model", "HP LaserJet Professional p1102, hpcups 3.22.10"},
                  {"uri", "hp:/usb/HP_LaserJet_Professional_P1102?serial=000000000QNB7XHVPR1a"},
                  {"network", false},
                  {"state", "Idle"},
                  {"accepting", true},
                  {"shared", false}}));
  EXPECT_EQ(p[1]["name"], "Copieur_Secretariat");
  EXPECT_EQ(p[1]["description"], "Copieur du secrétariat");
  EXPECT_EQ(p[1]["uri"], "smb://copieur.mairie.local/Copieur?encryption=yes");
  EXPECT_EQ(p[1]["network"], true);
  EXPECT_EQ(p[1]["state"], "Stopped");
  EXPECT_EQ(p[1]["shared"], true);
  EXPECT_EQ(p.dump().find("S3cret"), std::string::npos);
  EXPECT_EQ(p.dump().find("hunter2"), std::string::npos);
  for (const char* machine : {"laptop", "vm", "server"}) {
    EXPECT_EQ(collectFixture(*makePrintersCollector(), machine, warnings), Json::array());
  }
  EXPECT_TRUE(warnings.empty());
}

TEST(AntivirusParsers, CvdHeaderAndVersion) {
  auto h = parseCvdHeader(
      "ClamAV-VDB:19 Jun 2024 08-20 +0200:27310:2062142:90:b3c1:sig:raynman:1718780400" +
      std::string(300, ' ') + "\x1f\x8b binary");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->version, 27310);
  EXPECT_EQ(h->signatures, 2062142);
  EXPECT_EQ(h->buildEpochSeconds, 1718780400);
  EXPECT_FALSE(parseCvdHeader("ClamAV-VDB:short:1"));
  EXPECT_FALSE(parseCvdHeader("\x1f\x8b not a database"));
  EXPECT_FALSE(parseCvdHeader("ClamAV-VDB:d:x:1:90:m:s:b:1718780400"));
  EXPECT_EQ(upstreamVersion("1.0.5+dfsg-1~deb12u1"), "1.0.5");
  EXPECT_EQ(upstreamVersion("1:0.103.10-1"), "0.103.10");
  EXPECT_EQ(upstreamVersion("2.0"), "2.0");
}

TEST(AntivirusCollector, ServerClamavDesktopNone) {
  std::vector<std::string> warnings;
  Json a = collectFixture(*makeAntivirusCollector(), "server", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0], Json({{"name", "ClamAV"},
                        {"company", "Cisco Talos"},
                        {"version", "1.0.5"},
                        {"daemon_enabled", true},
                        {"on_access_enabled", false},
                        {"updater_enabled", true},
                        {"database_version", 27310},
                        {"database_signatures", 2062142},
                        {"database_epoch_seconds", 1718780400},
                        {"database_time", "2024-06-19T07:00:00Z"}}));
  for (const char* machine : {"desktop", "laptop", "vm"}) {
    EXPECT_EQ(collectFixture(*makeAntivirusCollector(), machine, warnings), Json::array());
  }
  EXPECT_TRUE(warnings.empty());
}

TEST(AntivirusCollector, ConfiguredWithoutDatabaseWarns) {
  TempDir t;
  t.write("etc/clamav/freshclam.conf", "Checks 24\n");
  t.write("var/lib/clamav/daily.cvd", "not a database");
  CollectContext c;
  c.roots.etc = t.path() / "etc";
  c.roots.varLib = t.path() / "var/lib";
  c.roots.live = false;
  std::vector<std::string> warnings;
  Json a = makeAntivirusCollector()->collect(c, warnings);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_FALSE(a[0].contains("database_version"));
  EXPECT_FALSE(a[0].contains("version"));
  EXPECT_TRUE(hasWarning(warnings, "has no ClamAV-VDB header"));
  EXPECT_TRUE(hasWarning(warnings, "no ClamAV signature database"));
}

}  // namespace
}  // namespace parc::agent::collectors::linux_
