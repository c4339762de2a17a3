#pragma once
// The password rules for console accounts, following the reasoning of ANSSI's guide
// "Recommandations relatives à l'authentification multifacteur et aux mots de passe"
// (v2.0, 2021) and CNIL's 2022 recommendation, both of which reason in entropy rather
// than in fixed recipes. Parc's choice, with its reasons:
//
//  - at least 12 characters (Unicode code points, not bytes) drawn from at least 3 of
//    the 4 classes (lower case, upper case, digits, others — accented letters count as
//    "others"): >= log2(62^12) ~ 71 bits nominal;
//  - or at least 16 characters of any kind (a passphrase: 16 lower-case letters are
//    ~75 bits nominal, and long phrases are easier to remember than symbols);
//  - never the account name inside the password (case-insensitive);
//  - never one of ~100 of the most common passwords (French ones included), nor one of
//    them dressed up with digits or symbols before or after ("Azerty2024!");
//  - never 4 identical or consecutive characters in a row ("aaaa", "1234", "abcd",
//    "dcba"): the first thing a guesser tries, and the usual padding to reach a length;
//  - at most 256 characters and valid UTF-8 without control characters.
//
// Together with the login throttle (login_throttle.h) and the optional TOTP factor this
// is above CNIL's 50-bit floor for throttled logins; there is no forced periodic
// renewal (ANSSI 2021 advises against it for users).
#include <string>
#include <string_view>
#include <vector>

namespace parc::server::security::password_policy {

inline constexpr std::size_t kMinLength = 12;
inline constexpr std::size_t kPassphraseLength = 16;
inline constexpr std::size_t kMaxLength = 256;
inline constexpr int kMinClasses = 3;
inline constexpr std::size_t kMaxRun = 3;  // 4 repeated or sequential is refused

enum class Rule {
  kInvalidText,       // not UTF-8, or control characters
  kTooShort,          // fewer than 12 characters
  kTooLong,           // more than 256 characters
  kTooFewClasses,     // 12-15 characters from fewer than 3 classes
  kContainsUsername,  // the account name appears inside
  kCommon,            // a common password, possibly with digits/symbols around it
  kRepeatOrSequence,  // "aaaa", "1234", "abcd", "4321"
};

struct Violation {
  Rule rule;
  std::string message;  // French, for the console: "Le mot de passe doit comporter…"
};

struct PolicyResult {
  std::vector<Violation> violations;

  bool ok() const { return violations.empty(); }
  bool violates(Rule rule) const;
  /// The messages joined by "\n", for a single error text.
  std::string message() const;
};

/// Checks a candidate password for `username`; every broken rule is reported, so the
/// console can show them all at once.
PolicyResult check(std::string_view password, std::string_view username);

/// The built-in list of common passwords (lower case), for tests and documentation.
const std::vector<std::string_view>& commonPasswords();

}  // namespace parc::server::security::password_policy
