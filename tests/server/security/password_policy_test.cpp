#include "server/security/password_policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace parc::server::security::password_policy {
namespace {

TEST(PasswordPolicy, AcceptsTwelveCharactersFromThreeClasses) {
  EXPECT_TRUE(check("Trois-Pommes7", "marie").ok());  // 4 classes
  EXPECT_TRUE(check("trois-pommes7", "marie").ok());  // lower, other, digit
  EXPECT_TRUE(check("trois-pommes", "marie").violates(Rule::kTooFewClasses));
}

TEST(PasswordPolicy, TooShortIsRefusedWhateverTheClasses) {
  PolicyResult r = check("Tr0is-Pomme", "marie");  // 11 characters, 4 classes
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.violates(Rule::kTooShort));
  EXPECT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.message(), "Le mot de passe doit comporter au moins 12 caractères");
}

TEST(PasswordPolicy, LengthCountsCharactersNotBytes) {
  // 11 characters but 14 bytes in UTF-8: still too short.
  EXPECT_TRUE(check("Éléphant-7é", "marie").violates(Rule::kTooShort));
  // 13 characters; accented letters count as "other": lower + other + digit.
  EXPECT_TRUE(check("Éléphant-clé7", "marie").ok());
  EXPECT_TRUE(check("Éléphantéclé", "marie").violates(Rule::kTooFewClasses));  // 2 classes
}

TEST(PasswordPolicy, TwelveToFifteenCharactersNeedThreeClasses) {
  PolicyResult twoClasses = check("vertpommerouge", "marie");  // 14 lower case
  EXPECT_TRUE(twoClasses.violates(Rule::kTooFewClasses));
  EXPECT_TRUE(check("verTpommerouge", "marie").violates(Rule::kTooFewClasses));  // 2 classes
  EXPECT_TRUE(check("verTpommerouge5", "marie").ok());                           // 3 classes
}

TEST(PasswordPolicy, SixteenCharactersOfAnyKindAreAPassphrase) {
  EXPECT_TRUE(check("vertpommerougeor", "marie").ok());  // 16 lower case
  EXPECT_TRUE(check("le chat dort sur le toit", "marie").ok());
  EXPECT_TRUE(check("vertpommerouge", "marie").violates(Rule::kTooFewClasses));
}

TEST(PasswordPolicy, TooLongIsRefused) {
  std::string longOne;
  for (int i = 0; i < 26; ++i) longOne += "Vert-pomm" + std::to_string(i % 10);  // 260
  EXPECT_TRUE(check(longOne, "marie").violates(Rule::kTooLong));
  EXPECT_TRUE(check(longOne.substr(0, 256), "marie").ok());
}

TEST(PasswordPolicy, UsernameInsideIsRefusedCaseInsensitively) {
  EXPECT_TRUE(check("Xy!MarieDupont9", "mariedupont").violates(Rule::kContainsUsername));
  EXPECT_TRUE(
      check("Xy!marie.dupont9", "marie.dupont@mairie-x.fr").violates(Rule::kContainsUsername));
  EXPECT_FALSE(check("Xy!MarieDupont9", "paul").violates(Rule::kContainsUsername));
  // Names shorter than 3 characters are not searched (they would forbid most words).
  EXPECT_TRUE(check("Xy!MarieDupont9", "ma").ok());
  EXPECT_EQ(check("Xy!MarieDupont9", "mariedupont").message(),
            "Le mot de passe ne doit pas contenir l'identifiant du compte");
}

TEST(PasswordPolicy, CommonPasswordsAreRefusedEvenDressedUp) {
  for (const char* pw : {"motdepasse", "Motdepasse2024!", "Azertyuiop!9", "!!Soleil1975",
                         "Marseille13013", "administrateur", "P@ssw0rd2023!!"}) {
    EXPECT_TRUE(check(pw, "marie").violates(Rule::kCommon)) << pw;
  }
  // A common word inside other words is not the same as a dressed-up common word.
  EXPECT_FALSE(check("Soleil-de-Marseille7", "marie").violates(Rule::kCommon));
  EXPECT_EQ(check("Azertyuiop!9", "marie").message(),
            "Ce mot de passe fait partie des plus courants : choisissez-en un autre");
}

TEST(PasswordPolicy, TheCommonListHasAboutAHundredLowerCaseEntriesIncludingFrenchOnes) {
  const auto& list = commonPasswords();
  EXPECT_GE(list.size(), 100u);
  for (std::string_view p : list) {
    for (char c : p) EXPECT_FALSE(c >= 'A' && c <= 'Z') << p;
  }
  for (std::string_view fr : {"azerty", "motdepasse", "soleil", "marseille"}) {
    EXPECT_NE(std::find(list.begin(), list.end(), fr), list.end()) << fr;
  }
}

TEST(PasswordPolicy, FourRepeatedOrConsecutiveCharactersAreRefused) {
  for (const char* pw : {"Vert-pommeaaaa", "Vert-pomme1234", "Vert-pommeABCD", "Vert-pomme4321",
                         "dcbaVert-pomme", "Vert-pomme!!!!", "Vert-pommeWxYz", "Vert-6789pomme"}) {
    EXPECT_TRUE(check(pw, "marie").violates(Rule::kRepeatOrSequence)) << pw;
  }
  // Three in a row is fine, and so is a "sequence" across classes.
  EXPECT_TRUE(check("Vert-pommeaaa1", "marie").ok());
  EXPECT_TRUE(check("Vert-pomme123x", "marie").ok());
  EXPECT_TRUE(check("Vert-pomme9:;<", "marie").ok());
  EXPECT_EQ(check("Vert-pomme1234", "marie").message(),
            "Le mot de passe ne doit pas contenir 4 caractères identiques ou qui se suivent "
            "(« aaaa », « 1234 », « abcd »)");
}

TEST(PasswordPolicy, InvalidUtf8AndControlCharactersAreRefused) {
  EXPECT_TRUE(check("Vert-pomme12\xff", "marie").violates(Rule::kInvalidText));
  EXPECT_TRUE(check("Vert-pomme12\xc3", "marie").violates(Rule::kInvalidText));  // truncated
  EXPECT_TRUE(check("Vert-pomme\xc0\xaf"
                    "12",
                    "marie")
                  .violates(Rule::kInvalidText));  // overlong
  EXPECT_TRUE(check("Vert-pomme\xed\xa0\x80"
                    "12",
                    "marie")
                  .violates(Rule::kInvalidText));
  EXPECT_TRUE(check(std::string("Vert-pomme12\0x", 14), "marie").violates(Rule::kInvalidText));
  EXPECT_TRUE(check("Vert-pomme12\n", "marie").violates(Rule::kInvalidText));
}

TEST(PasswordPolicy, EveryBrokenRuleIsReported) {
  PolicyResult r = check("azerty1234", "azerty");
  EXPECT_TRUE(r.violates(Rule::kTooShort));
  EXPECT_TRUE(r.violates(Rule::kContainsUsername));
  EXPECT_TRUE(r.violates(Rule::kCommon));
  EXPECT_TRUE(r.violates(Rule::kRepeatOrSequence));
  EXPECT_EQ(r.violations.size(), 4u);
  std::string message = r.message();
  EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 3);
}

}  // namespace
}  // namespace parc::server::security::password_policy
