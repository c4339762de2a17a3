#include "common/crypto/x509.h"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cctype>

#include "common/crypto/hash.h"
#include "common/error.h"
#include "common/files/files.h"

namespace parc::crypto {

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

[[noreturn]] void fail(ErrorKind kind, const std::string& what) {
  unsigned long code = ERR_get_error();
  std::string detail;
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    detail = std::string(": ") + buf;
  }
  ERR_clear_error();
  throw Error(kind, what + detail);
}

Bio memoryBio(std::string_view data) {
  Bio bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio) fail(ErrorKind::kInternal, "BIO_new_mem_buf");
  return bio;
}

std::string bioToString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

void setRandomSerial(X509* cert) {
  Bytes raw = randomBytes(16);
  raw[0] &= 0x7f;  // positive
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(
      BN_bin2bn(raw.data(), static_cast<int>(raw.size()), nullptr), BN_free);
  if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert))) {
    fail(ErrorKind::kInternal, "serial number");
  }
}

void setValidity(X509* cert, int validDays) {
  // Back-date by an hour to tolerate small clock differences between PCs and server.
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), static_cast<long>(validDays) * 24 * 3600);
}

void setSubjectCn(X509_NAME* name, std::string_view cn) {
  std::string value(cn);
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                 0) != 1) {
    fail(ErrorKind::kBadRequest, "invalid common name");
  }
}

void addExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) fail(ErrorKind::kInternal, "extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

Certificate newCertificate(EVP_PKEY* subjectKey, std::string_view commonName, int validDays) {
  Certificate cert(X509_new());
  if (!cert) fail(ErrorKind::kInternal, "X509_new");
  X509_set_version(cert.get(), 2);
  setRandomSerial(cert.get());
  setValidity(cert.get(), validDays);
  setSubjectCn(X509_get_subject_name(cert.get()), commonName);
  if (X509_set_pubkey(cert.get(), subjectKey) != 1) fail(ErrorKind::kInternal, "set pubkey");
  return cert;
}

void signWith(X509* cert, EVP_PKEY* key) {
  if (X509_sign(cert, key, EVP_sha256()) == 0) fail(ErrorKind::kInternal, "X509_sign");
}

}  // namespace

PrivateKey generateKey() {
  PrivateKey key(EVP_EC_gen("P-256"));
  if (!key) fail(ErrorKind::kInternal, "EC key generation");
  return key;
}

std::string privateKeyToPem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    fail(ErrorKind::kInternal, "PEM_write_bio_PrivateKey");
  }
  return bioToString(bio.get());
}

PrivateKey privateKeyFromPem(std::string_view pem) {
  Bio bio = memoryBio(pem);
  PrivateKey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) fail(ErrorKind::kBadRequest, "invalid private key");
  return key;
}

void writePrivateKey(const std::filesystem::path& path, EVP_PKEY* key) {
  std::string pem = privateKeyToPem(key);
  files::writeAtomic(path, pem, 0600);
  OPENSSL_cleanse(pem.data(), pem.size());
}

PrivateKey readPrivateKey(const std::filesystem::path& path) {
  std::string pem = files::read(path);
  PrivateKey key = privateKeyFromPem(pem);
  OPENSSL_cleanse(pem.data(), pem.size());
  return key;
}

std::string certificateToPem(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509(bio.get(), cert) != 1) fail(ErrorKind::kInternal, "PEM_write_bio_X509");
  return bioToString(bio.get());
}

Certificate certificateFromPem(std::string_view pem) {
  Bio bio = memoryBio(pem);
  Certificate cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) fail(ErrorKind::kBadRequest, "invalid certificate");
  return cert;
}

std::vector<Certificate> certificatesFromPem(std::string_view pem) {
  Bio bio = memoryBio(pem);
  std::vector<Certificate> out;
  while (X509* raw = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    out.emplace_back(raw);
  }
  ERR_clear_error();  // the loop ends on an expected "no start line"
  if (out.empty()) throw Error(ErrorKind::kBadRequest, "no certificate in PEM data");
  return out;
}

Certificate readCertificate(const std::filesystem::path& path) {
  return certificateFromPem(files::read(path));
}

std::string fingerprint(X509* cert) {
  Bytes md(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md.data(), &len) != 1) fail(ErrorKind::kInternal, "digest");
  md.resize(len);
  return toHex(md);
}

std::string normalizeFingerprint(std::string_view fp) {
  std::string out;
  for (char c : fp) {
    if (c == ':' || c == ' ') continue;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

std::string subjectCommonName(X509* cert) {
  X509_NAME* name = X509_get_subject_name(cert);
  int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0) return {};
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

std::string serialHex(X509* cert) {
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(
      ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr), BN_free);
  char* hex = BN_bn2hex(bn.get());
  std::string out(hex);
  OPENSSL_free(hex);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::chrono::system_clock::time_point notAfter(X509* cert) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1) fail(ErrorKind::kInternal, "notAfter");
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

Certificate makeCaCertificate(EVP_PKEY* key, std::string_view commonName, int validDays) {
  Certificate cert = newCertificate(key, commonName, validDays);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  addExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  addExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  addExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
  signWith(cert.get(), key);
  return cert;
}

Certificate makeServerCertificate(X509* ca, EVP_PKEY* caKey, EVP_PKEY* key,
                                  std::string_view commonName,
                                  const std::vector<std::string>& dnsNames,
                                  const std::vector<std::string>& ipAddresses, int validDays) {
  Certificate cert = newCertificate(key, commonName, validDays);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca));
  std::string san;
  for (const auto& d : dnsNames) san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
  for (const auto& ip : ipAddresses) san += (san.empty() ? "" : ",") + std::string("IP:") + ip;
  addExtension(cert.get(), ca, NID_basic_constraints, "critical,CA:FALSE");
  addExtension(cert.get(), ca, NID_key_usage, "critical,digitalSignature");
  addExtension(cert.get(), ca, NID_ext_key_usage, "serverAuth");
  addExtension(cert.get(), ca, NID_authority_key_identifier, "keyid:always");
  if (!san.empty()) addExtension(cert.get(), ca, NID_subject_alt_name, san);
  signWith(cert.get(), caKey);
  return cert;
}

std::string makeCsrPem(EVP_PKEY* key, std::string_view commonName) {
  CertificateRequest req(X509_REQ_new());
  X509_REQ_set_version(req.get(), 0);
  setSubjectCn(X509_REQ_get_subject_name(req.get()), commonName);
  X509_REQ_set_pubkey(req.get(), key);
  if (X509_REQ_sign(req.get(), key, EVP_sha256()) == 0) fail(ErrorKind::kInternal, "CSR sign");
  Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_REQ(bio.get(), req.get());
  return bioToString(bio.get());
}

CertificateRequest parseCsr(std::string_view pem) {
  Bio bio = memoryBio(pem);
  CertificateRequest req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!req) fail(ErrorKind::kBadRequest, "invalid certificate request");
  EVP_PKEY* pub = X509_REQ_get0_pubkey(req.get());
  if (!pub) fail(ErrorKind::kBadRequest, "certificate request without a public key");
  if (X509_REQ_verify(req.get(), pub) != 1) {
    fail(ErrorKind::kBadRequest, "certificate request signature does not verify");
  }
  char group[64] = {};
  size_t glen = 0;
  if (EVP_PKEY_get_base_id(pub) != EVP_PKEY_EC ||
      EVP_PKEY_get_group_name(pub, group, sizeof group, &glen) != 1 ||
      std::string_view(group) != "prime256v1") {
    throw Error(ErrorKind::kBadRequest, "certificate request must carry an EC P-256 key");
  }
  return req;
}

Certificate signClientCertificate(X509* ca, EVP_PKEY* caKey, X509_REQ* csr,
                                  std::string_view commonName, int validDays) {
  Certificate cert = newCertificate(X509_REQ_get0_pubkey(csr), commonName, validDays);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca));
  addExtension(cert.get(), ca, NID_basic_constraints, "critical,CA:FALSE");
  addExtension(cert.get(), ca, NID_key_usage, "critical,digitalSignature");
  addExtension(cert.get(), ca, NID_ext_key_usage, "clientAuth");
  addExtension(cert.get(), ca, NID_authority_key_identifier, "keyid:always");
  signWith(cert.get(), caKey);
  return cert;
}

bool verifyIssuedBy(X509* cert, X509* issuer) {
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      X509_STORE_CTX_free);
  X509_STORE_add_cert(store.get(), issuer);
  X509_STORE_CTX_init(ctx.get(), store.get(), cert, nullptr);
  bool ok = X509_verify_cert(ctx.get()) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace parc::crypto
