// libFuzzer target: the PEM CSR an agent sends at enrolment, before any authentication.
// Random bytes rarely survive PEM's base64 armour, so input that is not PEM is taken as
// DER and armoured here: mutations then reach OpenSSL's ASN.1 decoder and the checks
// of parseCsr (self-signature, EC P-256) rather than dying in the PEM reader.
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/crypto/x509.h"
#include "common/error.h"

namespace {

std::string pemArmour(std::string_view der) {
  std::string b64(4 * ((der.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                          reinterpret_cast<const unsigned char*>(der.data()),
                          static_cast<int>(der.size()));
  b64.resize(static_cast<std::size_t>(n));
  std::string pem = "-----BEGIN CERTIFICATE REQUEST-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  return pem + "-----END CERTIFICATE REQUEST-----\n";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string pem = input.rfind("-----", 0) == 0 ? std::string(input) : pemArmour(input);
  try {
    parc::crypto::CertificateRequest csr = parc::crypto::parseCsr(pem);
    (void)csr;
  } catch (const parc::Error&) {
  }
  return 0;
}
