#include "agent/collectors/linux/netconfig.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "agent/collectors/linux/read.h"

namespace parc::agent::collectors::linux_ {

namespace fs = std::filesystem;

namespace {

// include/uapi/linux/route.h and ipv6_route.h
constexpr std::uint32_t kRtfUp = 0x0001;
constexpr std::uint32_t kRtfReject = 0x0200;
constexpr std::uint32_t kRtfLocal = 0x80000000;  // RTF_LOCAL (ipv6_route.h)

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  while (!line.empty()) {
    auto start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos) break;
    line.remove_prefix(start);
    auto end = line.find_first_of(" \t");
    out.push_back(line.substr(0, end));
    if (end == std::string_view::npos) break;
    line.remove_prefix(end);
  }
  return out;
}

std::optional<std::uint32_t> hex32(std::string_view text) {
  if (text.empty() || text.size() > 8) return std::nullopt;
  auto v = parseInt(std::string("0x") + std::string(text));
  if (!v || *v < 0) return std::nullopt;
  return static_cast<std::uint32_t>(*v);
}

int popcount32(std::uint32_t v) {
  return __builtin_popcount(v);
}

Json routeJson(const Route& r) {
  Json j = Json::object();
  j["family"] = r.family;
  j["destination"] = r.destination;
  j["prefix_length"] = r.prefixLength;
  if (!r.gateway.empty()) j["gateway"] = r.gateway;
  j["interface"] = r.interface;
  j["metric"] = r.metric;
  return j;
}

// The default route of lowest metric that goes through a gateway.
std::optional<Route> defaultRoute(const std::vector<Route>& routes) {
  std::optional<Route> best;
  for (const Route& r : routes) {
    if (!r.isDefault() || r.gateway.empty()) continue;
    if (!best || r.metric < best->metric) best = r;
  }
  return best;
}

Json strings(const std::vector<std::string>& list) {
  Json out = Json::array();
  for (const auto& s : list) out.push_back(s);
  return out;
}

class NetworkConfigCollector final : public Collector {
 public:
  std::string_view name() const override { return "network_config"; }

  Json collect(const CollectContext& context, std::vector<std::string>& warnings) const override {
    Json out = Json::object();
    collectRoutes(context.roots, out, warnings);
    collectDns(context.roots, out, warnings);
    return out;
  }

 private:
  static void collectRoutes(const SystemRoots& roots, Json& out,
                            std::vector<std::string>& warnings) {
    std::vector<Route> routes;
    FileRead v4 = readFile(roots.proc / "net/route", 4 << 20);
    if (v4.ok()) {
      routes = parseIpv4Routes(*v4.data);
    } else {
      warnings.push_back("network_config: cannot read " + (roots.proc / "net/route").string() +
                         ": " + v4.reason() + "; IPv4 routes unknown");
    }
    // No ipv6_route when IPv6 is disabled: not worth a warning.
    if (FileRead v6 = readFile(roots.proc / "net/ipv6_route", 4 << 20); v6.ok()) {
      auto six = parseIpv6Routes(*v6.data);
      routes.insert(routes.end(), six.begin(), six.end());
    }
    std::vector<Route> ipv4, ipv6;
    for (const Route& r : routes) (r.family == "ipv4" ? ipv4 : ipv6).push_back(r);
    if (auto gw = defaultRoute(ipv4)) {
      out["default_gateway"] = gw->gateway;
      out["default_interface"] = gw->interface;
    }
    if (auto gw = defaultRoute(ipv6)) out["default_gateway_ipv6"] = gw->gateway;
    Json list = Json::array();
    for (const Route& r : routes) list.push_back(routeJson(r));
    out["routes"] = std::move(list);
  }

  static void collectDns(const SystemRoots& roots, Json& out, std::vector<std::string>& warnings) {
    fs::path path = roots.etc / "resolv.conf";
    FileRead r = readFile(path, 1 << 16);
    if (!r.ok()) {
      if (!r.missing())
        warnings.push_back("network_config: cannot read " + path.string() + ": " + r.reason());
      return;
    }
    ResolvConf conf = parseResolvConf(*r.data);
    // systemd-resolved: /etc/resolv.conf names its stub; the upstream servers it uses
    // are listed in /run/systemd/resolve/resolv.conf.
    if (isResolvedStub(conf)) {
      fs::path upstream = roots.run / "systemd/resolve/resolv.conf";
      if (FileRead u = readFile(upstream, 1 << 16); u.ok()) {
        ResolvConf real = parseResolvConf(*u.data);
        if (!real.nameservers.empty()) {
          if (real.search.empty()) real.search = conf.search;
          if (real.domain.empty()) real.domain = conf.domain;
          conf = std::move(real);
          path = upstream;
        }
      }
    }
    out["dns_servers"] = strings(conf.nameservers);
    out["dns_search"] = strings(conf.search);
    std::string domain = !conf.domain.empty()  ? conf.domain
                         : conf.search.empty() ? std::string()
                                               : conf.search.front();
    if (!domain.empty()) out["dns_domain"] = domain;
    out["dns_source"] =
        path.filename() == "resolv.conf" && path.parent_path().filename() == "resolve"
            ? "systemd-resolved"
            : "resolv.conf";
  }
};

}  // namespace

std::optional<std::string> ipv4FromProcHex(std::string_view hex) {
  if (hex.size() != 8) return std::nullopt;
  auto v = hex32(hex);
  if (!v) return std::nullopt;
  // The kernel prints the __be32 as a host-order integer ("%08X"): its bytes in memory
  // are the address, first octet first (the low byte on little-endian machines).
  std::uint32_t raw = *v;
  unsigned char bytes[4];
  std::memcpy(bytes, &raw, sizeof bytes);
  return std::to_string(bytes[0]) + "." + std::to_string(bytes[1]) + "." +
         std::to_string(bytes[2]) + "." + std::to_string(bytes[3]);
}

std::optional<std::string> ipv6FromProcHex(std::string_view hex) {
  if (hex.size() != 32) return std::nullopt;
  std::array<unsigned char, 16> bytes{};
  for (std::size_t i = 0; i < 16; ++i) {
    auto b = parseInt(std::string("0x") + std::string(hex.substr(2 * i, 2)));
    if (!b || *b < 0 || *b > 255) return std::nullopt;
    bytes[i] = static_cast<unsigned char>(*b);
  }
  char buf[INET6_ADDRSTRLEN] = {};
  if (::inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf) == nullptr) return std::nullopt;
  return std::string(buf);
}

std::vector<Route> parseIpv4Routes(std::string_view text) {
  std::vector<Route> out;
  bool header = true;
  for (std::string_view line : splitLines(text)) {
    if (header) {  // "Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT"
      header = false;
      continue;
    }
    auto f = fields(line);
    if (f.size() < 8) continue;
    auto dest = ipv4FromProcHex(f[1]);
    auto gw = ipv4FromProcHex(f[2]);
    auto flags = hex32(f[3]);
    auto metric = parseInt(f[6]);
    auto mask = hex32(f[7]);
    if (!dest || !gw || !flags || !metric || !mask) continue;
    if (!(*flags & kRtfUp) || (*flags & kRtfReject)) continue;
    Route r;
    r.family = "ipv4";
    r.interface = std::string(f[0]);
    r.destination = *dest;
    r.prefixLength = popcount32(*mask);
    if (*gw != "0.0.0.0") r.gateway = *gw;
    r.metric = *metric;
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<Route> parseIpv6Routes(std::string_view text) {
  std::vector<Route> out;
  for (std::string_view line : splitLines(text)) {
    // dest plen src srcplen nexthop metric refcnt use flags iface
    auto f = fields(line);
    if (f.size() < 10) continue;
    auto dest = ipv6FromProcHex(f[0]);
    auto plen = hex32(f[1]);
    auto gw = ipv6FromProcHex(f[4]);
    auto metric = hex32(f[5]);
    auto flags = hex32(f[8]);
    if (!dest || !plen || *plen > 128 || !gw || !metric || !flags) continue;
    std::string iface(f[9]);
    if (!(*flags & kRtfUp) || (*flags & (kRtfReject | kRtfLocal)) || iface == "lo") continue;
    if (dest->rfind("ff", 0) == 0 && *plen >= 8) continue;  // multicast
    Route r;
    r.family = "ipv6";
    r.interface = iface;
    r.destination = *dest;
    r.prefixLength = static_cast<int>(*plen);
    if (*gw != "::") r.gateway = *gw;
    r.metric = *metric;
    out.push_back(std::move(r));
  }
  return out;
}

ResolvConf parseResolvConf(std::string_view text) {
  ResolvConf conf;
  for (std::string_view line : splitLines(text)) {
    auto f = fields(line);
    if (f.empty() || f[0].front() == '#' || f[0].front() == ';') continue;
    auto words = [&](std::size_t from) {
      std::vector<std::string> out;
      for (std::size_t i = from; i < f.size(); ++i) {
        if (f[i].front() == '#' || f[i].front() == ';') break;
        out.emplace_back(f[i]);
      }
      return out;
    };
    if (f[0] == "nameserver" && f.size() >= 2) {
      std::string server(f[1]);
      if (std::find(conf.nameservers.begin(), conf.nameservers.end(), server) ==
          conf.nameservers.end())
        conf.nameservers.push_back(server);
    } else if (f[0] == "search") {
      conf.search = words(1);  // the last search line wins, as in the resolver
      conf.domain.clear();
    } else if (f[0] == "domain" && f.size() >= 2) {
      // domain and search exclude each other; the last one wins.
      conf.domain = std::string(f[1]);
      conf.search = {conf.domain};
    }
  }
  return conf;
}

bool isResolvedStub(const ResolvConf& conf) {
  return !conf.nameservers.empty() &&
         std::all_of(conf.nameservers.begin(), conf.nameservers.end(),
                     [](const std::string& s) { return s == "127.0.0.53" || s == "127.0.0.54"; });
}

CollectorPtr makeNetworkConfigCollector() {
  return std::make_shared<NetworkConfigCollector>();
}

}  // namespace parc::agent::collectors::linux_
