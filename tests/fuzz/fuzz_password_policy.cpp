// libFuzzer target: a password and an account name typed in the console (arbitrary
// bytes, split at the first NUL), through the UTF-8 decoder and every rule.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/security/password_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace parc::server::security;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t nul = input.find('\0');
  std::string_view password = input.substr(0, nul);
  std::string_view username = nul == std::string_view::npos ? "" : input.substr(nul + 1);
  password_policy::PolicyResult r = password_policy::check(password, username);
  // A result is either acceptance or at least one reason with a message.
  for (const auto& v : r.violations) {
    if (v.message.empty()) std::abort();
  }
  if (r.ok() != r.violations.empty()) std::abort();
  return 0;
}
