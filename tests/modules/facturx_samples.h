#pragma once
// Invoices the facturx tests generate: what the facturation module will emit for
// families (exempt canteen, rated water, credit note, direct debit) and a B2G invoice.
#include <map>
#include <string>
#include <utility>

#include "server/modules/facturation/facturx/invoice.h"

namespace parc::modules::facturation::facturx::samples {

inline Line line(std::string id, std::string name, QuantityE3 qty, PriceE4 price,
                 VatCategory cat = VatCategory::kExempt, RateE2 rate = 0) {
  Line l;
  l.id = std::move(id);
  l.name = std::move(name);
  l.quantity = qty;
  l.netUnitPrice = price;
  l.vatCategory = cat;
  l.vatRate = rate;
  // qty (3 decimals) × price (4 decimals) = 7 decimals → cents, half away from zero.
  const std::int64_t p = qty * price;
  l.netAmount = (p + (p >= 0 ? 50'000 : -50'000)) / 100'000;
  return l;
}

/// Per-line rounding, then breakdown per (category, rate), then the totals (BR-CO-*).
inline void computeTotals(Invoice& inv) {
  std::map<std::pair<VatCategory, RateE2>, Cents> bases;
  inv.totals = {};
  for (const Line& l : inv.lines) {
    inv.totals.lineTotal += l.netAmount;
    bases[{l.vatCategory, l.vatRate}] += l.netAmount;
  }
  inv.vat.clear();
  for (const auto& [key, base] : bases) {
    VatBreakdown v;
    v.category = key.first;
    v.rate = key.second;
    v.taxableAmount = base;
    const std::int64_t p = base * key.second;
    v.taxAmount = (p + (p >= 0 ? 5000 : -5000)) / 10000;
    if (v.category == VatCategory::kExempt) {
      v.exemptionReason = "Exonération de TVA : article 261 du CGI";
      v.exemptionReasonCode = "VATEX-EU-132";
    }
    inv.totals.taxTotal += v.taxAmount;
    inv.vat.push_back(v);
  }
  inv.totals.taxBasisTotal = inv.totals.lineTotal;
  inv.totals.grandTotal = inv.totals.taxBasisTotal + inv.totals.taxTotal;
  inv.totals.duePayable = inv.totals.grandTotal - inv.totals.prepaid;
}

inline Party commune() {
  Party p;
  p.name = "Commune de Saint-Exemple";
  p.siren = "213105554";
  p.siret = "21310555400017";
  p.vatId = "FR83213105554";
  p.address = {"Mairie", "1 place de la République", "31000", "Saint-Exemple", "FR"};
  p.email = "213105554";
  p.emailScheme = "0225";
  return p;
}

inline Party family() {
  Party p;
  p.name = "Famille Dupont-Martin";
  p.address = {"12 rue des Écoles", "Appartement 3 & 4", "31000", "Saint-Exemple", "FR"};
  p.email = "dupont.martin@example.org";
  p.emailScheme = "EM";
  return p;
}

inline Invoice base(std::string number) {
  Invoice inv;
  inv.number = std::move(number);
  inv.issueDate = "2026-02-02";
  inv.dueDate = "2026-03-02";
  inv.periodStart = "2026-01-01";
  inv.periodEnd = "2026-01-31";
  inv.seller = commune();
  inv.buyer = family();
  inv.notes = {
      "Voies et délais de recours : dans un délai de deux mois à compter de la "
      "réception, devant le tribunal judiciaire ou administratif compétent "
      "(CGCT art. L1617-5)."};
  inv.payment = PaymentMeans{};
  inv.payment->typeCode = "30";
  inv.payment->iban = "FR7630001007941234567890185";
  inv.payment->bic = "BDFEFRPPCCT";
  inv.payment->remittanceInfo = "PAYFIP-2026-000123";
  inv.paymentTerms = "Paiement à réception, par virement, PayFiP ou au guichet de la régie.";
  return inv;
}

/// Canteen and garderie, outside VAT (E), paid by transfer or PayFiP.
inline Invoice canteenExempt() {
  Invoice inv = base("FAC-2026-000001");
  inv.lines.push_back(
      line("1", "Restauration scolaire — repas enfant (QF tranche 2)", 12'000, 31'000));
  inv.lines.push_back(line("2", "Garderie du matin", 8'000, 15'000));
  inv.lines.push_back(line("3", "Garderie du soir (tarif 1/3 h)", 7'000, 8'333));
  computeTotals(inv);
  return inv;
}

// `inv` with every line but `keep` made "not subject to VAT" (category O), totals
// recomputed and the O breakdown given its reason: the O rules' test material.
inline Invoice notSubject(Invoice inv, std::size_t keep) {
  for (std::size_t i = 0; i < inv.lines.size(); ++i)
    if (i != keep) inv.lines[i].vatCategory = VatCategory::kNotSubject;
  computeTotals(inv);
  for (auto& v : inv.vat)
    if (v.category == VatCategory::kNotSubject) {
      v.exemptionReason = "TVA non applicable, article 256 B du CGI";
      v.exemptionReasonCode = "VATEX-EU-O";
    }
  return inv;
}

/// Water bill: drinking water 5.5 %, subscription 20 %.
inline Invoice mixedRates() {
  Invoice inv = base("FAC-2026-000002");
  inv.lines.push_back(
      line("1", "Eau potable — consommation", 87'000, 20'512, VatCategory::kStandard, 550));
  inv.lines.back().unitCode = "MTQ";
  inv.lines.push_back(
      line("2", "Abonnement compteur", 1'000, 450'000, VatCategory::kStandard, 2000));
  inv.lines.push_back(line("3", "Location compteur", 1'000, 12'345, VatCategory::kStandard, 2000));
  computeTotals(inv);
  return inv;
}

/// Credit note for two canteen meals billed on an absence with justification.
inline Invoice creditNote() {
  Invoice inv = base("AV-2026-000001");
  inv.typeCode = "381";
  inv.precedingInvoice = "FAC-2026-000001";
  inv.precedingInvoiceDate = "2026-02-02";
  inv.lines.push_back(line("1", "Repas non consommés (absence justifiée)", 2'000, 31'000));
  inv.paymentTerms = "Montant déduit de la prochaine facture.";
  computeTotals(inv);
  return inv;
}

/// SEPA direct debit (59): the family's account, mandate and creditor identifier.
inline Invoice directDebit() {
  Invoice inv = canteenExempt();
  inv.number = "FAC-2026-000003";
  inv.payment = PaymentMeans{};
  inv.payment->typeCode = "59";
  inv.payment->iban = "FR7611808009101234567890147";
  inv.payment->mandateReference = "RUM-2025-00042";
  inv.payment->creditorId = "FR12ZZZ123456";
  inv.paymentTerms = "Prélèvement SEPA à l'échéance.";
  return inv;
}

/// Commune → public body (Chorus Pro): buyer SIRET + service code, French CTC notes.
inline Invoice b2g() {
  Invoice inv = base("FAC-2026-000004");
  inv.businessProcess = "S1";
  inv.buyer = Party{};
  inv.buyer.name = "Syndicat intercommunal des eaux";
  inv.buyer.siren = "253100778";
  inv.buyer.siret = "25310077800011";
  inv.buyer.address = {"2 allée des Sources", "", "31000", "Saint-Exemple", "FR"};
  inv.buyer.email = "253100778";
  inv.buyer.emailScheme = "0225";
  inv.buyerReference = "SERVICE-FINANCES";
  inv.notes.clear();
  inv.subjectNotes = {
      {"PMT", "Indemnité forfaitaire pour frais de recouvrement : 40 €."},
      {"PMD", "Pénalités de retard : taux d'intérêt légal majoré de 8 points."},
      {"AAB", "Pas d'escompte pour paiement anticipé."},
  };
  inv.lines.push_back(line("1", "Mise à disposition de personnel (heures)", 35'500, 225'000));
  inv.lines.back().unitCode = "HUR";
  computeTotals(inv);
  return inv;
}

}  // namespace parc::modules::facturation::facturx::samples
