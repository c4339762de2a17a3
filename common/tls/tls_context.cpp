#include "common/tls/tls_context.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "common/crypto/x509.h"
#include "common/error.h"

namespace parc::tls {

namespace {

[[noreturn]] void fail(const std::string& what) {
  char buf[256] = {};
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  ERR_clear_error();
  throw Error(ErrorKind::kInternal, "TLS: " + what + ": " + buf);
}

SslCtxPtr baseContext(const SSL_METHOD* method) {
  SslCtxPtr ctx(SSL_CTX_new(method));
  if (!ctx) fail("SSL_CTX_new");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_3_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set1_groups_list(ctx.get(), "X25519:P-256:P-384") != 1) fail("groups");
  return ctx;
}

void addTrustAnchors(SSL_CTX* ctx, const std::string& bundlePem) {
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  for (auto& cert : crypto::certificatesFromPem(bundlePem)) {
    if (X509_STORE_add_cert(store, cert.get()) != 1) fail("add trust anchor");
  }
}

bool isSelfSignedCa(X509* cert) {
  return X509_check_ca(cert) > 0 && X509_check_issued(cert, cert) == X509_V_OK;
}

// Trust decision for a pinned CA: the server's chain must contain a self-signed CA
// certificate with the pinned SHA-256 fingerprint, and the leaf must verify against
// that certificate alone, with the host-name checks the connection asked for.
int verifyAgainstPin(X509_STORE_CTX* ctx, void* arg) {
  const auto* pin = static_cast<const std::string*>(arg);
  X509* leaf = X509_STORE_CTX_get0_cert(ctx);
  STACK_OF(X509)* untrusted = X509_STORE_CTX_get0_untrusted(ctx);
  X509* anchor = nullptr;
  for (int i = 0; untrusted && i < sk_X509_num(untrusted); ++i) {
    X509* c = sk_X509_value(untrusted, i);
    if (isSelfSignedCa(c) && crypto::fingerprint(c) == *pin) anchor = c;
  }
  if (!anchor) {
    X509_STORE_CTX_set_error(ctx, X509_V_ERR_CERT_UNTRUSTED);
    return 0;
  }
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> check(X509_STORE_CTX_new(),
                                                                        X509_STORE_CTX_free);
  X509_STORE_add_cert(store.get(), anchor);
  X509_STORE_CTX_init(check.get(), store.get(), leaf, untrusted);
  X509_VERIFY_PARAM_set1(X509_STORE_CTX_get0_param(check.get()), X509_STORE_CTX_get0_param(ctx));
  int ok = X509_verify_cert(check.get());
  if (ok != 1) X509_STORE_CTX_set_error(ctx, X509_STORE_CTX_get_error(check.get()));
  return ok == 1 ? 1 : 0;
}

}  // namespace

std::shared_ptr<TlsContext> TlsContext::server(const ServerTlsConfig& config) {
  std::shared_ptr<TlsContext> self(new TlsContext());
  self->ctx_ = baseContext(TLS_server_method());
  SSL_CTX* ctx = self->ctx_.get();

  auto chain = crypto::certificatesFromPem(config.certificateChainPem);
  if (SSL_CTX_use_certificate(ctx, chain.front().get()) != 1) fail("server certificate");
  for (size_t i = 1; i < chain.size(); ++i) {
    if (SSL_CTX_add1_chain_cert(ctx, chain[i].get()) != 1) fail("chain certificate");
  }
  auto key = crypto::privateKeyFromPem(config.privateKeyPem);
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1) fail("server key");
  if (SSL_CTX_check_private_key(ctx) != 1) fail("server key does not match its certificate");

  if (config.clientCerts != ClientCertMode::kNone) {
    addTrustAnchors(ctx, config.clientCaBundlePem);
    int mode = SSL_VERIFY_PEER;
    if (config.clientCerts == ClientCertMode::kRequired) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(ctx, mode, nullptr);
    SSL_CTX_set_verify_depth(ctx, 2);
    // Session resumption would skip the client certificate check on later connections.
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ctx, 0);
  }
  return self;
}

std::shared_ptr<TlsContext> TlsContext::client(const ClientTlsConfig& config) {
  std::shared_ptr<TlsContext> self(new TlsContext());
  self->client_ = true;
  self->ctx_ = baseContext(TLS_client_method());
  SSL_CTX* ctx = self->ctx_.get();
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);

  if (!config.pinnedFingerprint.empty()) {
    self->pin_ =
        std::make_unique<std::string>(crypto::normalizeFingerprint(config.pinnedFingerprint));
    SSL_CTX_set_cert_verify_callback(ctx, verifyAgainstPin, self->pin_.get());
  } else if (!config.caBundlePem.empty()) {
    addTrustAnchors(ctx, config.caBundlePem);
  } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
    fail("system trust store");
  }

  if (!config.certificatePem.empty()) {
    auto cert = crypto::certificateFromPem(config.certificatePem);
    auto key = crypto::privateKeyFromPem(config.privateKeyPem);
    if (SSL_CTX_use_certificate(ctx, cert.get()) != 1) fail("client certificate");
    if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1) fail("client key");
    if (SSL_CTX_check_private_key(ctx) != 1) fail("client key does not match its certificate");
  }
  return self;
}

PeerCertificate describePeer(SSL* ssl) {
  PeerCertificate peer;
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (!cert) return peer;
  peer.present = true;
  peer.verified = SSL_get_verify_result(ssl) == X509_V_OK;
  peer.fingerprint = crypto::fingerprint(cert);
  peer.commonName = crypto::subjectCommonName(cert);
  peer.serial = crypto::serialHex(cert);
  return peer;
}

}  // namespace parc::tls
