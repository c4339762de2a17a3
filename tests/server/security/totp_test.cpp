#include "server/security/totp.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/error.h"

namespace parc::server::security {
namespace {

// RFC 6238 Appendix B: the seed is the ASCII string, one length per hash.
const std::string kSeed20 = "12345678901234567890";
const std::string kSeed32 = "12345678901234567890123456789012";
const std::string kSeed64 = "1234567890123456789012345678901234567890123456789012345678901234";

ErrorKind kindOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no parc::Error thrown";
  return ErrorKind::kInternal;
}

TEST(Hotp, Rfc4226AppendixDVectors) {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (std::uint64_t count = 0; count < 10; ++count) {
    EXPECT_EQ(hotp(kSeed20, count), expected[count]) << "count " << count;
  }
}

struct Rfc6238Vector {
  std::int64_t time;
  const char* sha1;
  const char* sha256;
  const char* sha512;
};

TEST(Totp, Rfc6238AppendixBVectors) {
  const Rfc6238Vector vectors[] = {
      {59, "94287082", "46119246", "90693936"},
      {1111111109, "07081804", "68084774", "25091201"},
      {1111111111, "14050471", "67062674", "99943326"},
      {1234567890, "89005924", "91819424", "93441116"},
      {2000000000, "69279037", "90698825", "38618901"},
      {20000000000, "65353130", "77737706", "47863826"},
  };
  for (const auto& v : vectors) {
    EXPECT_EQ(totp(kSeed20, v.time, {OtpHash::kSha1, 8, 30}), v.sha1) << v.time;
    EXPECT_EQ(totp(kSeed32, v.time, {OtpHash::kSha256, 8, 30}), v.sha256) << v.time;
    EXPECT_EQ(totp(kSeed64, v.time, {OtpHash::kSha512, 8, 30}), v.sha512) << v.time;
  }
}

TEST(Totp, SixDigitsAreTheLastSixOfTheEightDigitValue) {
  EXPECT_EQ(totp(kSeed20, 59), "287082");
  EXPECT_EQ(totp(kSeed20, 1111111109), "081804");  // leading zero kept
}

TEST(Totp, StepIsFloorOfTimeOverPeriod) {
  EXPECT_EQ(totpStep(0), 0);
  EXPECT_EQ(totpStep(29), 0);
  EXPECT_EQ(totpStep(30), 1);
  EXPECT_EQ(totpStep(59), 1);
  EXPECT_EQ(totpStep(-1), -1);
  EXPECT_EQ(totpStep(-30), -1);
  EXPECT_EQ(totpStep(-31), -2);
}

TEST(Totp, InvalidDigitsAndEmptyKeyAreRefused) {
  EXPECT_EQ(kindOf([] { hotp(kSeed20, 0, 5); }), ErrorKind::kBadRequest);
  EXPECT_EQ(kindOf([] { hotp(kSeed20, 0, 9); }), ErrorKind::kBadRequest);
  EXPECT_EQ(kindOf([] { hotp("", 0); }), ErrorKind::kBadRequest);
  EXPECT_EQ(kindOf([] { totp(kSeed20, -1); }), ErrorKind::kBadRequest);
}

TEST(Base32, Rfc4648Section10VectorsWithoutPadding) {
  EXPECT_EQ(base32Encode(""), "");
  EXPECT_EQ(base32Encode("f"), "MY");
  EXPECT_EQ(base32Encode("fo"), "MZXQ");
  EXPECT_EQ(base32Encode("foo"), "MZXW6");
  EXPECT_EQ(base32Encode("foob"), "MZXW6YQ");
  EXPECT_EQ(base32Encode("fooba"), "MZXW6YTB");
  EXPECT_EQ(base32Encode("foobar"), "MZXW6YTBOI");
  EXPECT_EQ(base32Encode(kSeed20), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

TEST(Base32, DecodesPaddedUnpaddedAndLowerCase) {
  EXPECT_EQ(base32Decode("MZXW6YTBOI======"), "foobar");
  EXPECT_EQ(base32Decode("MZXW6YTBOI"), "foobar");
  EXPECT_EQ(base32Decode("mzxw6ytboi"), "foobar");
  EXPECT_EQ(base32Decode("MY======"), "f");
  EXPECT_EQ(base32Decode("MZXW6YQ="), "foob");
  EXPECT_EQ(base32Decode(""), "");
}

TEST(Base32, RoundTripsEveryLength) {
  std::string bytes;
  for (int n = 0; n < 64; ++n) {
    EXPECT_EQ(base32Decode(base32Encode(bytes)), bytes) << n;
    bytes.push_back(static_cast<char>(n * 37 + 11));
  }
}

TEST(Base32, InvalidCharactersLengthsAndInnerPaddingAreRefused) {
  for (const char* bad : {"MZXW6YT1", "MZXW6YT8", "MZXW 6YTB", "MZX=W6YTB", "MZXW-6YT", "M", "MZX",
                          "MZXW6Y", "MZXW6YTBO", "\xc3\xa9"}) {
    EXPECT_EQ(kindOf([bad] { base32Decode(bad); }), ErrorKind::kBadRequest) << bad;
  }
}

TEST(Totp, NewSecretsAre160RandomBitsInBase32) {
  std::string a = newTotpSecret();
  std::string b = newTotpSecret();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(base32Decode(a).size(), 20u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find('='), std::string::npos);
}

const std::string kSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";  // base32 of kSeed20

TEST(VerifyTotp, AcceptsTheCurrentCodeAndRefusesAWrongOne) {
  EXPECT_TRUE(verifyTotp(kSecret, "287082", 59));
  EXPECT_TRUE(verifyTotp(kSecret, "287 082", 59));  // as apps display it
  EXPECT_FALSE(verifyTotp(kSecret, "287083", 59));
  EXPECT_FALSE(verifyTotp(kSecret, "28708", 59));
  EXPECT_FALSE(verifyTotp(kSecret, "2870822", 59));
  EXPECT_FALSE(verifyTotp(kSecret, "28708a", 59));
  EXPECT_FALSE(verifyTotp(kSecret, "", 59));
  EXPECT_TRUE(verifyTotp("gezdgnbvgy3tqojqgezdgnbvgy3tqojq", "287082", 59));
}

TEST(VerifyTotp, WindowAllowsDriftOfThatManyStepsEitherSide) {
  // "287082" belongs to step 1 (t = 30..59).
  EXPECT_TRUE(verifyTotp(kSecret, "287082", 89, 1));   // step 2: one behind
  EXPECT_TRUE(verifyTotp(kSecret, "287082", 0, 1));    // step 0: one ahead
  EXPECT_FALSE(verifyTotp(kSecret, "287082", 90, 1));  // step 3: two behind
  EXPECT_TRUE(verifyTotp(kSecret, "287082", 90, 2));
  EXPECT_FALSE(verifyTotp(kSecret, "287082", 89, 0));
  EXPECT_TRUE(verifyTotp(kSecret, "287082", 30, 0));
}

TEST(VerifyTotp, ACodeIsAcceptedOnceAndOlderCodesAfterANewerOne) {
  std::optional<std::int64_t> last;
  EXPECT_TRUE(verifyTotp(kSecret, "287082", 59, 1, &last));
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(*last, 1);
  EXPECT_FALSE(verifyTotp(kSecret, "287082", 59, 1, &last));  // replay, same step
  EXPECT_FALSE(verifyTotp(kSecret, "287082", 70, 1, &last));  // replay, next step
  EXPECT_EQ(*last, 1);

  std::string step2 = totp(kSeed20, 60);
  EXPECT_TRUE(verifyTotp(kSecret, step2, 60, 1, &last));
  EXPECT_EQ(*last, 2);
  // The step-0 code is within the window at t = 60 but older than the last one used.
  std::string step1Again = totp(kSeed20, 30);
  EXPECT_FALSE(verifyTotp(kSecret, step1Again, 60, 1, &last));
}

TEST(VerifyTotp, ARefusedCodeDoesNotMoveTheLastUsedStep) {
  std::optional<std::int64_t> last = 5;
  EXPECT_FALSE(verifyTotp(kSecret, "000000", 200, 1, &last));
  EXPECT_EQ(last, 5);
}

TEST(VerifyTotp, EightDigitSha256Codes) {
  std::string secret = base32Encode(kSeed32);
  TotpOptions o{OtpHash::kSha256, 8, 30};
  EXPECT_TRUE(verifyTotp(secret, "46119246", 59, 1, nullptr, o));
  EXPECT_FALSE(verifyTotp(secret, "119246", 59, 1, nullptr, o));
}

TEST(VerifyTotp, CorruptSecretOrBadWindowThrows) {
  EXPECT_EQ(kindOf([] { verifyTotp("not base32!", "123456", 59); }), ErrorKind::kBadRequest);
  EXPECT_EQ(kindOf([] { verifyTotp("", "123456", 59); }), ErrorKind::kBadRequest);
  EXPECT_EQ(kindOf([] { verifyTotp(kSecret, "123456", 59, -1); }), ErrorKind::kInternal);
  EXPECT_EQ(kindOf([] { verifyTotp(kSecret, "123456", 59, 11); }), ErrorKind::kInternal);
}

TEST(OtpauthUri, PercentEncodesIssuerAndAccount) {
  EXPECT_EQ(otpauthUri("Parc Mairie", "marie@exemple.fr", kSecret),
            "otpauth://totp/Parc%20Mairie:marie%40exemple.fr?secret=" + kSecret +
                "&issuer=Parc%20Mairie&algorithm=SHA1&digits=6&period=30");
  // A colon or an ampersand in a name must not split the label or the query.
  EXPECT_EQ(otpauthUri("A:B&C", "é", "mzxw6ytboi======", {OtpHash::kSha512, 8, 30}),
            "otpauth://totp/A%3AB%26C:%C3%A9?secret=MZXW6YTBOI&issuer=A%3AB%26C"
            "&algorithm=SHA512&digits=8&period=30");
}

TEST(OtpauthUri, RefusesASecretAppsCouldNotRead) {
  EXPECT_EQ(kindOf([] { otpauthUri("Parc", "x", "0000"); }), ErrorKind::kBadRequest);
}

}  // namespace
}  // namespace parc::server::security
