#include "server/security/password_policy.h"

#include <algorithm>
#include <cstdint>
#include <optional>

namespace parc::server::security::password_policy {

namespace {

using CodePoints = std::u32string;

/// Strict UTF-8 decoding (no overlongs, no surrogates, nothing past U+10FFFF);
/// nullopt when the bytes are not UTF-8, so that two spellings of one password
/// cannot exist.
std::optional<CodePoints> decodeUtf8(std::string_view text) {
  CodePoints out;
  std::size_t i = 0;
  while (i < text.size()) {
    auto b0 = static_cast<unsigned char>(text[i]);
    int extra = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if (b0 < 0x80) {
      cp = b0;
    } else if ((b0 & 0xe0) == 0xc0) {
      extra = 1, cp = b0 & 0x1f, min = 0x80;
    } else if ((b0 & 0xf0) == 0xe0) {
      extra = 2, cp = b0 & 0x0f, min = 0x800;
    } else if ((b0 & 0xf8) == 0xf0) {
      extra = 3, cp = b0 & 0x07, min = 0x10000;
    } else {
      return std::nullopt;
    }
    if (static_cast<std::size_t>(extra) > text.size() - i - 1) return std::nullopt;  // truncated
    for (int k = 1; k <= extra; ++k) {
      auto b = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
      if ((b & 0xc0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return std::nullopt;
    out.push_back(cp);
    i += static_cast<std::size_t>(extra) + 1;
  }
  return out;
}

bool isControl(char32_t c) {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}
bool isLower(char32_t c) {
  return c >= 'a' && c <= 'z';
}
bool isUpper(char32_t c) {
  return c >= 'A' && c <= 'Z';
}
bool isDigit(char32_t c) {
  return c >= '0' && c <= '9';
}
bool isAsciiAlnum(char32_t c) {
  return isLower(c) || isUpper(c) || isDigit(c);
}

/// ASCII-only case folding: enough for comparisons with account names and the list,
/// which are ASCII; accented letters are compared as they are.
CodePoints lower(CodePoints s) {
  for (char32_t& c : s) {
    if (isUpper(c)) c = c - 'A' + 'a';
  }
  return s;
}

CodePoints widen(std::string_view ascii) {
  return CodePoints(ascii.begin(), ascii.end());
}

int classCount(const CodePoints& pw) {
  bool lowerSeen = false, upperSeen = false, digitSeen = false, otherSeen = false;
  for (char32_t c : pw) {
    if (isLower(c)) {
      lowerSeen = true;
    } else if (isUpper(c)) {
      upperSeen = true;
    } else if (isDigit(c)) {
      digitSeen = true;
    } else {
      otherSeen = true;
    }
  }
  return int{lowerSeen} + int{upperSeen} + int{digitSeen} + int{otherSeen};
}

bool containsUsername(const CodePoints& lowered, std::string_view username) {
  auto name = decodeUtf8(username);
  if (!name) return false;
  CodePoints candidates[2] = {lower(*name), {}};
  // "marie.dupont@mairie-x.fr" is also refused as "marie.dupont".
  if (auto at = candidates[0].find(U'@'); at != CodePoints::npos) {
    candidates[1] = candidates[0].substr(0, at);
  }
  for (const CodePoints& c : candidates) {
    // A name of one or two characters would forbid half the alphabet.
    if (c.size() >= 3 && lowered.find(c) != CodePoints::npos) return true;
  }
  return false;
}

bool isCommon(const CodePoints& lowered) {
  const auto& list = commonPasswords();
  auto listed = [&list](const CodePoints& s) {
    return std::any_of(list.begin(), list.end(),
                       [&s](std::string_view p) { return widen(p) == s; });
  };
  if (listed(lowered)) return true;
  // "Azerty2024!" is azerty: strip what people add around a common word.
  auto first = std::find_if(lowered.begin(), lowered.end(), isLower);
  auto last = std::find_if(lowered.rbegin(), lowered.rend(), isLower).base();
  if (first >= last) return false;
  return listed(CodePoints(first, last));
}

bool hasRepeatOrSequence(const CodePoints& lowered) {
  const std::size_t run = kMaxRun + 1;
  for (std::size_t i = 0; i + run <= lowered.size(); ++i) {
    bool same = true, up = true, down = true;
    for (std::size_t k = 1; k < run; ++k) {
      char32_t prev = lowered[i + k - 1], cur = lowered[i + k];
      same = same && cur == prev;
      // Sequences only among letters and digits ("abcd", "6789"), where guessers look.
      bool alnum = isAsciiAlnum(prev) && isAsciiAlnum(cur);
      up = up && alnum && cur == prev + 1;
      down = down && alnum && cur + 1 == prev;
    }
    if (same || up || down) return true;
  }
  return false;
}

void add(PolicyResult& result, Rule rule, std::string message) {
  result.violations.push_back(Violation{rule, std::move(message)});
}

}  // namespace

bool PolicyResult::violates(Rule rule) const {
  return std::any_of(violations.begin(), violations.end(),
                     [rule](const Violation& v) { return v.rule == rule; });
}

std::string PolicyResult::message() const {
  std::string out;
  for (const Violation& v : violations) {
    if (!out.empty()) out += "\n";
    out += v.message;
  }
  return out;
}

PolicyResult check(std::string_view password, std::string_view username) {
  PolicyResult result;
  auto decoded = decodeUtf8(password);
  if (!decoded || std::any_of(decoded->begin(), decoded->end(), isControl)) {
    add(result, Rule::kInvalidText,
        "Le mot de passe contient des caractères non valides (caractères de contrôle ou "
        "texte qui n'est pas en UTF-8)");
    return result;
  }
  const CodePoints& pw = *decoded;
  if (pw.size() < kMinLength) {
    add(result, Rule::kTooShort, "Le mot de passe doit comporter au moins 12 caractères");
  } else if (pw.size() > kMaxLength) {
    add(result, Rule::kTooLong, "Le mot de passe ne doit pas dépasser 256 caractères");
  } else if (pw.size() < kPassphraseLength && classCount(pw) < kMinClasses) {
    add(result, Rule::kTooFewClasses,
        "Le mot de passe doit mélanger au moins 3 types de caractères (minuscules, "
        "majuscules, chiffres, caractères spéciaux), ou comporter au moins 16 caractères");
  }
  CodePoints lowered = lower(pw);
  if (containsUsername(lowered, username)) {
    add(result, Rule::kContainsUsername,
        "Le mot de passe ne doit pas contenir l'identifiant du compte");
  }
  if (isCommon(lowered)) {
    add(result, Rule::kCommon,
        "Ce mot de passe fait partie des plus courants : choisissez-en un autre");
  }
  if (hasRepeatOrSequence(lowered)) {
    add(result, Rule::kRepeatOrSequence,
        "Le mot de passe ne doit pas contenir 4 caractères identiques ou qui se suivent "
        "(« aaaa », « 1234 », « abcd »)");
  }
  return result;
}

const std::vector<std::string_view>& commonPasswords() {
  // The most frequent passwords of public leak statistics (international and French
  // lists), lower case. Short ones matter too: they are refused as the core of a longer
  // password ("Soleil2024!!").
  static const std::vector<std::string_view> kList = {
      "123456",    "123456789",   "12345678",      "12345",          "1234567",     "1234567890",
      "123123",    "000000",      "111111",        "121212",         "654321",      "666666",
      "696969",    "777777",      "987654321",     "112233",         "123321",      "159753",
      "147258369", "123654",      "password",      "password1",      "passw0rd",    "p@ssw0rd",
      "p@ssword",  "qwerty",      "qwertyuiop",    "qwerty123",      "azerty",      "azertyuiop",
      "azerty123", "aze123",      "wxcvbn",        "qsdfghjklm",     "abc123",      "abcdef",
      "iloveyou",  "admin",       "administrator", "administrateur", "root",        "welcome",
      "letmein",   "monkey",      "dragon",        "football",       "baseball",    "sunshine",
      "princess",  "master",      "shadow",        "superman",       "batman",      "trustno1",
      "starwars",  "whatever",    "freedom",       "hello",          "charlie",     "michael",
      "jordan",    "computer",    "internet",      "secret",         "changeme",    "default",
      "login",     "guest",       "test",          "motdepasse",     "motdepasse1", "mot de passe",
      "mdp",       "mdp123",      "bonjour",       "bonjour123",     "soleil",      "soleil123",
      "marseille", "marseille13", "paris",         "lyon",           "toulouse",    "nantes",
      "bordeaux",  "lille",       "doudou",        "loulou",         "chouchou",    "nicolas",
      "julien",    "camille",     "thomas",        "jetaime",        "jesus",       "chocolat",
      "coucou",    "france",      "liberte",       "olympique",      "psg",         "allezlesbleus",
      "mairie",    "commune",     "bienvenue",     "nouveau",        "parc",        "cheval",
      "chaton",    "princesse",   "amour",         "maison"};
  return kList;
}

}  // namespace parc::server::security::password_policy
