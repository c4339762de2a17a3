#include "server/alerts/notifiers/outgoing.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <cstring>
#include <memory>

#include "common/error.h"
#include "common/net/client.h"
#include "common/tls/tls_context.h"

namespace parc::server::alerts::notifiers {

namespace {

// An address as 16 bytes (IPv4 mapped into ::ffff:0:0/96) for prefix comparisons.
struct Addr {
  unsigned char b[16] = {};
  bool v4 = false;
};

std::optional<Addr> parseAddr(const std::string& ip) {
  Addr a;
  in_addr v4{};
  if (inet_pton(AF_INET, ip.c_str(), &v4) == 1) {
    a.b[10] = a.b[11] = 0xff;
    std::memcpy(a.b + 12, &v4, 4);
    a.v4 = true;
    return a;
  }
  if (inet_pton(AF_INET6, ip.c_str(), a.b) == 1) {
    a.v4 = a.b[10] == 0xff && a.b[11] == 0xff &&
           std::all_of(a.b, a.b + 10, [](unsigned char c) { return c == 0; });
    return a;
  }
  return std::nullopt;
}

bool inPrefix(const Addr& a, const Addr& net, int bits) {
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    unsigned char mask = bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
    if ((a.b[i] & mask) != (net.b[i] & mask)) return false;
  }
  return true;
}

// "10.0.0.0/8" or "fe80::/10" → prefix on the 16-byte form.
std::optional<std::pair<Addr, int>> parseCidr(const std::string& cidr) {
  auto slash = cidr.find('/');
  auto addr = parseAddr(cidr.substr(0, slash));
  if (!addr) return std::nullopt;
  int bits = addr->v4 ? 32 : 128;
  if (slash != std::string::npos) {
    try {
      bits = std::stoi(cidr.substr(slash + 1));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  if (addr->v4) bits += 96;
  if (bits < 0 || bits > 128) return std::nullopt;
  return std::make_pair(*addr, bits);
}

const char* kInternal[] = {"0.0.0.0/8",      "10.0.0.0/8",    "100.64.0.0/10", "127.0.0.0/8",
                           "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",  "192.168.0.0/16",
                           "198.18.0.0/15",  "224.0.0.0/4",   "240.0.0.0/4",   "::/128",
                           "::1/128",        "fc00::/7",      "fe80::/10",     "ff00::/8",
                           "64:ff9b::/96"};

}  // namespace

bool isInternalAddress(const std::string& ip) {
  auto a = parseAddr(ip);
  if (!a) return true;  // not an address we understand: refuse
  for (const char* c : kInternal) {
    auto p = parseCidr(c);
    if (p && inPrefix(*a, p->first, p->second)) return true;
  }
  return false;
}

HttpsUrl parseHttpsUrl(const std::string& url) {
  if (url.rfind("https://", 0) != 0) {
    throw Error(ErrorKind::kBadRequest, "only https:// URLs are allowed: " + url);
  }
  if (url.find_first_of(" \r\n\t") != std::string::npos || url.size() > 2048) {
    throw Error(ErrorKind::kBadRequest, "malformed URL");
  }
  HttpsUrl u;
  u.endpoint = net::parseUrl(url);
  auto slash = url.find('/', 8);
  u.path = slash == std::string::npos ? "/" : url.substr(slash);
  if (url.substr(8, slash == std::string::npos ? std::string::npos : slash - 8).find('@') !=
      std::string::npos) {
    throw Error(ErrorKind::kBadRequest, "credentials in URLs are not allowed");
  }
  return u;
}

void checkOutgoing(const net::Endpoint& target, const OutgoingPolicy& policy) {
  for (const auto& allowed : policy.allow) {
    if (allowed == target.host) return;  // named explicitly by the server's administrator
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(target.host.c_str(), nullptr, &hints, &res); rc != 0) {
    throw Error(ErrorKind::kUnavailable, "cannot resolve " + target.host + ": " + gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(res, freeaddrinfo);
  for (addrinfo* a = res; a; a = a->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {};
    const void* src =
        a->ai_family == AF_INET
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
            : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
    inet_ntop(a->ai_family, src, buf, sizeof buf);
    std::string ip = buf;
    if (!isInternalAddress(ip)) continue;
    bool allowed = false;
    auto addr = parseAddr(ip);
    for (const auto& entry : policy.allow) {
      auto p = parseCidr(entry);
      if (p && addr && inPrefix(*addr, p->first, p->second)) allowed = true;
    }
    if (!allowed) {
      // Every address must pass: a name with one public and one internal address is
      // a classic way around a check on the first one only.
      throw Error(ErrorKind::kForbidden, "outgoing request to " + target.host + " refused: " + ip +
                                             " is an internal address (allow it in the server's "
                                             "[health] outgoing_allow if intended)");
    }
  }
}

void checkOutgoingAtValidation(const net::Endpoint& target, const OutgoingPolicy& policy) {
  try {
    checkOutgoing(target, policy);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kUnavailable) throw;
  }
}

net::Response httpsRequest(const OutgoingPolicy& policy, const std::string& method,
                           const std::string& url,
                           const std::map<std::string, std::string>& headers,
                           const std::string& body, const std::string& caPem) {
  HttpsUrl u = parseHttpsUrl(url);
  checkOutgoing(u.endpoint, policy);
  tls::ClientTlsConfig tlsConfig;
  tlsConfig.caBundlePem = caPem;
  net::HttpsClient client(u.endpoint, tls::TlsContext::client(tlsConfig), std::chrono::seconds(20));
  net::Request request;
  request.method = method;
  request.target = u.path;
  for (const auto& [k, v] : headers) request.headers[k] = v;
  request.body = body;
  if (!body.empty() && !request.headers.count("content-type")) {
    request.headers["content-type"] = "application/json";
  }
  return client.send(request);
}

}  // namespace parc::server::alerts::notifiers
