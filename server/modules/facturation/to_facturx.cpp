#include "server/modules/facturation/to_facturx.h"

#include "server/modules/facturation/vat_rules.h"

namespace parc::modules::facturation {

namespace {

facturx::VatCategory category(VatCategory c) {
  switch (c) {
    case VatCategory::kStandard: return facturx::VatCategory::kStandard;
    case VatCategory::kZero: return facturx::VatCategory::kZero;
    case VatCategory::kExempt: return facturx::VatCategory::kExempt;
    case VatCategory::kNotSubject: return facturx::VatCategory::kNotSubject;
  }
  return facturx::VatCategory::kExempt;
}

std::string text(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A public body paying (Chorus Pro, French CTC): identified by SIRET (0009) and SIREN
// (0002), electronic addresses by SIREN (scheme 0225, as the PPF directory addresses
// them), its service code (BT-10) and commitment number (BT-13), billing mode S1 (services,
// BT-23), and the payment notes BR-FR-05 requires (PMT, PMD, AAB): the délai global de
// paiement of public buyers (CCP R2192-10 ff.) with its interest and 40 € indemnity.
void addPublicBuyer(facturx::Invoice& out, const Json& b) {
  out.buyer.siret = text(b, "siret");
  out.buyer.siren = out.buyer.siret.substr(0, 9);
  out.buyer.email = out.buyer.siren;
  out.buyer.emailScheme = "0225";
  if (!out.seller.siren.empty()) {
    out.seller.email = out.seller.siren;
    out.seller.emailScheme = "0225";
  }
  out.buyerReference = text(b, "service_code");
  out.purchaseOrderReference = text(b, "engagement");
  out.businessProcess = "S1";
  out.subjectNotes = {
      {"PMT",
       "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : "
       "40 €."},
      {"PMD",
       "Intérêts moratoires en cas de dépassement du délai global de paiement : taux de "
       "la Banque centrale européenne majoré de huit points."},
      {"AAB", "Pas d'escompte pour paiement anticipé."},
  };
}

}  // namespace

bool isPublicBuyer(const Invoice& inv) {
  return !text(inv.payer, "siret").empty();
}

facturx::Invoice toFacturx(const Invoice& inv) {
  facturx::Invoice out;
  out.number = inv.number;
  out.typeCode = inv.typeCode;
  out.issueDate = inv.issueDate;
  out.dueDate = inv.typeCode == "380" ? inv.dueDate : "";
  out.periodStart = inv.month + "-01";
  out.periodEnd = inv.month + "-" + std::to_string(daysInMonth(inv.month));
  out.precedingInvoice = inv.precedingNumber;
  out.precedingInvoiceDate = inv.precedingDate;
  out.notes = inv.notes;

  const Json& s = inv.seller;
  out.seller.name = text(s, "legal_name");
  out.seller.siret = text(s, "siret");
  out.seller.siren = out.seller.siret.size() == 14 ? out.seller.siret.substr(0, 9) : "";
  out.seller.vatId = text(s, "vat_id");
  out.seller.address = {text(s, "address_line1"), text(s, "address_line2"), text(s, "postcode"),
                        text(s, "city"), "FR"};
  out.seller.email = text(s, "email");
  out.seller.contactName = text(s, "ordonnateur_name");

  const Json& b = inv.payer;
  out.buyer.name = text(b, "name");
  out.buyer.address = {text(b, "address_line1"), text(b, "address_line2"), text(b, "postcode"),
                       text(b, "city"),
                       text(b, "country_code").empty() ? "FR" : text(b, "country_code")};
  out.buyer.email = text(b, "email");
  if (isPublicBuyer(inv)) addPublicBuyer(out, b);

  std::vector<DraftLine> lines;
  for (const auto& l : inv.lines) {
    facturx::Line x;
    x.id = std::to_string(l.position);
    x.name = l.line.label;
    x.description = l.line.description;
    x.quantity = l.line.quantity;
    x.unitCode = l.line.unitCode;
    x.netUnitPrice = l.line.unitPrice;
    x.netAmount = l.line.netAmount;
    x.vatCategory = category(l.line.vatCategory);
    x.vatRate = l.line.vatRate;
    x.periodStart = l.line.periodStart;
    x.periodEnd = l.line.periodEnd;
    out.lines.push_back(x);
    lines.push_back(l.line);
  }
  Totals t = computeTotals(lines);
  if (!inv.vat.empty()) {  // as issued: a credit note's VAT may be capped (vat_rules.h)
    t.vat = inv.vat;
    t.tax = 0;
    for (const auto& v : t.vat) t.tax += v.tax;
    t.total = t.lines + t.tax;
  }
  for (const auto& v : t.vat) {
    facturx::VatBreakdown x;
    x.category = category(v.category);
    x.rate = v.rate;
    x.taxableAmount = v.base;
    x.taxAmount = v.tax;
    if (auto mention = vatMention(v.category)) {  // BT-120 and BT-121, consistent
      x.exemptionReason = mention->reason;
      x.exemptionReasonCode = mention->code;
    }
    out.vat.push_back(x);
  }
  out.totals.lineTotal = t.lines;
  out.totals.taxBasisTotal = t.lines;
  out.totals.taxTotal = t.tax;
  out.totals.grandTotal = t.total;
  out.totals.prepaid = 0;
  out.totals.duePayable = t.total;

  if (inv.typeCode == "380") {
    facturx::PaymentMeans pm;
    if (!text(b, "mandate_reference").empty() && !text(s, "sepa_creditor_id").empty()) {
      pm.typeCode = "59";  // SEPA direct debit from the family's account
      pm.iban = text(b, "iban");
      pm.mandateReference = text(b, "mandate_reference");
      pm.creditorId = text(s, "sepa_creditor_id");
    } else {
      pm.typeCode = "30";  // credit transfer to the town hall's account
      pm.iban = text(s, "iban");
      pm.bic = text(s, "bic");
    }
    pm.remittanceInfo = inv.number;
    if (!pm.iban.empty()) out.payment = pm;
    out.paymentTerms =
        "À régler au plus tard le " + inv.dueDate + " auprès de la régie ou du comptable public.";
  } else {
    // BR-CO-25: a positive amount (a credit note's, too) needs a due date or terms.
    out.paymentTerms =
        "Avoir imputé sur les sommes restant dues, ou remboursé par le "
        "comptable public.";
  }
  return out;
}

}  // namespace parc::modules::facturation
