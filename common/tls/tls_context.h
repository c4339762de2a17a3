#pragma once
// TLS 1.3 contexts for Parc's listeners and clients, built once and shared by
// connections. No Beast or Asio here: parc_net wraps the SSL_CTX.
#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <vector>

namespace parc::tls {

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

enum class ClientCertMode {
  kNone,      // console listener: humans authenticate with passwords
  kOptional,  // agent listener: requested; verified when sent; enrolment goes without
  kRequired,
};

struct ServerTlsConfig {
  std::string certificateChainPem;  // leaf first, then intermediates/CA
  std::string privateKeyPem;
  ClientCertMode clientCerts = ClientCertMode::kNone;
  std::string clientCaBundlePem;  // trust anchors for client certificates (one or more CAs)
};

struct ClientTlsConfig {
  /// How the server is trusted, first match wins: a pinned CA fingerprint (SHA-256 of
  /// a certificate the server presents in its chain), a CA bundle, or the system store.
  std::string pinnedFingerprint;
  std::string caBundlePem;
  /// Optional client identity for mutual TLS.
  std::string certificatePem;
  std::string privateKeyPem;
};

/// An SSL_CTX plus what its callbacks point to; keep it alive while connections use it.
class TlsContext {
 public:
  static std::shared_ptr<TlsContext> server(const ServerTlsConfig& config);
  static std::shared_ptr<TlsContext> client(const ClientTlsConfig& config);

  SSL_CTX* native() const { return ctx_.get(); }
  bool isClient() const { return client_; }

 private:
  TlsContext() = default;
  SslCtxPtr ctx_;
  std::unique_ptr<std::string> pin_;  // stable address for the verify callback
  bool client_ = false;
};

/// What the server learned about a peer's certificate after the handshake.
struct PeerCertificate {
  bool present = false;
  bool verified = false;
  std::string fingerprint;  // SHA-256 of the DER, lowercase hex
  std::string commonName;
  std::string serial;
};

PeerCertificate describePeer(SSL* ssl);

}  // namespace parc::tls
