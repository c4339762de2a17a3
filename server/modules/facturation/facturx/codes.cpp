#include "server/modules/facturation/facturx/codes.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>

namespace parc::modules::facturation::facturx {

std::string formatScaled(std::int64_t value, int decimals) {
  const bool negative = value < 0;
  // Work on the magnitude as unsigned so that INT64_MIN does not overflow.
  std::uint64_t magnitude =
      negative ? static_cast<std::uint64_t>(-(value + 1)) + 1 : static_cast<std::uint64_t>(value);
  // Built by appending only: g++ 12 flags string::insert here (-Wrestrict false positive).
  const std::string digits = std::to_string(magnitude);
  const auto d = static_cast<std::size_t>(decimals);
  std::string out = negative ? "-" : "";
  if (d == 0) return out + digits;
  const std::string padded =
      digits.size() <= d ? std::string(d + 1 - digits.size(), '0') + digits : digits;
  out.append(padded, 0, padded.size() - d);
  out.push_back('.');
  out.append(padded, padded.size() - d, d);
  return out;
}

std::optional<std::int64_t> parseScaled(std::string_view text, int decimals) {
  // Trim the XML whitespace that pretty-printed documents carry.
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return std::nullopt;
  std::int64_t result = 0;
  int fraction = -1;  // digits seen after the point, -1 before it
  constexpr std::int64_t kLimit = 900'000'000'000'000'000;
  for (char c : text) {
    if (c == '.') {
      if (fraction >= 0) return std::nullopt;
      fraction = 0;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    if (fraction >= 0 && fraction >= decimals) {
      if (c != '0') return std::nullopt;  // precision we cannot hold
      continue;
    }
    if (result > kLimit / 10) return std::nullopt;
    result = result * 10 + (c - '0');
    if (fraction >= 0) ++fraction;
  }
  for (int i = std::max(fraction, 0); i < decimals; ++i) {
    if (result > kLimit / 10) return std::nullopt;
    result *= 10;
  }
  return negative ? -result : result;
}

namespace {
struct CategoryName {
  VatCategory category;
  const char* code;
};
constexpr std::array<CategoryName, 9> kCategories{{
    {VatCategory::kStandard, "S"},
    {VatCategory::kZero, "Z"},
    {VatCategory::kExempt, "E"},
    {VatCategory::kNotSubject, "O"},
    {VatCategory::kReverseCharge, "AE"},
    {VatCategory::kIntraCommunity, "K"},
    {VatCategory::kExport, "G"},
    {VatCategory::kCanaryIslands, "L"},
    {VatCategory::kCeutaMelilla, "M"},
}};

// ISO 4217 active codes (as in the EN 16931 code lists, 2024), sorted for binary search.
constexpr std::string_view kCurrencies =
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD "
    "BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP "
    "DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS "
    "INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD "
    "MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR "
    "PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS "
    "SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW "
    "UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XDR XOF XPD XPF XPT XSU XTS XUA "
    "XXX YER ZAR ZMW ZWL";
}  // namespace

const char* categoryCode(VatCategory category) {
  for (const auto& c : kCategories) {
    if (c.category == category) return c.code;
  }
  return "E";
}

std::optional<VatCategory> categoryFromCode(std::string_view code) {
  for (const auto& c : kCategories) {
    if (code == c.code) return c.category;
  }
  return std::nullopt;
}

bool isIsoCurrency(std::string_view code) {
  if (code.size() != 3) return false;
  for (std::size_t at = 0; at + 3 <= kCurrencies.size(); at += 4) {
    if (kCurrencies.substr(at, 3) == code) return true;
  }
  return false;
}

bool luhnValid(std::string_view digits) {
  if (digits.empty()) return false;
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (*it < '0' || *it > '9') return false;
    int d = *it - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

}  // namespace parc::modules::facturation::facturx
