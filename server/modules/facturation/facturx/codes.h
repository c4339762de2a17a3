#pragma once
// Exact decimal text <-> scaled integers, and the code lists the writer, reader and
// pre-validation share (VAT categories, ISO 4217 currencies). No floating point: an
// amount is printed from its integer and parsed back to the same integer, or refused.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/modules/facturation/facturx/invoice.h"

namespace parc::modules::facturation::facturx {

/// `value` scaled by 10^decimals as text with exactly `decimals` digits: (12345, 2) → "123.45".
std::string formatScaled(std::int64_t value, int decimals);

/// "123.4" with decimals 2 → 12340. nullopt when malformed or when digits beyond
/// `decimals` are not zero (we never round silently what we read).
std::optional<std::int64_t> parseScaled(std::string_view text, int decimals);

/// UNTDID 5305 code: S, Z, E, O, AE, K, G, L, M.
const char* categoryCode(VatCategory category);
std::optional<VatCategory> categoryFromCode(std::string_view code);

/// ISO 4217 alphabetic code in the list the EN 16931 code list check (BR-CL-04) uses.
bool isIsoCurrency(std::string_view code);

/// Luhn checksum used by SIREN (9 digits) and SIRET (14 digits); all digits required.
bool luhnValid(std::string_view digits);

}  // namespace parc::modules::facturation::facturx
