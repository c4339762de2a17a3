// Routes, default gateways and DNS: parsers on strings, then the recorded machines.
#include "agent/collectors/linux/netconfig.h"

#include <gtest/gtest.h>

#include "tests/agent/collectors/fixtures.h"

namespace parc::agent::collectors::linux_ {
namespace {

using testing::collectFixture;
using testing::hasWarning;
using testing::TempDir;

TEST(RouteParser, Ipv4HexAndFlags) {
  EXPECT_EQ(ipv4FromProcHex("FE01A8C0"), "192.168.1.254");
  EXPECT_EQ(ipv4FromProcHex("00000000"), "0.0.0.0");
  EXPECT_FALSE(ipv4FromProcHex("FE01A8C"));
  EXPECT_FALSE(ipv4FromProcHex("GGGGGGGG"));
  auto routes = parseIpv4Routes(
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
      "eth0\t00000000\t0102000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
      "eth0\t0000000A\t00000000\t0001\t0\t0\t100\t0000FFFF\t0\t0\t0\n"
      "eth0\t0000A8C0\t00000000\t0000\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"  // not RTF_UP
      "eth0\t0000A8C0\t00000000\t0201\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"  // reject
      "garbage line\n\n");
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].destination, "0.0.0.0");
  EXPECT_EQ(routes[0].prefixLength, 0);
  EXPECT_EQ(routes[0].gateway, "10.0.2.1");
  EXPECT_EQ(routes[0].metric, 100);
  EXPECT_TRUE(routes[0].isDefault());
  EXPECT_EQ(routes[1].destination, "10.0.0.0");
  EXPECT_EQ(routes[1].prefixLength, 16);
  EXPECT_EQ(routes[1].gateway, "");
}

TEST(RouteParser, Ipv6KeepsRealRoutesOnly) {
  EXPECT_EQ(ipv6FromProcHex("fe800000000000000000000000000001"), "fe80::1");
  EXPECT_FALSE(ipv6FromProcHex("fe80"));
  auto routes = parseIpv6Routes(
      "fd000000000000000000000000000000 40 00000000000000000000000000000000 00 "
      "00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n"
      "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
      "fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0\n"
      "00000000000000000000000000000001 80 00000000000000000000000000000000 00 "
      "00000000000000000000000000000000 00000000 00000004 00000000 80200001       lo\n"
      "fd000000000000000000000000000002 80 00000000000000000000000000000000 00 "
      "00000000000000000000000000000000 00000000 00000003 00000000 80200001     eth0\n"
      "ff000000000000000000000000000000 08 00000000000000000000000000000000 00 "
      "00000000000000000000000000000000 00000100 00000003 00000000 00000001     eth0\n"
      "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
      "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n"
      "zz short\n");
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].destination, "fd00::");
  EXPECT_EQ(routes[0].prefixLength, 64);
  EXPECT_EQ(routes[0].metric, 256);
  EXPECT_EQ(routes[1].gateway, "fd00::1");
  EXPECT_EQ(routes[1].metric, 1024);
}

TEST(ResolvConfParser, ServersSearchDomainComments) {
  auto c = parseResolvConf(
      "# comment\n; another\nnameserver 1.1.1.1 # trailing\nnameserver\t9.9.9.9\n"
      "nameserver 1.1.1.1\noptions edns0\nsearch a.example b.example ; c\n");
  EXPECT_EQ(c.nameservers, (std::vector<std::string>{"1.1.1.1", "9.9.9.9"}));
  EXPECT_EQ(c.search, (std::vector<std::string>{"a.example", "b.example"}));
  EXPECT_EQ(c.domain, "");
  // domain and search exclude each other: the last wins.
  auto d = parseResolvConf("search a.example\ndomain corp.example\n");
  EXPECT_EQ(d.domain, "corp.example");
  EXPECT_EQ(d.search, (std::vector<std::string>{"corp.example"}));
  EXPECT_TRUE(isResolvedStub(parseResolvConf("nameserver 127.0.0.53\n")));
  EXPECT_FALSE(isResolvedStub(parseResolvConf("nameserver 127.0.0.53\nnameserver 8.8.8.8\n")));
  EXPECT_FALSE(isResolvedStub(parseResolvConf("")));
}

TEST(NetworkConfigCollector, Desktop) {
  std::vector<std::string> warnings;
  Json n = collectFixture(*makeNetworkConfigCollector(), "desktop", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  EXPECT_EQ(n["default_gateway"], "192.168.1.254");
  EXPECT_EQ(n["default_interface"], "eno1");
  EXPECT_EQ(n["default_gateway_ipv6"], "fe80::1");
  EXPECT_EQ(n["dns_servers"], Json({"192.168.1.10", "192.168.1.254"}));
  EXPECT_EQ(n["dns_search"], Json({"mairie.local"}));
  EXPECT_EQ(n["dns_domain"], "mairie.local");
  EXPECT_EQ(n["dns_source"], "resolv.conf");
  // 2 IPv4 + 3 IPv6; the kernel's local, multicast and lo entries are left out.
  ASSERT_EQ(n["routes"].size(), 5u);
  EXPECT_EQ(n["routes"][1], Json({{"family", "ipv4"},
                                  {"destination", "192.168.1.0"},
                                  {"prefix_length", 24},
                                  {"interface", "eno1"},
                                  {"metric", 100}}));
  EXPECT_EQ(n["routes"][2]["destination"], "2a01:cb00:1234:5600::");
  EXPECT_EQ(n["routes"][4]["gateway"], "fe80::1");
}

TEST(NetworkConfigCollector, LaptopBehindSystemdResolved) {
  std::vector<std::string> warnings;
  Json n = collectFixture(*makeNetworkConfigCollector(), "laptop", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  EXPECT_EQ(n["dns_servers"], Json({"10.10.0.1", "2001:db8:10::53"}));  // not 127.0.0.53
  EXPECT_EQ(n["dns_source"], "systemd-resolved");
  EXPECT_EQ(n["dns_domain"], "home");
  EXPECT_EQ(n["default_gateway"], "10.10.0.1");
  EXPECT_EQ(n["default_interface"], "wlp0s20f3");
  EXPECT_FALSE(n.contains("default_gateway_ipv6"));
  EXPECT_EQ(n["routes"][1]["prefix_length"], 22);
}

TEST(NetworkConfigCollector, ServerAndVm) {
  std::vector<std::string> warnings;
  Json s = collectFixture(*makeNetworkConfigCollector(), "server", warnings);
  EXPECT_EQ(s["default_gateway"], "192.168.10.1");
  EXPECT_EQ(s["dns_servers"], Json({"192.168.10.10", "192.168.10.11"}));  // duplicate once
  EXPECT_EQ(s["dns_search"], Json({"mairie.local", "ville.example"}));
  EXPECT_EQ(s["dns_domain"], "mairie.local");
  ASSERT_EQ(s["routes"].size(), 3u);  // no IPv6 route but lo's
  EXPECT_EQ(s["routes"][1]["interface"], "docker0");
  EXPECT_EQ(s["routes"][1]["prefix_length"], 16);
  Json v = collectFixture(*makeNetworkConfigCollector(), "vm", warnings);
  EXPECT_EQ(v["default_gateway"], "10.0.2.2");
  EXPECT_EQ(v["default_gateway_ipv6"], "fd00::1");
  EXPECT_EQ(v["dns_servers"], Json({"10.0.2.3"}));
  EXPECT_FALSE(v.contains("dns_domain"));
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
}

TEST(NetworkConfigCollector, EmptyTreeWarnsForRoutesOnly) {
  TempDir t;
  CollectContext c;
  c.roots.proc = t.path() / "proc";
  c.roots.etc = t.path() / "etc";
  c.roots.run = t.path() / "run";
  c.roots.live = false;
  std::vector<std::string> warnings;
  Json n = makeNetworkConfigCollector()->collect(c, warnings);
  EXPECT_EQ(n["routes"], Json::array());
  EXPECT_FALSE(n.contains("dns_servers"));
  EXPECT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(hasWarning(warnings, "IPv4 routes unknown"));
}

}  // namespace
}  // namespace parc::agent::collectors::linux_
