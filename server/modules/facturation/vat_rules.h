#pragma once
// VAT rules the billing run and credit notes apply before anything is numbered: which
// category mixes EN 16931 accepts for a seller, and how much VAT a credit note may give
// back. Pure functions, so that the store and the tests share them.
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/json/json.h"
#include "server/modules/facturation/domain.h"

namespace parc::modules::facturation {

/// Why these lines cannot make a valid EN 16931 invoice for a seller with (or without) a
/// VAT identifier, in French with the rule ids; nullopt when they can:
/// E, S or Z lines need the identifier (BR-E-02, BR-S-02, BR-Z-02); O lines forbid it
/// (BR-O-02) and exclude every other category on the same invoice (BR-O-11, BR-O-12).
std::optional<std::string> vatRegimeProblem(const std::vector<DraftLine>& lines,
                                            const std::string& sellerVatId);

using VatGroup = std::pair<VatCategory, RateE2>;

/// Caps a credit note's VAT per (category, rate) so that the notes on one invoice never
/// give back more VAT than the invoice charged: each group's tax is at most what is left
/// (invoiced − already credited), and exactly that when the note credits the group's
/// last remainder (`closing`). Updates the tax and grand totals.
void capCreditedVat(Totals& note, const std::vector<VatLine>& invoiced,
                    const std::vector<VatLine>& alreadyCredited, const std::set<VatGroup>& closing);

/// The legal VAT mention of a category without VAT (BT-120 text, BT-121 VATEX code), the
/// two always consistent: O (a commune's service public administratif, outside the scope
/// of VAT) cites article 256 B of the CGI with VATEX-EU-O; E (exempt) cites the
/// exemption articles (article 261 of the CGI, article 132 of directive 2006/112/EC)
/// with VATEX-EU-132. S and Z carry none (BR-S-10, BR-Z-10): nullopt.
struct VatMention {
  std::string reason;  // BT-120, French, as printed on the PDF
  std::string code;    // BT-121, CEF VATEX code list
};
std::optional<VatMention> vatMention(VatCategory category);

/// The BT-22 note stating the VAT regime of an invoice with these categories: one
/// sentence per category without VAT (O, E), nothing for S or Z only.
std::optional<std::string> vatStatement(const std::vector<VatLine>& vat);

/// BG-23 as stored with an issued document: [{"category":"S","rate":550,"base":…,"tax":…}].
Json vatToJson(const std::vector<VatLine>& vat);
std::vector<VatLine> vatFromJson(const Json& j);

}  // namespace parc::modules::facturation
