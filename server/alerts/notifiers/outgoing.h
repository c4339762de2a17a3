#pragma once
// Outgoing HTTPS for webhooks and GLPI, behind the SSRF guard: a channel configured by
// a tenant administrator must not become a way to reach the server's own network
// (GLPI's CVE-2026-22247 was exactly that). Targets that resolve to loopback, private,
// link-local, CGNAT, multicast or unspecified addresses are refused unless the server's
// allow-list names the host or a range containing the address.
#include <map>
#include <string>

#include "common/net/http.h"
#include "server/alerts/notifiers/notifier.h"

namespace parc::server::alerts::notifiers {

struct HttpsUrl {
  net::Endpoint endpoint;
  std::string path;  // "/hook?x=1"; "/" when empty
};

/// https:// only; kBadRequest otherwise.
HttpsUrl parseHttpsUrl(const std::string& url);

/// Resolves the host and refuses (kForbidden, saying why) any address the policy does
/// not allow. DNS is asked again here at every send, so a name re-pointed inside the
/// network after validation is still refused.
void checkOutgoing(const net::Endpoint& target, const OutgoingPolicy& policy);

/// checkOutgoing when a channel is saved: an internal target is refused at once, but a
/// name that does not resolve now is accepted (it is checked again at every send).
void checkOutgoingAtValidation(const net::Endpoint& target, const OutgoingPolicy& policy);

/// True for addresses a webhook may not reach by default (textual IPv4 or IPv6).
bool isInternalAddress(const std::string& ip);

/// One HTTPS request after the guard; `caPem` empty = the system's trust store.
net::Response httpsRequest(const OutgoingPolicy& policy, const std::string& method,
                           const std::string& url,
                           const std::map<std::string, std::string>& headers,
                           const std::string& body, const std::string& caPem);

}  // namespace parc::server::alerts::notifiers
