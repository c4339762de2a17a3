#include "server/modules/facturation/facturx/prevalidate.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <utility>

#include "server/modules/facturation/facturx/codes.h"

namespace parc::modules::facturation::facturx {
namespace {

std::string amount(Cents c) {
  return formatScaled(c, 2);
}

// EN 16931 names its per-category rules with these prefixes (BR-S-08, BR-IC-08, …).
std::string rulePrefix(VatCategory c) {
  switch (c) {
    case VatCategory::kStandard: return "BR-S";
    case VatCategory::kZero: return "BR-Z";
    case VatCategory::kExempt: return "BR-E";
    case VatCategory::kNotSubject: return "BR-O";
    case VatCategory::kReverseCharge: return "BR-AE";
    case VatCategory::kIntraCommunity: return "BR-IC";
    case VatCategory::kExport: return "BR-G";
    case VatCategory::kCanaryIslands: return "BR-IG";
    case VatCategory::kCeutaMelilla: return "BR-IP";
  }
  return "BR-E";
}

// Categories whose breakdown must state an exemption reason (BR-E-10, BR-AE-10, …).
bool needsExemptionReason(VatCategory c) {
  return c == VatCategory::kExempt || c == VatCategory::kReverseCharge ||
         c == VatCategory::kIntraCommunity || c == VatCategory::kExport ||
         c == VatCategory::kNotSubject;
}

// round(base × rate / 100) to the cent, half away from zero, in integers:
// base in cents, rate in hundredths of a percent → base × rate / 10000.
Cents vatOf(Cents base, RateE2 rate) {
  // |base| < 10^14 cents (a trillion euros) keeps the product far inside int64.
  const std::int64_t product = base * static_cast<std::int64_t>(rate);
  const std::int64_t half = product >= 0 ? 5000 : -5000;
  return (product + half) / 10000;
}

bool allDigits(const std::string& s, std::size_t n) {
  return s.size() == n &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

class Checker {
 public:
  void fail(const std::string& id, const std::string& message) { out_.push_back({id, message}); }
  std::vector<Finding> take() { return std::move(out_); }

 private:
  std::vector<Finding> out_;
};

void mandatory(Checker& c, const Invoice& inv) {
  if (inv.number.empty()) c.fail("BR-02", "the invoice number (BT-1) is missing");
  if (inv.issueDate.empty()) c.fail("BR-03", "the issue date (BT-2) is missing");
  if (inv.typeCode.empty()) c.fail("BR-04", "the invoice type code (BT-3) is missing");
  if (inv.currency.empty()) {
    c.fail("BR-05", "the invoice currency (BT-5) is missing");
  } else if (!isIsoCurrency(inv.currency)) {
    c.fail("BR-CL-04", "currency '" + inv.currency + "' is not an ISO 4217 code");
  }
  if (inv.seller.name.empty()) c.fail("BR-06", "the seller name (BT-27) is missing");
  if (inv.buyer.name.empty()) c.fail("BR-07", "the buyer name (BT-44) is missing");
  if (inv.seller.address.countryCode.empty()) {
    c.fail("BR-09", "the seller country code (BT-40) is missing");
  }
  if (inv.buyer.address.countryCode.empty()) {
    c.fail("BR-11", "the buyer country code (BT-55) is missing");
  }
  if (inv.lines.empty()) c.fail("BR-16", "the invoice has no line (BG-25)");
  for (const Line& l : inv.lines) {
    if (l.id.empty()) c.fail("BR-21", "a line has no identifier (BT-126)");
    if (l.unitCode.empty()) c.fail("BR-23", "line " + l.id + " has no unit code (BT-130)");
    if (l.name.empty()) c.fail("BR-25", "line " + l.id + " has no item name (BT-153)");
    if (l.netUnitPrice < 0) c.fail("BR-27", "line " + l.id + " has a negative net price (BT-146)");
  }
  if (inv.seller.vatId.empty() && inv.seller.siren.empty() && inv.seller.siret.empty() &&
      inv.seller.id.empty()) {
    c.fail("BR-CO-26", "the seller has no VAT id, legal registration or identifier (BT-31/30/29)");
  }
  const bool due = inv.totals.duePayable > 0;
  if (due && inv.dueDate.empty() && inv.paymentTerms.empty()) {
    c.fail("BR-CO-25", "an amount is due but neither due date (BT-9) nor terms (BT-20) are given");
  }
  if (inv.payment && (inv.payment->typeCode == "30" || inv.payment->typeCode == "58") &&
      inv.payment->iban.empty()) {
    c.fail("BR-61", "credit transfer payment means without the payee account (BT-84)");
  }
}

void totals(Checker& c, const Invoice& inv) {
  const Totals& t = inv.totals;
  Cents lines = 0;
  for (const Line& l : inv.lines) lines += l.netAmount;
  if (lines != t.lineTotal) {
    c.fail("BR-CO-10",
           "BT-106 " + amount(t.lineTotal) + " != sum of line net amounts " + amount(lines));
  }
  Cents allowances = 0, charges = 0;
  for (const AllowanceCharge& ac : inv.allowancesCharges)
    (ac.charge ? charges : allowances) += ac.amount;
  if (allowances != t.allowanceTotal) {
    c.fail("BR-CO-11",
           "BT-107 " + amount(t.allowanceTotal) + " != sum of allowances " + amount(allowances));
  }
  if (charges != t.chargeTotal) {
    c.fail("BR-CO-12", "BT-108 " + amount(t.chargeTotal) + " != sum of charges " + amount(charges));
  }
  if (t.taxBasisTotal != t.lineTotal - t.allowanceTotal + t.chargeTotal) {
    c.fail("BR-CO-13", "BT-109 " + amount(t.taxBasisTotal) + " != BT-106 - BT-107 + BT-108");
  }
  Cents vat = 0;
  for (const VatBreakdown& v : inv.vat) vat += v.taxAmount;
  if (vat != t.taxTotal) {
    c.fail("BR-CO-14", "BT-110 " + amount(t.taxTotal) + " != sum of VAT breakdowns " + amount(vat));
  }
  if (t.grandTotal != t.taxBasisTotal + t.taxTotal) {
    c.fail("BR-CO-15", "BT-112 " + amount(t.grandTotal) + " != BT-109 + BT-110 " +
                           amount(t.taxBasisTotal + t.taxTotal));
  }
  if (t.duePayable != t.grandTotal - t.prepaid + t.rounding) {
    c.fail("BR-CO-16", "BT-115 " + amount(t.duePayable) + " != BT-112 - BT-113 + BT-114 " +
                           amount(t.grandTotal - t.prepaid + t.rounding));
  }
}

void vatBreakdown(Checker& c, const Invoice& inv) {
  if (inv.vat.empty()) c.fail("BR-CO-18", "the invoice has no VAT breakdown (BG-23)");
  // Expected taxable amount per (category, rate) from lines and document allowances/charges.
  std::map<std::pair<VatCategory, RateE2>, Cents> expected;
  std::set<VatCategory> used;
  for (const Line& l : inv.lines) {
    expected[{l.vatCategory, l.vatCategory == VatCategory::kNotSubject ? 0 : l.vatRate}] +=
        l.netAmount;
    used.insert(l.vatCategory);
  }
  for (const AllowanceCharge& ac : inv.allowancesCharges) {
    const RateE2 r = ac.vatCategory == VatCategory::kNotSubject ? 0 : ac.vatRate;
    expected[{ac.vatCategory, r}] += ac.charge ? ac.amount : -ac.amount;
    used.insert(ac.vatCategory);
  }
  std::set<VatCategory> declared;
  for (const VatBreakdown& v : inv.vat) declared.insert(v.category);
  for (VatCategory cat : used) {
    if (!declared.count(cat)) {
      c.fail(rulePrefix(cat) + "-01", std::string("lines in VAT category ") + categoryCode(cat) +
                                          " but no VAT breakdown for it");
    }
  }
  for (const VatBreakdown& v : inv.vat) {
    const std::string prefix = rulePrefix(v.category);
    const RateE2 r = v.category == VatCategory::kNotSubject ? 0 : v.rate;
    auto it = expected.find({v.category, r});
    const Cents want = it == expected.end() ? 0 : it->second;
    if (v.taxableAmount != want) {
      c.fail(prefix + "-08", std::string("VAT breakdown ") + categoryCode(v.category) + " " +
                                 formatScaled(v.rate, 2) + " %: taxable " +
                                 amount(v.taxableAmount) + " != " + amount(want) +
                                 " from lines and allowances/charges");
    }
    // Same tolerance as the official CII schematron (one currency unit), so an
    // invoice it accepts we accept too; our own billing computes it exactly anyway.
    const Cents computed = vatOf(v.taxableAmount, v.rate);
    if (std::llabs(std::llabs(v.taxAmount) - std::llabs(computed)) > 100) {
      c.fail("BR-CO-17", std::string("VAT breakdown ") + categoryCode(v.category) + ": tax " +
                             amount(v.taxAmount) + " != taxable x rate " + amount(computed));
    }
    if (v.category != VatCategory::kStandard && v.category != VatCategory::kZero &&
        v.category != VatCategory::kCanaryIslands && v.category != VatCategory::kCeutaMelilla &&
        v.taxAmount != 0) {
      c.fail(prefix + "-09", std::string("VAT breakdown ") + categoryCode(v.category) +
                                 " must have a zero tax amount");
    }
    if (needsExemptionReason(v.category) && v.exemptionReason.empty() &&
        v.exemptionReasonCode.empty()) {
      c.fail(prefix + "-10", std::string("VAT breakdown ") + categoryCode(v.category) +
                                 " needs an exemption reason (BT-120/BT-121)");
    }
    if (v.category == VatCategory::kStandard && v.rate <= 0) {
      c.fail("BR-S-09", "standard rated VAT breakdown with a rate <= 0");
    }
  }
}

// "Not subject to VAT" (O) is all or nothing: such an invoice has exactly one O breakdown,
// nothing in another category (BR-O-01, BR-O-11 to 14), and no VAT identifier on either
// side (BR-O-02 to 04). A commune with a VAT identifier therefore cannot bill O services.
void notSubject(Checker& c, const Invoice& inv) {
  bool oUsed = false, otherUsed = false;
  for (const Line& l : inv.lines)
    (l.vatCategory == VatCategory::kNotSubject ? oUsed : otherUsed) = true;
  bool oAcUsed = false, otherAllowance = false, otherCharge = false;
  for (const AllowanceCharge& ac : inv.allowancesCharges) {
    if (ac.vatCategory == VatCategory::kNotSubject) {
      oAcUsed = true;
    } else {
      (ac.charge ? otherCharge : otherAllowance) = true;
    }
  }
  const auto oBreakdowns = std::count_if(inv.vat.begin(), inv.vat.end(), [](const VatBreakdown& v) {
    return v.category == VatCategory::kNotSubject;
  });
  if ((oUsed || oAcUsed) && oBreakdowns != 1) {
    c.fail("BR-O-01", "lines in VAT category O need exactly one O VAT breakdown, not " +
                          std::to_string(oBreakdowns));
  }
  if (oUsed && (!inv.seller.vatId.empty() || !inv.buyer.vatId.empty())) {
    c.fail("BR-O-02",
           "lines in VAT category O (not subject) with a seller or buyer VAT identifier "
           "(BT-31/BT-48)");
  }
  if (oAcUsed && (!inv.seller.vatId.empty() || !inv.buyer.vatId.empty())) {
    c.fail("BR-O-03", "allowances or charges in VAT category O with a VAT identifier");
  }
  if (oBreakdowns == 0) return;
  if (static_cast<std::size_t>(oBreakdowns) != inv.vat.size()) {
    c.fail("BR-O-11", "a VAT breakdown O (not subject) next to breakdowns of other categories");
  }
  if (otherUsed) {
    c.fail("BR-O-12", "a VAT breakdown O (not subject) next to lines of other categories");
  }
  if (otherAllowance) {
    c.fail("BR-O-13", "a VAT breakdown O (not subject) next to allowances of other categories");
  }
  if (otherCharge) {
    c.fail("BR-O-14", "a VAT breakdown O (not subject) next to charges of other categories");
  }
}

void french(Checker& c, const Invoice& inv) {
  const Party& s = inv.seller;
  if (!allDigits(s.siren, 9) || s.sirenScheme != "0002") {
    c.fail("BR-FR-10_BT-30", "the seller SIREN (BT-30, scheme 0002) must be 9 digits");
  }
  for (const Party* p : {&inv.seller, &inv.buyer}) {
    if (!p->siret.empty() && p->siretScheme == "0009" &&
        !(allDigits(p->siret, 14) && p->siret.compare(0, 9, p->siren) == 0)) {
      c.fail(p == &inv.seller ? "BR-FR-09_BT-29" : "BR-FR-09_BT-46",
             "SIRET " + p->siret + " is not 14 digits starting with the SIREN " + p->siren);
    }
  }
  for (const char* code : {"PMT", "PMD", "AAB"}) {
    auto n = std::count_if(inv.subjectNotes.begin(), inv.subjectNotes.end(),
                           [&](const Note& note) { return note.subjectCode == code; });
    if (n == 0) c.fail(std::string("BR-FR-05_BT-22_") + code, std::string("no note ") + code);
    if (n > 1) c.fail(std::string("BR-FR-06_BT-21_") + code, std::string("several notes ") + code);
  }
  static const std::set<std::string> kModes{"B1", "S1", "M1", "B2", "S2", "M2", "S3",
                                            "B4", "S4", "M4", "S5", "S6", "B7", "S7",
                                            "B8", "S8", "M8", "B9", "S9", "M9"};
  if (!kModes.count(inv.businessProcess)) {
    c.fail("BR-FR-08_BT-23", "billing mode (BT-23) '" + inv.businessProcess + "' is not allowed");
  }
  if (inv.buyer.email.empty()) c.fail("BR-FR-12_BT-49", "the buyer electronic address is missing");
  if (inv.seller.email.empty())
    c.fail("BR-FR-13_BT-34", "the seller electronic address is missing");
}

}  // namespace

std::vector<Finding> prevalidate(const Invoice& invoice, const PrevalidateOptions& options) {
  Checker c;
  mandatory(c, invoice);
  totals(c, invoice);
  vatBreakdown(c, invoice);
  notSubject(c, invoice);
  if (options.frenchRules) french(c, invoice);
  return c.take();
}

std::string describe(const std::vector<Finding>& findings) {
  std::string out;
  for (const Finding& f : findings) {
    if (!out.empty()) out += "; ";
    out += f.ruleId + ": " + f.message;
  }
  return out;
}

}  // namespace parc::modules::facturation::facturx
