#pragma once
// The billing rules of the facturation module, as pure functions over plain values: what a
// family owes for a month, line by line, and the totals EN 16931 expects. No database and
// no clock here, so that the golden tests compute exactly what the billing run computes.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace parc::modules::facturation {

using Id = std::int64_t;
using Cents = std::int64_t;       // money: integer cents, never floating point
using PriceE4 = std::int64_t;     // unit prices: ten-thousandths of a euro
using QuantityE3 = std::int64_t;  // quantities: thousandths of a unit
using RateE2 = std::int32_t;      // VAT rates: hundredths of a percent (550 = 5.5 %)

/// round_half_up(quantity × unit price) to the cent (EN 16931 BT-131, computed per line).
Cents lineAmount(QuantityE3 quantity, PriceE4 unitPrice);
/// round_half_up(base × rate) to the cent (BT-117 of one VAT category).
Cents vatAmount(Cents base, RateE2 rate);

/// "12,34 €"-free formatting for machines: "12.34", "-0.05".
std::string formatCents(Cents c);
/// "3.4500" → 34500; accepts up to 4 decimals; kBadRequest otherwise.
PriceE4 parsePrice(const std::string& text);
std::string formatPrice(PriceE4 p);  // shortest form with at least 2 decimals: "3.45", "1.2345"

/// Dates are "YYYY-MM-DD" strings (they sort as dates); months "YYYY-MM".
bool validDate(const std::string& date);
/// kBadRequest "<what> must be a date YYYY-MM-DD" unless validDate.
void requireDate(const std::string& date, const char* what);
bool validMonth(const std::string& month);
int daysInMonth(const std::string& month);
std::string addDays(const std::string& date, int days);

enum class VatCategory { kExempt, kStandard, kZero, kNotSubject };
const char* vatCode(VatCategory c);  // E, S, Z, O
std::optional<VatCategory> vatFromCode(const std::string& code);

struct Service {
  Id id = 0;
  std::string code;              // "cantine", "garderie_matin", …
  std::string name;              // "Restauration scolaire"
  std::string unitCode = "C62";  // UN/ECE rec 20: C62 one (meal, session), HUR hour, DAY day
  VatCategory vatCategory = VatCategory::kExempt;
  RateE2 vatRate = 0;
  bool billUnjustifiedAbsence = true;  // an unjustified absence is billed like a presence
  bool active = true;
};

/// One price of a grid: a service, a validity period, a quotient-familial bracket.
struct Price {
  Id id = 0;
  Id serviceId = 0;
  std::string validFrom;              // inclusive
  std::string validTo;                // inclusive; empty: open-ended
  std::int64_t qfMin = 0;             // inclusive, euros
  std::optional<std::int64_t> qfMax;  // inclusive; none: no upper bound
  PriceE4 unitPrice = 0;
};

/// The family's quotient familial from a date on (the CAF recomputes it; the newest
/// period whose start is not after the day applies).
struct QuotientPeriod {
  std::string validFrom;
  std::int64_t quotient = 0;
};

struct Address {
  std::string line1, line2, postcode, city;
  std::string countryCode = "FR";
};

struct Family {
  Id id = 0;
  std::string payerName;
  Address address;
  std::string email;
  std::vector<QuotientPeriod> quotients;  // sorted by validFrom
  std::string mandateReference;           // SEPA mandate (optional)
  std::string mandateDate;
  std::string iban, bic;
  // A public body paying (another commune, an intercommunality…): its SIRET makes the
  // invoice a B2G one (Chorus Pro), with its service code (BT-10) and the commitment
  // number (BT-13) it gave, and the French CTC rules (BR-FR) apply.
  std::string siret;
  std::string serviceCode;
  std::string engagement;
};

struct Child {
  Id id = 0;
  Id familyId = 0;
  std::string firstName, lastName;
};

enum class Presence { kPresent, kAbsentJustified, kAbsentUnjustified };
const char* presenceName(Presence p);  // present, absent_justified, absent_unjustified
std::optional<Presence> presenceFromName(const std::string& name);

struct Attendance {
  Id childId = 0;
  Id serviceId = 0;
  std::string date;
  Presence presence = Presence::kPresent;
  QuantityE3 quantity = 1000;  // one unit (a meal, a session); hours for hourly services
};

/// The quotient in force on `date`; nullopt when the family has none then.
std::optional<std::int64_t> quotientOn(const Family& f, const std::string& date);
/// The price of `service` for a quotient on a date; nullopt when the grid has no price.
const Price* priceFor(const std::vector<Price>& grid, Id serviceId, std::int64_t quotient,
                      const std::string& date);

struct DraftLine {
  Id childId = 0;
  Id serviceId = 0;
  std::string label;        // "Restauration scolaire — Léa Martin"
  std::string description;  // bases de liquidation: "QF 650, tarif 2.90 € du 2026-03-02 …"
  QuantityE3 quantity = 0;
  std::string unitCode;
  PriceE4 unitPrice = 0;
  Cents netAmount = 0;
  VatCategory vatCategory = VatCategory::kExempt;
  RateE2 vatRate = 0;
  std::string periodStart, periodEnd;
};

struct VatLine {
  VatCategory category = VatCategory::kExempt;
  RateE2 rate = 0;
  Cents base = 0;
  Cents tax = 0;
};

struct Totals {
  Cents lines = 0;           // BT-106 = Σ BT-131 (BR-CO-10)
  Cents tax = 0;             // BT-110 = Σ BT-117
  Cents total = 0;           // BT-112 = BT-106 + BT-110 (no allowances or charges here)
  std::vector<VatLine> vat;  // BG-23, one per category and rate, ordered
};

/// Σ lines, the VAT breakdown per category/rate and the grand total.
Totals computeTotals(const std::vector<DraftLine>& lines);

struct DraftInvoice {
  Id familyId = 0;
  std::string month;
  std::vector<DraftLine> lines;
  Totals totals;
  std::vector<std::string> problems;  // days that could not be priced (no QF, no price)
};

/// Everything a month's billing of one tenant needs, read from the store.
struct BillingInput {
  std::string month;  // "2026-03"
  std::vector<Family> families;
  std::vector<Child> children;
  std::vector<Service> services;
  std::vector<Price> grid;
  std::vector<Attendance> attendance;  // of the month
};

/// One draft per family that owes something this month: billable days grouped per child,
/// service, price and kind (presence or unjustified absence), one line per group, rounded
/// per line. Families with nothing billable get no invoice (no zero invoices are issued).
/// Days that cannot be priced are reported in `problems` and not billed.
std::vector<DraftInvoice> computeBilling(const BillingInput& input);

/// French month name for labels: "mars 2026".
std::string monthLabel(const std::string& month);

}  // namespace parc::modules::facturation
