#include "server/modules/facturation/facturx/cii_reader.h"

#include <libxml/parser.h>

#include <cstring>
#include <set>
#include <unordered_set>

#include "common/error.h"
#include "server/modules/facturation/facturx/codes.h"
#include "server/modules/facturation/facturx/xml_handles.h"

namespace parc::modules::facturation::facturx {
namespace {

using detail::x;

bool isElement(const xmlNode* n, const char* name) {
  return n && n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, x(name));
}

std::string trim(std::string s) {
  const char* ws = " \t\r\n";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

std::string pathOf(const xmlNode* n) {
  std::string path;
  for (; n && n->type == XML_ELEMENT_NODE; n = n->parent) {
    std::string step = reinterpret_cast<const char*>(n->name);
    if (n->ns && n->ns->prefix) step = reinterpret_cast<const char*>(n->ns->prefix) + (":" + step);
    path = "/" + step + path;
  }
  return path;
}

// Reads the tree and remembers every element it consumed, so the leftovers can be listed.
class Reader {
 public:
  const xmlNode* child(const xmlNode* parent, const char* name) {
    if (!parent) return nullptr;
    for (const xmlNode* c = parent->children; c; c = c->next) {
      if (isElement(c, name)) return mark(c);
    }
    return nullptr;
  }
  std::vector<const xmlNode*> children(const xmlNode* parent, const char* name) {
    std::vector<const xmlNode*> out;
    if (!parent) return out;
    for (const xmlNode* c = parent->children; c; c = c->next) {
      if (isElement(c, name)) out.push_back(mark(c));
    }
    return out;
  }
  std::string text(const xmlNode* n) {
    if (!n) return {};
    mark(n);
    detail::XmlCharPtr content(xmlNodeGetContent(n));
    return content ? trim(reinterpret_cast<const char*>(content.get())) : std::string();
  }
  std::string text(const xmlNode* parent, const char* name) { return text(child(parent, name)); }
  static std::string attr(const xmlNode* n, const char* name) {
    if (!n) return {};
    detail::XmlCharPtr v(xmlGetProp(n, x(name)));
    return v ? trim(reinterpret_cast<const char*>(v.get())) : std::string();
  }

  std::int64_t scaled(const xmlNode* n, int decimals, const char* what) {
    const std::string t = text(n);
    auto v = parseScaled(t, decimals);
    if (!v) {
      throw Error(ErrorKind::kBadRequest, std::string("CII: ") + what + " '" + t + "' at " +
                                              pathOf(n) + " is not a decimal with at most " +
                                              std::to_string(decimals) + " decimals");
    }
    return *v;
  }
  std::int64_t scaled(const xmlNode* parent, const char* name, int decimals, const char* what) {
    const xmlNode* n = child(parent, name);
    return n ? scaled(n, decimals, what) : 0;
  }
  // <x><udt:DateTimeString format="102">20260131</…></x> → 2026-01-31.
  std::string date(const xmlNode* wrapper) {
    const xmlNode* s = child(wrapper, "DateTimeString");
    if (!s) return {};
    const std::string v = text(s);
    const std::string format = attr(s, "format");
    if (format != "102" || v.size() != 8) {
      throw Error(ErrorKind::kBadRequest, "CII: date '" + v + "' (format " + format + ") at " +
                                              pathOf(s) + " is not CCYYMMDD (format 102)");
    }
    return v.substr(0, 4) + "-" + v.substr(4, 2) + "-" + v.substr(6, 2);
  }
  std::string date(const xmlNode* parent, const char* name) {
    const xmlNode* w = child(parent, name);
    return w ? date(w) : std::string();
  }
  VatCategory category(const xmlNode* n) {
    const std::string code = text(n);
    auto c = categoryFromCode(code);
    if (!c) {
      throw Error(ErrorKind::kBadRequest,
                  "CII: VAT category '" + code + "' at " + pathOf(n) + " is unknown");
    }
    return *c;
  }

  // Leaf elements never consumed, as distinct paths in document order.
  std::vector<std::string> leftovers(const xmlNode* root) const {
    std::vector<std::string> out;
    std::set<std::string> seen;
    collect(root, out, seen);
    return out;
  }

 private:
  const xmlNode* mark(const xmlNode* n) {
    used_.insert(n);
    return n;
  }
  void collect(const xmlNode* n, std::vector<std::string>& out, std::set<std::string>& seen) const {
    bool hasElementChild = false;
    for (const xmlNode* c = n->children; c; c = c->next) {
      if (c->type == XML_ELEMENT_NODE) {
        hasElementChild = true;
        collect(c, out, seen);
      }
    }
    if (!hasElementChild && !used_.count(n)) {
      std::string p = pathOf(n);
      if (seen.insert(p).second) out.push_back(std::move(p));
    }
  }
  std::unordered_set<const xmlNode*> used_;
};

void readParty(Reader& r, const xmlNode* n, Party& p) {
  if (!n) return;
  p = Party{};
  p.id = r.text(n, "ID");
  if (const xmlNode* g = r.child(n, "GlobalID")) {
    p.siret = r.text(g);
    p.siretScheme = Reader::attr(g, "schemeID");
  }
  p.name = r.text(n, "Name");
  if (const xmlNode* legal = r.child(n, "SpecifiedLegalOrganization")) {
    if (const xmlNode* id = r.child(legal, "ID")) {
      p.siren = r.text(id);
      p.sirenScheme = Reader::attr(id, "schemeID");
    }
    p.tradingName = r.text(legal, "TradingBusinessName");
  }
  if (const xmlNode* c = r.child(n, "DefinedTradeContact")) {
    p.contactName = r.text(c, "PersonName");
    p.contactPhone = r.text(r.child(c, "TelephoneUniversalCommunication"), "CompleteNumber");
    p.contactEmail = r.text(r.child(c, "EmailURIUniversalCommunication"), "URIID");
  }
  if (const xmlNode* a = r.child(n, "PostalTradeAddress")) {
    p.address.postcode = r.text(a, "PostcodeCode");
    p.address.line1 = r.text(a, "LineOne");
    p.address.line2 = r.text(a, "LineTwo");
    p.address.city = r.text(a, "CityName");
    p.address.countryCode = r.text(a, "CountryID");
  } else {
    p.address.countryCode.clear();
  }
  if (const xmlNode* uri = r.child(r.child(n, "URIUniversalCommunication"), "URIID")) {
    p.email = r.text(uri);
    p.emailScheme = Reader::attr(uri, "schemeID");
  }
  for (const xmlNode* reg : r.children(n, "SpecifiedTaxRegistration")) {
    const xmlNode* id = r.child(reg, "ID");
    const std::string scheme = Reader::attr(id, "schemeID");
    if (scheme == "VA") p.vatId = r.text(id);
    if (scheme == "FC") p.taxRegistrationId = r.text(id);
  }
}

Line readLine(Reader& r, const xmlNode* item) {
  Line l;
  const xmlNode* doc = r.child(item, "AssociatedDocumentLineDocument");
  l.id = r.text(doc, "LineID");
  if (const xmlNode* note = r.child(doc, "IncludedNote")) l.note = r.text(note, "Content");
  const xmlNode* product = r.child(item, "SpecifiedTradeProduct");
  l.sellerItemId = r.text(product, "SellerAssignedID");
  l.name = r.text(product, "Name");
  l.description = r.text(product, "Description");
  const xmlNode* agreement = r.child(item, "SpecifiedLineTradeAgreement");
  if (const xmlNode* price = r.child(agreement, "NetPriceProductTradePrice")) {
    l.netUnitPrice = r.scaled(price, "ChargeAmount", 4, "net price");
    if (const xmlNode* base = r.child(price, "BasisQuantity")) {
      l.priceBaseQuantityE6 = r.scaled(base, 6, "price base quantity");
    }
  }
  const xmlNode* delivery = r.child(item, "SpecifiedLineTradeDelivery");
  if (const xmlNode* q = r.child(delivery, "BilledQuantity")) {
    l.quantity = r.scaled(q, 3, "quantity");
    l.unitCode = Reader::attr(q, "unitCode");
  }
  const xmlNode* settlement = r.child(item, "SpecifiedLineTradeSettlement");
  if (const xmlNode* tax = r.child(settlement, "ApplicableTradeTax")) {
    r.text(tax, "TypeCode");
    if (const xmlNode* cat = r.child(tax, "CategoryCode")) l.vatCategory = r.category(cat);
    l.vatRate = static_cast<RateE2>(r.scaled(tax, "RateApplicablePercent", 2, "VAT rate"));
  }
  if (const xmlNode* period = r.child(settlement, "BillingSpecifiedPeriod")) {
    l.periodStart = r.date(period, "StartDateTime");
    l.periodEnd = r.date(period, "EndDateTime");
  }
  l.netAmount = r.scaled(r.child(settlement, "SpecifiedTradeSettlementLineMonetarySummation"),
                         "LineTotalAmount", 2, "line net amount");
  return l;
}

AllowanceCharge readAllowanceCharge(Reader& r, const xmlNode* n) {
  AllowanceCharge ac;
  ac.charge = r.text(r.child(n, "ChargeIndicator"), "Indicator") == "true";
  if (const xmlNode* p = r.child(n, "CalculationPercent")) {
    ac.percent = static_cast<RateE2>(r.scaled(p, 2, "allowance/charge percent"));
  }
  if (const xmlNode* b = r.child(n, "BasisAmount")) ac.baseAmount = r.scaled(b, 2, "base amount");
  ac.amount = r.scaled(n, "ActualAmount", 2, "allowance/charge amount");
  ac.reasonCode = r.text(n, "ReasonCode");
  ac.reason = r.text(n, "Reason");
  if (const xmlNode* tax = r.child(n, "CategoryTradeTax")) {
    r.text(tax, "TypeCode");
    if (const xmlNode* cat = r.child(tax, "CategoryCode")) ac.vatCategory = r.category(cat);
    ac.vatRate = static_cast<RateE2>(r.scaled(tax, "RateApplicablePercent", 2, "VAT rate"));
  }
  return ac;
}

void readSettlement(Reader& r, const xmlNode* s, Invoice& inv) {
  PaymentMeans pm;
  pm.typeCode.clear();
  bool anyPayment = false;
  pm.creditorId = r.text(s, "CreditorReferenceID");
  pm.remittanceInfo = r.text(s, "PaymentReference");
  inv.taxCurrency = r.text(s, "TaxCurrencyCode");
  inv.currency = r.text(s, "InvoiceCurrencyCode");
  if (const xmlNode* means = r.child(s, "SpecifiedTradeSettlementPaymentMeans")) {
    anyPayment = true;
    pm.typeCode = r.text(means, "TypeCode");
    if (const xmlNode* debtor = r.child(means, "PayerPartyDebtorFinancialAccount")) {
      pm.iban = r.text(debtor, "IBANID");
    }
    if (const xmlNode* creditor = r.child(means, "PayeePartyCreditorFinancialAccount")) {
      pm.iban = r.text(creditor, "IBANID");
      inv.accountName = r.text(creditor, "AccountName");
    }
    pm.bic = r.text(r.child(means, "PayeeSpecifiedCreditorFinancialInstitution"), "BICID");
  }
  for (const xmlNode* tax : r.children(s, "ApplicableTradeTax")) {
    VatBreakdown v;
    v.taxAmount = r.scaled(tax, "CalculatedAmount", 2, "VAT amount");
    r.text(tax, "TypeCode");
    v.exemptionReason = r.text(tax, "ExemptionReason");
    v.taxableAmount = r.scaled(tax, "BasisAmount", 2, "VAT taxable amount");
    if (const xmlNode* cat = r.child(tax, "CategoryCode")) v.category = r.category(cat);
    v.exemptionReasonCode = r.text(tax, "ExemptionReasonCode");
    v.rate = static_cast<RateE2>(r.scaled(tax, "RateApplicablePercent", 2, "VAT rate"));
    inv.vat.push_back(std::move(v));
  }
  if (const xmlNode* period = r.child(s, "BillingSpecifiedPeriod")) {
    inv.periodStart = r.date(period, "StartDateTime");
    inv.periodEnd = r.date(period, "EndDateTime");
  }
  for (const xmlNode* ac : r.children(s, "SpecifiedTradeAllowanceCharge")) {
    inv.allowancesCharges.push_back(readAllowanceCharge(r, ac));
  }
  if (const xmlNode* terms = r.child(s, "SpecifiedTradePaymentTerms")) {
    inv.paymentTerms = r.text(terms, "Description");
    inv.dueDate = r.date(terms, "DueDateDateTime");
    pm.mandateReference = r.text(terms, "DirectDebitMandateID");
  }
  if (const xmlNode* sum = r.child(s, "SpecifiedTradeSettlementHeaderMonetarySummation")) {
    Totals& t = inv.totals;
    t.lineTotal = r.scaled(sum, "LineTotalAmount", 2, "BT-106");
    t.chargeTotal = r.scaled(sum, "ChargeTotalAmount", 2, "BT-108");
    t.allowanceTotal = r.scaled(sum, "AllowanceTotalAmount", 2, "BT-107");
    t.taxBasisTotal = r.scaled(sum, "TaxBasisTotalAmount", 2, "BT-109");
    // BT-110 is the one in the invoice currency, BT-111 the one in the tax currency.
    for (const xmlNode* c = sum->children; c; c = c->next) {
      if (!isElement(c, "TaxTotalAmount")) continue;
      const std::string currency = Reader::attr(c, "currencyID");
      if (currency.empty() || currency == inv.currency) {
        t.taxTotal = r.scaled(c, 2, "BT-110");
      } else if (currency == inv.taxCurrency) {
        t.taxTotalInTaxCurrency = r.scaled(c, 2, "BT-111");
      }
    }
    t.rounding = r.scaled(sum, "RoundingAmount", 2, "BT-114");
    t.grandTotal = r.scaled(sum, "GrandTotalAmount", 2, "BT-112");
    t.prepaid = r.scaled(sum, "TotalPrepaidAmount", 2, "BT-113");
    t.duePayable = r.scaled(sum, "DuePayableAmount", 2, "BT-115");
  }
  if (const xmlNode* ref = r.child(s, "InvoiceReferencedDocument")) {
    inv.precedingInvoice = r.text(ref, "IssuerAssignedID");
    inv.precedingInvoiceDate = r.date(ref, "FormattedIssueDateTime");
  }
  anyPayment = anyPayment || !pm.creditorId.empty() || !pm.remittanceInfo.empty() ||
               !pm.mandateReference.empty();
  if (anyPayment) inv.payment = std::move(pm);
}

struct ParserCleanup {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};

}  // namespace

ReadResult readCii(std::string_view xml) {
  // Real invoices are kilobytes; the bound also keeps the size inside libxml2's int.
  constexpr std::size_t kMaxBytes = 32u << 20;
  if (xml.size() > kMaxBytes) {
    throw Error(ErrorKind::kTooLarge, "CII: invoice of " + std::to_string(xml.size()) +
                                          " bytes is over the 32 MiB limit");
  }
  std::unique_ptr<xmlParserCtxt, ParserCleanup> ctxt(xmlNewParserCtxt());
  if (!ctxt) throw Error(ErrorKind::kInternal, "libxml2: cannot allocate a parser");
  // No network, no entity substitution (XXE), no DTD loading; errors come back as values.
  detail::DocPtr doc(xmlCtxtReadMemory(ctxt.get(), xml.data(), static_cast<int>(xml.size()),
                                       "invoice.xml", nullptr,
                                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!doc) {
    const xmlError* e = xmlCtxtGetLastError(ctxt.get());
    std::string why = e && e->message ? trim(e->message) : "unknown error";
    throw Error(ErrorKind::kBadRequest, "CII: not well-formed XML: " + why +
                                            (e ? " (line " + std::to_string(e->line) + ")" : ""));
  }
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!isElement(root, "CrossIndustryInvoice") || !root->ns ||
      !xmlStrEqual(root->ns->href, x(detail::kNsRsm))) {
    throw Error(ErrorKind::kBadRequest, "CII: the root element is not rsm:CrossIndustryInvoice");
  }
  Reader r;
  ReadResult out;
  Invoice& inv = out.invoice;
  const xmlNode* context = r.child(root, "ExchangedDocumentContext");
  inv.businessProcess =
      r.text(r.child(context, "BusinessProcessSpecifiedDocumentContextParameter"), "ID");
  out.guideline = r.text(r.child(context, "GuidelineSpecifiedDocumentContextParameter"), "ID");

  const xmlNode* document = r.child(root, "ExchangedDocument");
  inv.number = r.text(document, "ID");
  inv.typeCode = r.text(document, "TypeCode");
  inv.issueDate = r.date(document, "IssueDateTime");
  for (const xmlNode* note : r.children(document, "IncludedNote")) {
    std::string content = r.text(note, "Content");
    std::string subject = r.text(note, "SubjectCode");
    if (subject.empty()) {
      inv.notes.push_back(std::move(content));
    } else {
      inv.subjectNotes.push_back({std::move(subject), std::move(content)});
    }
  }

  const xmlNode* transaction = r.child(root, "SupplyChainTradeTransaction");
  for (const xmlNode* item : r.children(transaction, "IncludedSupplyChainTradeLineItem")) {
    inv.lines.push_back(readLine(r, item));
  }
  const xmlNode* agreement = r.child(transaction, "ApplicableHeaderTradeAgreement");
  inv.buyerReference = r.text(agreement, "BuyerReference");
  readParty(r, r.child(agreement, "SellerTradeParty"), inv.seller);
  readParty(r, r.child(agreement, "BuyerTradeParty"), inv.buyer);
  inv.purchaseOrderReference =
      r.text(r.child(agreement, "BuyerOrderReferencedDocument"), "IssuerAssignedID");
  inv.contractReference =
      r.text(r.child(agreement, "ContractReferencedDocument"), "IssuerAssignedID");
  const xmlNode* delivery = r.child(transaction, "ApplicableHeaderTradeDelivery");
  if (delivery) r.text(delivery);  // an empty delivery element is allowed and carries nothing
  if (const xmlNode* shipTo = r.child(delivery, "ShipToTradeParty")) {
    inv.deliverTo.emplace();
    readParty(r, shipTo, *inv.deliverTo);
  }
  inv.deliveryDate =
      r.date(r.child(delivery, "ActualDeliverySupplyChainEvent"), "OccurrenceDateTime");
  readSettlement(r, r.child(transaction, "ApplicableHeaderTradeSettlement"), inv);
  out.unsupported = r.leftovers(root);
  return out;
}

}  // namespace parc::modules::facturation::facturx
