#pragma once
// Internal to parc_net: client-side server-identity checks shared by HTTPS and WebSocket.
#include <openssl/ssl.h>

#include <boost/system/error_code.hpp>
#include <string>

namespace parc::net::detail {

/// The name (or address) dialled must be in the server's certificate (SNI + checks).
void expectServerName(SSL* ssl, const std::string& host);
/// A readable reason for a failed TLS handshake, naming certificate problems.
std::string describeTlsFailure(SSL* ssl, const boost::system::error_code& ec);

}  // namespace parc::net::detail
