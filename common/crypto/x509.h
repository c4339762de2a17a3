#pragma once
// Keys, certificate requests and certificates (OpenSSL 3), each owned by a unique_ptr.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace parc::crypto {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct X509ReqFree {
  void operator()(X509_REQ* p) const { X509_REQ_free(p); }
};
using PrivateKey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Certificate = std::unique_ptr<X509, X509Free>;
using CertificateRequest = std::unique_ptr<X509_REQ, X509ReqFree>;

/// A fresh ECDSA P-256 key: accepted by every browser and cheap to verify.
PrivateKey generateKey();

std::string privateKeyToPem(EVP_PKEY* key);
PrivateKey privateKeyFromPem(std::string_view pem);
/// Writes the key with mode 0600 from the moment the file exists.
void writePrivateKey(const std::filesystem::path& path, EVP_PKEY* key);
PrivateKey readPrivateKey(const std::filesystem::path& path);

std::string certificateToPem(X509* cert);
Certificate certificateFromPem(std::string_view pem);
/// Every certificate in a PEM bundle, in order.
std::vector<Certificate> certificatesFromPem(std::string_view pem);
Certificate readCertificate(const std::filesystem::path& path);

/// SHA-256 of the DER encoding, lowercase hex without separators.
std::string fingerprint(X509* cert);
/// Lowercases and strips ':' so that "AB:CD" and "abcd" compare equal.
std::string normalizeFingerprint(std::string_view fp);

std::string subjectCommonName(X509* cert);
std::string serialHex(X509* cert);
std::chrono::system_clock::time_point notAfter(X509* cert);

/// A self-signed CA certificate (basicConstraints CA:TRUE, keyCertSign, cRLSign).
Certificate makeCaCertificate(EVP_PKEY* key, std::string_view commonName, int validDays);

/// A TLS server certificate signed by the CA, valid for the given DNS names and IPs.
Certificate makeServerCertificate(X509* ca, EVP_PKEY* caKey, EVP_PKEY* key,
                                  std::string_view commonName,
                                  const std::vector<std::string>& dnsNames,
                                  const std::vector<std::string>& ipAddresses, int validDays);

/// A CSR for `key` with the given common name, signed by the key (proof of possession).
std::string makeCsrPem(EVP_PKEY* key, std::string_view commonName);

/// Parses and checks a CSR: well-formed PEM, valid self-signature, EC P-256 key.
CertificateRequest parseCsr(std::string_view pem);

/// Issues a client certificate (clientAuth) for the CSR's public key. The subject is
/// set by the CA (commonName), never copied from the request.
Certificate signClientCertificate(X509* ca, EVP_PKEY* caKey, X509_REQ* csr,
                                  std::string_view commonName, int validDays);

/// True when `cert` was signed by `issuer` and is within its validity period.
bool verifyIssuedBy(X509* cert, X509* issuer);

}  // namespace parc::crypto
