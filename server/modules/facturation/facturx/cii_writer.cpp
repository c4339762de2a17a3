#include "server/modules/facturation/facturx/cii_writer.h"

#include "common/error.h"
#include "server/modules/facturation/facturx/codes.h"
#include "server/modules/facturation/facturx/prevalidate.h"
#include "server/modules/facturation/facturx/xml_handles.h"

namespace parc::modules::facturation::facturx {
namespace {

using detail::x;

// Builds the tree; element order follows the Factur-X EN16931 XSD sequences exactly.
class Builder {
 public:
  Builder() : doc_(xmlNewDoc(x("1.0"))) {
    if (!doc_) throw Error(ErrorKind::kInternal, "libxml2: cannot allocate a document");
    root_ = xmlNewNode(nullptr, x("CrossIndustryInvoice"));
    xmlDocSetRootElement(doc_.get(), root_);
    rsm_ = xmlNewNs(root_, x(detail::kNsRsm), x("rsm"));
    qdt_ = xmlNewNs(root_, x(detail::kNsQdt), x("qdt"));
    ram_ = xmlNewNs(root_, x(detail::kNsRam), x("ram"));
    udt_ = xmlNewNs(root_, x(detail::kNsUdt), x("udt"));
    xmlSetNs(root_, rsm_);
  }

  xmlNode* root() const { return root_; }
  xmlNode* rsm(xmlNode* parent, const char* name) {
    return xmlNewChild(parent, rsm_, x(name), nullptr);
  }
  xmlNode* el(xmlNode* parent, const char* name) {
    return xmlNewChild(parent, ram_, x(name), nullptr);
  }
  // xmlNewTextChild escapes its content (&, <) — xmlNewChild would not.
  xmlNode* text(xmlNode* parent, const char* name, const std::string& value) {
    return xmlNewTextChild(parent, ram_, x(name), x(value));
  }
  void textIf(xmlNode* parent, const char* name, const std::string& value) {
    if (!value.empty()) text(parent, name, value);
  }
  xmlNode* textAttr(xmlNode* parent, const char* name, const std::string& value, const char* attr,
                    const std::string& attrValue) {
    xmlNode* n = text(parent, name, value);
    if (!attrValue.empty()) xmlNewProp(n, x(attr), x(attrValue));
    return n;
  }
  // udt:DateTimeString format 102 (CCYYMMDD) from our YYYY-MM-DD.
  void date(xmlNode* parent, const char* name, const std::string& isoDate, bool qualified = false) {
    xmlNode* wrapper = el(parent, name);
    std::string compact;
    for (char c : isoDate) {
      if (c != '-') compact += c;
    }
    xmlNode* s = xmlNewTextChild(wrapper, qualified ? qdt_ : udt_, x("DateTimeString"), x(compact));
    xmlNewProp(s, x("format"), x("102"));
  }
  void indicator(xmlNode* parent, bool value) {
    xmlNode* w = el(parent, "ChargeIndicator");
    xmlNewTextChild(w, udt_, x("Indicator"), x(value ? "true" : "false"));
  }

  std::string serialize() {
    xmlChar* raw = nullptr;
    int size = 0;
    xmlDocDumpFormatMemoryEnc(doc_.get(), &raw, &size, "UTF-8", 1);
    detail::XmlCharPtr owned(raw);
    if (!raw) throw Error(ErrorKind::kInternal, "libxml2: cannot serialise the invoice");
    return {reinterpret_cast<const char*>(raw), static_cast<std::size_t>(size)};
  }

 private:
  detail::DocPtr doc_;
  xmlNode* root_ = nullptr;
  xmlNs* rsm_ = nullptr;
  xmlNs* ram_ = nullptr;
  xmlNs* udt_ = nullptr;
  xmlNs* qdt_ = nullptr;
};

std::string money(Cents c) {
  return formatScaled(c, 2);
}
std::string rate(RateE2 r) {
  return formatScaled(r, 2);
}
std::string quantity(QuantityE3 q) {
  return formatScaled(q, 3);
}

// BT-149 held in millionths, printed with 4 decimals unless more are needed (BR-FR-DEC-02
// allows at most 4; a base of 0.00101 still needs its 5).
std::string baseQuantity(std::int64_t e6) {
  std::string s = formatScaled(e6, 6);
  for (int dropped = 0; dropped < 2 && s.back() == '0'; ++dropped) s.pop_back();
  return s;
}

// The O category carries no rate (BR-O-05, BR-O-10 …); every other one does.
bool hasRate(VatCategory c) {
  return c != VatCategory::kNotSubject;
}

void writeParty(Builder& b, xmlNode* parent, const char* name, const Party& p, bool seller) {
  xmlNode* party = b.el(parent, name);
  b.textIf(party, "ID", p.id);
  if (!p.siret.empty()) b.textAttr(party, "GlobalID", p.siret, "schemeID", p.siretScheme);
  b.text(party, "Name", p.name);
  if (!p.siren.empty() || !p.tradingName.empty()) {
    xmlNode* legal = b.el(party, "SpecifiedLegalOrganization");
    if (!p.siren.empty()) b.textAttr(legal, "ID", p.siren, "schemeID", p.sirenScheme);
    b.textIf(legal, "TradingBusinessName", p.tradingName);
  }
  if (!p.contactName.empty() || !p.contactPhone.empty() || !p.contactEmail.empty()) {
    xmlNode* contact = b.el(party, "DefinedTradeContact");
    b.textIf(contact, "PersonName", p.contactName);
    if (!p.contactPhone.empty()) {
      b.text(b.el(contact, "TelephoneUniversalCommunication"), "CompleteNumber", p.contactPhone);
    }
    if (!p.contactEmail.empty()) {
      b.text(b.el(contact, "EmailURIUniversalCommunication"), "URIID", p.contactEmail);
    }
  }
  const Address& a = p.address;
  // Seller and buyer always have one (BR-08/BR-10, country checked by BR-09/BR-11); a
  // deliver-to party may have none, and an empty CountryID would break BR-57.
  if (!a.postcode.empty() || !a.line1.empty() || !a.line2.empty() || !a.city.empty() ||
      !a.countryCode.empty()) {
    xmlNode* address = b.el(party, "PostalTradeAddress");
    b.textIf(address, "PostcodeCode", a.postcode);
    b.textIf(address, "LineOne", a.line1);
    b.textIf(address, "LineTwo", a.line2);
    b.textIf(address, "CityName", a.city);
    b.textIf(address, "CountryID", a.countryCode);
  }
  if (!p.email.empty()) {
    b.textAttr(b.el(party, "URIUniversalCommunication"), "URIID", p.email, "schemeID",
               p.emailScheme);
  }
  if (!p.vatId.empty()) {
    b.textAttr(b.el(party, "SpecifiedTaxRegistration"), "ID", p.vatId, "schemeID", "VA");
  }
  if (seller && !p.taxRegistrationId.empty()) {
    b.textAttr(b.el(party, "SpecifiedTaxRegistration"), "ID", p.taxRegistrationId, "schemeID",
               "FC");
  }
}

void writePeriod(Builder& b, xmlNode* parent, const std::string& start, const std::string& end) {
  if (start.empty() && end.empty()) return;
  xmlNode* period = b.el(parent, "BillingSpecifiedPeriod");
  if (!start.empty()) b.date(period, "StartDateTime", start);
  if (!end.empty()) b.date(period, "EndDateTime", end);
}

void writeLine(Builder& b, xmlNode* transaction, const Line& line) {
  xmlNode* item = b.el(transaction, "IncludedSupplyChainTradeLineItem");
  xmlNode* doc = b.el(item, "AssociatedDocumentLineDocument");
  b.text(doc, "LineID", line.id);
  if (!line.note.empty()) b.text(b.el(doc, "IncludedNote"), "Content", line.note);

  xmlNode* product = b.el(item, "SpecifiedTradeProduct");
  b.textIf(product, "SellerAssignedID", line.sellerItemId);
  b.text(product, "Name", line.name);
  b.textIf(product, "Description", line.description);

  xmlNode* agreement = b.el(item, "SpecifiedLineTradeAgreement");
  xmlNode* price = b.el(agreement, "NetPriceProductTradePrice");
  b.text(price, "ChargeAmount", formatScaled(line.netUnitPrice, 4));
  if (line.priceBaseQuantityE6 != 0) {
    b.textAttr(price, "BasisQuantity", baseQuantity(line.priceBaseQuantityE6), "unitCode",
               line.unitCode);
  }

  xmlNode* delivery = b.el(item, "SpecifiedLineTradeDelivery");
  b.textAttr(delivery, "BilledQuantity", quantity(line.quantity), "unitCode", line.unitCode);

  xmlNode* settlement = b.el(item, "SpecifiedLineTradeSettlement");
  xmlNode* tax = b.el(settlement, "ApplicableTradeTax");
  b.text(tax, "TypeCode", "VAT");
  b.text(tax, "CategoryCode", categoryCode(line.vatCategory));
  if (hasRate(line.vatCategory)) b.text(tax, "RateApplicablePercent", rate(line.vatRate));
  writePeriod(b, settlement, line.periodStart, line.periodEnd);
  b.text(b.el(settlement, "SpecifiedTradeSettlementLineMonetarySummation"), "LineTotalAmount",
         money(line.netAmount));
}

void writeAllowanceCharge(Builder& b, xmlNode* settlement, const AllowanceCharge& ac) {
  xmlNode* node = b.el(settlement, "SpecifiedTradeAllowanceCharge");
  b.indicator(node, ac.charge);
  if (ac.percent) b.text(node, "CalculationPercent", rate(*ac.percent));
  if (ac.baseAmount) b.text(node, "BasisAmount", money(*ac.baseAmount));
  b.text(node, "ActualAmount", money(ac.amount));
  b.textIf(node, "ReasonCode", ac.reasonCode);
  b.textIf(node, "Reason", ac.reason);
  xmlNode* tax = b.el(node, "CategoryTradeTax");
  b.text(tax, "TypeCode", "VAT");
  b.text(tax, "CategoryCode", categoryCode(ac.vatCategory));
  if (hasRate(ac.vatCategory)) b.text(tax, "RateApplicablePercent", rate(ac.vatRate));
}

void writeSettlement(Builder& b, xmlNode* transaction, const Invoice& inv) {
  xmlNode* s = b.el(transaction, "ApplicableHeaderTradeSettlement");
  if (inv.payment) {
    b.textIf(s, "CreditorReferenceID", inv.payment->creditorId);
    b.textIf(s, "PaymentReference", inv.payment->remittanceInfo);
  }
  b.textIf(s, "TaxCurrencyCode", inv.taxCurrency);
  b.text(s, "InvoiceCurrencyCode", inv.currency);
  if (inv.payment) {
    const PaymentMeans& pm = *inv.payment;
    xmlNode* means = b.el(s, "SpecifiedTradeSettlementPaymentMeans");
    b.text(means, "TypeCode", pm.typeCode);
    const bool directDebit = pm.typeCode == "59" || pm.typeCode == "49";
    if (!pm.iban.empty()) {
      if (directDebit) {
        b.text(b.el(means, "PayerPartyDebtorFinancialAccount"), "IBANID", pm.iban);
      } else {
        xmlNode* account = b.el(means, "PayeePartyCreditorFinancialAccount");
        b.text(account, "IBANID", pm.iban);
        b.textIf(account, "AccountName", inv.accountName);
      }
    }
    if (!pm.bic.empty()) {
      b.text(b.el(means, "PayeeSpecifiedCreditorFinancialInstitution"), "BICID", pm.bic);
    }
  }
  for (const VatBreakdown& v : inv.vat) {
    xmlNode* tax = b.el(s, "ApplicableTradeTax");
    b.text(tax, "CalculatedAmount", money(v.taxAmount));
    b.text(tax, "TypeCode", "VAT");
    b.textIf(tax, "ExemptionReason", v.exemptionReason);
    b.text(tax, "BasisAmount", money(v.taxableAmount));
    b.text(tax, "CategoryCode", categoryCode(v.category));
    b.textIf(tax, "ExemptionReasonCode", v.exemptionReasonCode);
    if (hasRate(v.category)) b.text(tax, "RateApplicablePercent", rate(v.rate));
  }
  writePeriod(b, s, inv.periodStart, inv.periodEnd);
  for (const AllowanceCharge& ac : inv.allowancesCharges) writeAllowanceCharge(b, s, ac);
  const bool mandate = inv.payment && !inv.payment->mandateReference.empty();
  if (!inv.paymentTerms.empty() || !inv.dueDate.empty() || mandate) {
    xmlNode* terms = b.el(s, "SpecifiedTradePaymentTerms");
    b.textIf(terms, "Description", inv.paymentTerms);
    if (!inv.dueDate.empty()) b.date(terms, "DueDateDateTime", inv.dueDate);
    if (mandate) b.text(terms, "DirectDebitMandateID", inv.payment->mandateReference);
  }
  const Totals& t = inv.totals;
  xmlNode* sum = b.el(s, "SpecifiedTradeSettlementHeaderMonetarySummation");
  b.text(sum, "LineTotalAmount", money(t.lineTotal));
  b.text(sum, "ChargeTotalAmount", money(t.chargeTotal));
  b.text(sum, "AllowanceTotalAmount", money(t.allowanceTotal));
  b.text(sum, "TaxBasisTotalAmount", money(t.taxBasisTotal));
  b.textAttr(sum, "TaxTotalAmount", money(t.taxTotal), "currencyID", inv.currency);
  if (t.taxTotalInTaxCurrency && !inv.taxCurrency.empty()) {
    b.textAttr(sum, "TaxTotalAmount", money(*t.taxTotalInTaxCurrency), "currencyID",
               inv.taxCurrency);
  }
  if (t.rounding != 0) b.text(sum, "RoundingAmount", money(t.rounding));
  b.text(sum, "GrandTotalAmount", money(t.grandTotal));
  b.text(sum, "TotalPrepaidAmount", money(t.prepaid));
  b.text(sum, "DuePayableAmount", money(t.duePayable));
  if (!inv.precedingInvoice.empty()) {
    xmlNode* ref = b.el(s, "InvoiceReferencedDocument");
    b.text(ref, "IssuerAssignedID", inv.precedingInvoice);
    if (!inv.precedingInvoiceDate.empty()) {
      b.date(ref, "FormattedIssueDateTime", inv.precedingInvoiceDate, /*qualified=*/true);
    }
  }
}

}  // namespace

std::string writeCii(const Invoice& inv, const WriteOptions& options) {
  if (options.prevalidate) {
    auto findings = prevalidate(inv, {options.frenchRules});
    if (!findings.empty()) {
      throw Error(ErrorKind::kBadRequest,
                  "invoice " + inv.number + " breaks EN 16931 rules: " + describe(findings));
    }
  }
  Builder b;
  xmlNode* context = b.rsm(b.root(), "ExchangedDocumentContext");
  if (!inv.businessProcess.empty()) {
    b.text(b.el(context, "BusinessProcessSpecifiedDocumentContextParameter"), "ID",
           inv.businessProcess);
  }
  b.text(b.el(context, "GuidelineSpecifiedDocumentContextParameter"), "ID", kGuidelineEn16931);

  xmlNode* document = b.rsm(b.root(), "ExchangedDocument");
  b.text(document, "ID", inv.number);
  b.text(document, "TypeCode", inv.typeCode);
  b.date(document, "IssueDateTime", inv.issueDate);
  for (const std::string& note : inv.notes) b.text(b.el(document, "IncludedNote"), "Content", note);
  for (const Note& note : inv.subjectNotes) {
    xmlNode* n = b.el(document, "IncludedNote");
    b.text(n, "Content", note.content);
    b.textIf(n, "SubjectCode", note.subjectCode);
  }

  xmlNode* transaction = b.rsm(b.root(), "SupplyChainTradeTransaction");
  for (const Line& line : inv.lines) writeLine(b, transaction, line);

  xmlNode* agreement = b.el(transaction, "ApplicableHeaderTradeAgreement");
  b.textIf(agreement, "BuyerReference", inv.buyerReference);
  writeParty(b, agreement, "SellerTradeParty", inv.seller, /*seller=*/true);
  writeParty(b, agreement, "BuyerTradeParty", inv.buyer, /*seller=*/false);
  if (!inv.purchaseOrderReference.empty()) {
    b.text(b.el(agreement, "BuyerOrderReferencedDocument"), "IssuerAssignedID",
           inv.purchaseOrderReference);
  }
  if (!inv.contractReference.empty()) {
    b.text(b.el(agreement, "ContractReferencedDocument"), "IssuerAssignedID",
           inv.contractReference);
  }

  xmlNode* delivery = b.el(transaction, "ApplicableHeaderTradeDelivery");
  if (inv.deliverTo) writeParty(b, delivery, "ShipToTradeParty", *inv.deliverTo, false);
  if (!inv.deliveryDate.empty()) {
    b.date(b.el(delivery, "ActualDeliverySupplyChainEvent"), "OccurrenceDateTime",
           inv.deliveryDate);
  }
  writeSettlement(b, transaction, inv);
  return b.serialize();
}

}  // namespace parc::modules::facturation::facturx
