#pragma once
// The EN 16931 invoice model the facturation module fills and the Factur-X writer and
// reader speak. Field comments give the EN 16931 business term (BT-/BG-) they carry.
// Amounts are exact integers: no floating point anywhere near money.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parc::modules::facturation::facturx {

/// Money in cents (2 decimals, EUR): BT-106…BT-115, line net amounts, VAT amounts.
using Cents = std::int64_t;
/// Unit prices in ten-thousandths of the currency unit (4 decimals): BT-146.
using PriceE4 = std::int64_t;
/// Quantities in thousandths (3 decimals): BT-129.
using QuantityE3 = std::int64_t;
/// VAT rates in hundredths of a percent (550 = 5.5 %): BT-152, BT-119.
using RateE2 = std::int32_t;

struct Address {                   // BG-5 / BG-8
  std::string line1;               // BT-35 / BT-50
  std::string line2;               // BT-36 / BT-51
  std::string postcode;            // BT-38 / BT-53
  std::string city;                // BT-37 / BT-52
  std::string countryCode = "FR";  // BT-40 / BT-55 (ISO 3166-1 alpha-2)
};

struct Party {
  std::string name;   // BT-27 / BT-44
  std::string siret;  // BT-29/BT-46 with scheme 0009 (SIRET), may be empty
  std::string siren;  // BT-30/BT-47 legal registration, scheme 0002 (SIREN)
  std::string vatId;  // BT-31 / BT-48, empty when none
  Address address;
  std::string email;        // BT-34 / BT-49 electronic address (scheme EM)
  std::string contactName;  // BG-6 / BG-9
  // Added for Factur-X round trips (additive): schemes and the identifiers other data carry.
  std::string siretScheme = "0009";  // schemeID written with `siret` (BT-29/46-1); "" = none
  std::string sirenScheme = "0002";  // schemeID written with `siren` (BT-30/47-1); "" = none
  std::string id;                    // BT-29/BT-46 without scheme (ram:ID)
  std::string taxRegistrationId;     // BT-32 seller tax registration (scheme FC)
  std::string emailScheme = "EM";    // BT-34-1/BT-49-1 (EM, 0225 SIREN, 0009 SIRET, …)
  std::string tradingName;           // BT-28 / BT-45
  std::string contactPhone;          // BT-42 / BT-57
  std::string contactEmail;          // BT-43 / BT-58
};

enum class VatCategory {
  kStandard /*S*/,
  kZero /*Z*/,
  kExempt /*E*/,
  kNotSubject /*O*/,
  kReverseCharge /*AE*/,
  kIntraCommunity /*K*/,
  kExport /*G*/,
  kCanaryIslands /*L*/,
  kCeutaMelilla /*M*/,
};

struct Line {                    // BG-25
  std::string id;                // BT-126
  std::string name;              // BT-153
  std::string description;       // BT-154
  QuantityE3 quantity = 0;       // BT-129
  std::string unitCode = "C62";  // BT-130 (UN/ECE rec 20: C62 one, DAY day, HUR hour)
  PriceE4 netUnitPrice = 0;      // BT-146
  Cents netAmount = 0;           // BT-131 = round(quantity × price), per line
  VatCategory vatCategory = VatCategory::kExempt;  // BT-151
  RateE2 vatRate = 0;                              // BT-152
  std::string periodStart, periodEnd;              // BG-26 (YYYY-MM-DD), optional
  std::string note;                                // BT-127
  std::string sellerItemId;                        // BT-155
  std::int64_t priceBaseQuantityE6 = 0;  // BT-149 in millionths, 0 = not given (per one unit)
};

/// Document level allowance (BG-20) or charge (BG-21). Added (additive) for round trips.
struct AllowanceCharge {
  bool charge = false;              // false: allowance BT-92…BT-98, true: charge BT-99…BT-105
  Cents amount = 0;                 // BT-92 / BT-99
  std::optional<Cents> baseAmount;  // BT-93 / BT-100
  std::optional<RateE2> percent;    // BT-94 / BT-101 (hundredths of a percent)
  std::string reason;               // BT-97 / BT-104
  std::string reasonCode;           // BT-98 / BT-105
  VatCategory vatCategory = VatCategory::kExempt;  // BT-95 / BT-102
  RateE2 vatRate = 0;                              // BT-96 / BT-103
};

struct Note {  // BG-1 with a subject (BT-21: PMT, PMD, AAB, BAR, …)
  std::string subjectCode;
  std::string content;  // BT-22
};

struct VatBreakdown {                           // BG-23
  VatCategory category = VatCategory::kExempt;  // BT-118
  RateE2 rate = 0;                              // BT-119
  Cents taxableAmount = 0;                      // BT-116
  Cents taxAmount = 0;                          // BT-117
  std::string exemptionReason;                  // BT-120 (required for E and O)
  std::string exemptionReasonCode;              // BT-121 (e.g. VATEX-FR-…), optional
};

struct Totals {                                // BG-22
  Cents lineTotal = 0;                         // BT-106 = Σ BT-131
  Cents allowanceTotal = 0;                    // BT-107 (added) = Σ BT-92
  Cents chargeTotal = 0;                       // BT-108 (added) = Σ BT-99
  Cents rounding = 0;                          // BT-114 (added)
  std::optional<Cents> taxTotalInTaxCurrency;  // BT-111 (added), with Invoice::taxCurrency
  Cents taxBasisTotal = 0;                     // BT-109
  Cents taxTotal = 0;                          // BT-110
  Cents grandTotal = 0;                        // BT-112 = BT-109 + BT-110
  Cents prepaid = 0;                           // BT-113
  Cents duePayable = 0;                        // BT-115 = BT-112 − BT-113
};

struct PaymentMeans {            // BG-16
  std::string typeCode = "30";   // BT-81: 30 credit transfer, 58 SEPA transfer, 59 SEPA direct
                                 // debit, 10 cash, 20 cheque, 48 card
  std::string iban;              // BT-84 (transfer) or BT-91 (debited account)
  std::string bic;               // BT-86
  std::string mandateReference;  // BT-89 (direct debit)
  std::string creditorId;        // BT-90 (SEPA creditor identifier)
  std::string remittanceInfo;    // BT-83 payment reference (e.g. PayFiP reference)
};

struct Invoice {
  std::string number;                  // BT-1
  std::string typeCode = "380";        // BT-3: 380 invoice, 381 credit note
  std::string issueDate;               // BT-2 (YYYY-MM-DD)
  std::string dueDate;                 // BT-9
  std::string currency = "EUR";        // BT-5
  std::string buyerReference;          // BT-10 (service code for public buyers)
  std::string periodStart, periodEnd;  // BG-14
  std::string precedingInvoice;        // BT-25 (credit notes: the invoice corrected)
  std::string precedingInvoiceDate;    // BT-26
  std::vector<std::string> notes;      // BG-1 BT-22: mandatory mentions, voies de recours
  Party seller;                        // BG-4
  Party buyer;                         // BG-7
  std::vector<Line> lines;
  std::vector<VatBreakdown> vat;
  Totals totals;
  std::optional<PaymentMeans> payment;
  std::string paymentTerms;  // BT-20
  // Added (additive) for Factur-X:
  std::string taxCurrency;         // BT-6 VAT accounting currency when not BT-5
  std::string businessProcess;     // BT-23 (French CTC billing mode: S1, B1, M1, …)
  std::vector<Note> subjectNotes;  // BG-1 notes with a subject code, after `notes`
  std::vector<AllowanceCharge> allowancesCharges;  // BG-20 / BG-21
  std::string purchaseOrderReference;              // BT-13
  std::string contractReference;                   // BT-12
  std::string deliveryDate;                        // BT-72
  std::optional<Party> deliverTo;  // BG-13 (name BT-70, id BT-71, address BG-15 with BT-80)
  std::string accountName;         // BT-85 payment account name
};

}  // namespace parc::modules::facturation::facturx
