#pragma once
// Plain HTTP request/response types: what the rest of Parc sees of the network.
// Beast stays inside common/net/*.cpp.
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "common/tls/tls_context.h"

namespace parc::net {

/// Header names are stored lowercase.
using Headers = std::map<std::string, std::string>;

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, e.g. "/api/v1/hosts?limit=10"
  Headers headers;
  std::string body;
  std::string remoteAddress;  // filled by the server
  tls::PeerCertificate peer;  // filled by the server

  /// The target without its query string.
  std::string path() const;
  /// One query parameter, percent-decoded; empty when absent.
  std::string query(const std::string& name) const;
  std::string header(const std::string& lowercaseName) const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
};

/// Runs on a worker thread, never on the network threads: it may block on the store.
using Handler = std::function<Response(const Request&)>;

/// Parsed "https://host:port" (IPv6 in brackets); port defaults to 443.
struct Endpoint {
  std::string host;
  std::uint16_t port = 443;
  std::string toString() const;
};
Endpoint parseUrl(const std::string& url);
/// "ADDRESS:PORT" or "[V6]:PORT"; the port is required (0 allowed: any free port).
Endpoint parseHostPort(const std::string& text);

std::string percentDecode(const std::string& in);

}  // namespace parc::net
