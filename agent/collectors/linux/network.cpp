#include "agent/collectors/linux/network.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <map>
#include <memory>

#include "agent/collectors/linux/read.h"

namespace parc::agent::collectors::linux_ {

namespace fs = std::filesystem;

namespace {

struct IfaddrsDeleter {
  void operator()(ifaddrs* p) const { ::freeifaddrs(p); }
};
using IfaddrsPtr = std::unique_ptr<ifaddrs, IfaddrsDeleter>;

int prefixLength(const sockaddr* mask) {
  if (mask == nullptr) return 0;
  const unsigned char* bytes = nullptr;
  std::size_t n = 0;
  if (mask->sa_family == AF_INET) {
    bytes = reinterpret_cast<const unsigned char*>(
        &reinterpret_cast<const sockaddr_in*>(mask)->sin_addr);
    n = 4;
  } else if (mask->sa_family == AF_INET6) {
    bytes = reinterpret_cast<const unsigned char*>(
        &reinterpret_cast<const sockaddr_in6*>(mask)->sin6_addr);
    n = 16;
  }
  int bits = 0;
  for (std::size_t i = 0; i < n; ++i) bits += __builtin_popcount(bytes[i]);
  return bits;
}

// Addresses per interface name, from the live kernel.
std::map<std::string, Json> liveAddresses(std::vector<std::string>& warnings) {
  std::map<std::string, Json> out;
  ifaddrs* raw = nullptr;
  if (::getifaddrs(&raw) != 0) {
    warnings.push_back("network: getifaddrs failed; addresses unknown");
    return out;
  }
  IfaddrsPtr list(raw);
  for (ifaddrs* a = raw; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr) continue;
    int family = a->ifa_addr->sa_family;
    char buf[INET6_ADDRSTRLEN] = {};
    if (family == AF_INET) {
      ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, buf, sizeof buf);
    } else if (family == AF_INET6) {
      ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(a->ifa_addr)->sin6_addr, buf,
                  sizeof buf);
    } else {
      continue;
    }
    Json addr = Json::object();
    addr["family"] = family == AF_INET ? "ipv4" : "ipv6";
    addr["address"] = std::string(buf);
    addr["prefix_length"] = prefixLength(a->ifa_netmask);
    auto& slot = out[a->ifa_name];
    if (slot.is_null()) slot = Json::array();
    slot.push_back(std::move(addr));
  }
  return out;
}

std::string kindOf(const fs::path& dir, int type) {
  if (type == 772) return "loopback";
  if (pathExists(dir / "wireless") || pathExists(dir / "phy80211")) return "wifi";
  if (pathExists(dir / "bridge")) return "bridge";
  if (pathExists(dir / "bonding")) return "bond";
  if (pathExists(dir / "tun_flags")) return "tun";
  if (!pathExists(dir / "device")) return "virtual";  // veth, vlan, docker0...
  return linkTypeName(type);
}

class NetworkCollector final : public Collector {
 public:
  std::string_view name() const override { return "network"; }

  Json collect(const CollectContext& context, std::vector<std::string>& warnings) const override {
    fs::path net = context.roots.sys / "class/net";
    if (!pathExists(net)) {
      warnings.push_back("network: " + net.string() + " is missing; interfaces unknown");
      return Json::array();
    }
    std::map<std::string, Json> addresses;
    if (context.roots.live) addresses = liveAddresses(warnings);
    Json list = Json::array();
    for (const std::string& name : listDir(net)) {
      fs::path dir = net / name;
      int type = static_cast<int>(readIntAttr(dir / "type").value_or(1));
      if (type == 772) continue;  // loopback: the same on every machine
      Json i = Json::object();
      i["name"] = name;
      i["kind"] = kindOf(dir, type);
      if (auto mac = readAttr(dir / "address");
          mac && !mac->empty() && *mac != "00:00:00:00:00:00") {
        i["mac"] = *mac;
      }
      setIf(i, "mtu", readIntAttr(dir / "mtu"));
      setIf(i, "state", readAttr(dir / "operstate"));
      // "speed" reads -1 (or fails with EINVAL) while the link is down.
      if (auto speed = readIntAttr(dir / "speed"); speed && *speed > 0) i["speed_mbps"] = *speed;
      if (auto duplex = readAttr(dir / "duplex"); duplex && *duplex != "unknown")
        i["duplex"] = *duplex;
      setIf(i, "driver", linkTargetName(dir / "device/driver"));
      if (auto pci = linkTargetName(dir / "device"); pci && i["kind"] != "virtual")
        i["bus_id"] = *pci;
      if (auto it = addresses.find(name); it != addresses.end()) i["addresses"] = it->second;
      list.push_back(std::move(i));
    }
    return list;
  }
};

}  // namespace

std::string linkTypeName(int arphrd) {
  switch (arphrd) {
    case 1:
      return "ethernet";
    case 32:
      return "infiniband";
    case 512:
      return "ppp";
    case 772:
      return "loopback";
    case 776:
      return "sit";
    case 778:
      return "gre";
    case 801:
      return "wifi";
    case 65534:
      return "none";
    default:
      return "other";
  }
}

CollectorPtr makeNetworkCollector() { return std::make_shared<NetworkCollector>(); }

}  // namespace parc::agent::collectors::linux_
