#pragma once
// Section "network_config": what is not per interface — routes and default gateways
// (/proc/net/route, /proc/net/ipv6_route) and name resolution (resolv.conf(5)).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/collectors/collector.h"

namespace parc::agent::collectors::linux_ {

struct Route {
  std::string family;  // "ipv4" / "ipv6"
  std::string destination;
  int prefixLength = 0;
  std::string gateway;  // empty when on-link
  std::string interface;
  std::int64_t metric = 0;
  bool isDefault() const { return prefixLength == 0; }
};

/// /proc/net/route: the usable (RTF_UP) routes; addresses are little-endian hex there.
std::vector<Route> parseIpv4Routes(std::string_view text);

/// /proc/net/ipv6_route: usable routes, without the kernel's local, multicast, loopback
/// and reject entries (those describe the host's own addresses, not where traffic goes).
std::vector<Route> parseIpv6Routes(std::string_view text);

struct ResolvConf {
  std::vector<std::string> nameservers;
  std::vector<std::string> search;
  std::string domain;
};

/// resolv.conf(5): nameserver, search and domain lines ("#" and ";" start comments).
ResolvConf parseResolvConf(std::string_view text);

/// 127.0.0.53 (systemd-resolved's stub): the real servers are elsewhere.
bool isResolvedStub(const ResolvConf& conf);

/// Hex address of /proc/net/route ("0101A8C0") -> "192.168.1.1"; nullopt when malformed.
std::optional<std::string> ipv4FromProcHex(std::string_view hex);

/// 32 hex digits of /proc/net/ipv6_route -> "fe80::1"; nullopt when malformed.
std::optional<std::string> ipv6FromProcHex(std::string_view hex);

CollectorPtr makeNetworkConfigCollector();

}  // namespace parc::agent::collectors::linux_
