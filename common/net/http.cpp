#include "common/net/http.h"

#include <charconv>

#include "common/error.h"

namespace parc::net {

std::string Request::path() const {
  return target.substr(0, target.find('?'));
}

std::string Request::query(const std::string& name) const {
  auto q = target.find('?');
  if (q == std::string::npos) return {};
  std::string rest = target.substr(q + 1);
  size_t pos = 0;
  while (pos <= rest.size()) {
    size_t amp = rest.find('&', pos);
    std::string pair = rest.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    size_t eq = pair.find('=');
    if (percentDecode(pair.substr(0, eq)) == name) {
      return eq == std::string::npos ? std::string() : percentDecode(pair.substr(eq + 1));
    }
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return {};
}

std::string Request::header(const std::string& lowercaseName) const {
  auto it = headers.find(lowercaseName);
  return it == headers.end() ? std::string() : it->second;
}

std::string percentDecode(const std::string& in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      int v = 0;
      auto [p, ec] = std::from_chars(in.data() + i + 1, in.data() + i + 3, v, 16);
      if (ec == std::errc() && p == in.data() + i + 3) {
        out.push_back(static_cast<char>(v));
        i += 2;
        continue;
      }
    }
    out.push_back(in[i] == '+' ? ' ' : in[i]);
  }
  return out;
}

std::string Endpoint::toString() const {
  bool v6 = host.find(':') != std::string::npos;
  return "https://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

namespace {

Endpoint splitHostPort(const std::string& rest, const std::string& url, bool portRequired) {
  Endpoint ep;
  std::string portText;
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos) throw Error(ErrorKind::kBadRequest, "bad URL: " + url);
    ep.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') portText = rest.substr(close + 2);
  } else {
    auto colon = rest.rfind(':');
    ep.host = rest.substr(0, colon);
    if (colon != std::string::npos) portText = rest.substr(colon + 1);
  }
  if (ep.host.empty()) throw Error(ErrorKind::kBadRequest, "bad URL: " + url);
  if (portRequired && portText.empty())
    throw Error(ErrorKind::kBadRequest, "a port is required: " + url);
  if (!portText.empty()) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), v);
    if (ec != std::errc() || p != portText.data() + portText.size() || v > 65535) {
      throw Error(ErrorKind::kBadRequest, "bad port in URL: " + url);
    }
    ep.port = static_cast<std::uint16_t>(v);
  }
  return ep;
}

}  // namespace

Endpoint parseUrl(const std::string& url) {
  std::string rest = url;
  if (rest.rfind("https://", 0) == 0) {
    rest = rest.substr(8);
  } else if (rest.find("://") != std::string::npos) {
    throw Error(ErrorKind::kBadRequest, "only https:// URLs are supported: " + url);
  }
  return splitHostPort(rest.substr(0, rest.find('/')), url, false);
}

Endpoint parseHostPort(const std::string& text) {
  return splitHostPort(text, text, true);
}

}  // namespace parc::net
