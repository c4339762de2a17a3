#include "server/modules/facturation/domain.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <tuple>

#include "common/error.h"

namespace parc::modules::facturation {

namespace {

// Half up, away from zero, for a value scaled by `divisor`.
std::int64_t roundDiv(std::int64_t value, std::int64_t divisor) {
  if (value >= 0) return (value + divisor / 2) / divisor;
  return -((-value + divisor / 2) / divisor);
}

bool digits(const std::string& s, size_t from, size_t n) {
  if (s.size() < from + n) return false;
  for (size_t i = from; i < from + n; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

int toInt(const std::string& s, size_t from, size_t n) {
  int v = 0;
  std::from_chars(s.data() + from, s.data() + from + n, v);
  return v;
}

bool leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int monthDays(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

}  // namespace

Cents lineAmount(QuantityE3 quantity, PriceE4 unitPrice) {
  // quantity (1e-3) × price (1e-4) is in 1e-7 euros; a cent is 1e-2: divide by 1e5.
  return roundDiv(quantity * unitPrice, 100000);
}

Cents vatAmount(Cents base, RateE2 rate) {
  return roundDiv(base * rate, 10000);  // rate is in 1e-2 percent
}

std::string formatCents(Cents c) {
  char buf[32];
  std::int64_t a = c < 0 ? -c : c;
  std::snprintf(buf, sizeof buf, "%s%lld.%02lld", c < 0 ? "-" : "", static_cast<long long>(a / 100),
                static_cast<long long>(a % 100));
  return buf;
}

PriceE4 parsePrice(const std::string& text) {
  std::string t = text;
  std::replace(t.begin(), t.end(), ',', '.');  // "2,90" as typed in French
  size_t dot = t.find('.');
  std::string whole = t.substr(0, dot);
  std::string frac = dot == std::string::npos ? "" : t.substr(dot + 1);
  if (whole.empty() || whole.size() > 9 || !digits(whole, 0, whole.size()) || frac.size() > 4 ||
      !digits(frac, 0, frac.size()))
    throw Error(ErrorKind::kBadRequest,
                "price '" + text + "' must be a non-negative amount with at most 4 decimals");
  frac.resize(4, '0');
  return std::stoll(whole) * 10000 + std::stoll(frac);
}

std::string formatPrice(PriceE4 p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%04lld", static_cast<long long>(p / 10000),
                static_cast<long long>(p % 10000));
  std::string s = buf;
  while (s.size() > 1 && s.back() == '0' && s.size() - s.find('.') > 3) s.pop_back();
  return s;
}

bool validDate(const std::string& d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-' || !digits(d, 0, 4) || !digits(d, 5, 2) ||
      !digits(d, 8, 2))
    return false;
  int y = toInt(d, 0, 4), m = toInt(d, 5, 2), day = toInt(d, 8, 2);
  return y >= 1900 && m >= 1 && m <= 12 && day >= 1 && day <= monthDays(y, m);
}

void requireDate(const std::string& date, const char* what) {
  if (!validDate(date))
    throw Error(ErrorKind::kBadRequest, std::string(what) + " must be a date YYYY-MM-DD");
}

bool validMonth(const std::string& m) {
  return m.size() == 7 && validDate(m + "-01");
}

int daysInMonth(const std::string& month) {
  return monthDays(toInt(month, 0, 4), toInt(month, 5, 2));
}

std::string addDays(const std::string& date, int days) {
  int y = toInt(date, 0, 4), m = toInt(date, 5, 2), d = toInt(date, 8, 2) + days;
  while (d > monthDays(y, m)) {
    d -= monthDays(y, m);
    if (++m > 12) m = 1, ++y;
  }
  while (d < 1) {
    if (--m < 1) m = 12, --y;
    d += monthDays(y, m);
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

const char* vatCode(VatCategory c) {
  switch (c) {
    case VatCategory::kExempt: return "E";
    case VatCategory::kStandard: return "S";
    case VatCategory::kZero: return "Z";
    case VatCategory::kNotSubject: return "O";
  }
  return "E";
}

std::optional<VatCategory> vatFromCode(const std::string& code) {
  if (code == "E") return VatCategory::kExempt;
  if (code == "S") return VatCategory::kStandard;
  if (code == "Z") return VatCategory::kZero;
  if (code == "O") return VatCategory::kNotSubject;
  return std::nullopt;
}

const char* presenceName(Presence p) {
  switch (p) {
    case Presence::kPresent: return "present";
    case Presence::kAbsentJustified: return "absent_justified";
    case Presence::kAbsentUnjustified: return "absent_unjustified";
  }
  return "present";
}

std::optional<Presence> presenceFromName(const std::string& n) {
  if (n == "present") return Presence::kPresent;
  if (n == "absent_justified") return Presence::kAbsentJustified;
  if (n == "absent_unjustified") return Presence::kAbsentUnjustified;
  return std::nullopt;
}

std::optional<std::int64_t> quotientOn(const Family& f, const std::string& date) {
  std::optional<std::int64_t> q;
  std::string best;
  for (const auto& p : f.quotients)
    if (p.validFrom <= date && (!q || p.validFrom >= best)) q = p.quotient, best = p.validFrom;
  return q;
}

const Price* priceFor(const std::vector<Price>& grid, Id serviceId, std::int64_t quotient,
                      const std::string& date) {
  for (const auto& p : grid) {
    if (p.serviceId != serviceId || date < p.validFrom) continue;
    if (!p.validTo.empty() && date > p.validTo) continue;
    if (quotient < p.qfMin || (p.qfMax && quotient > *p.qfMax)) continue;
    return &p;
  }
  return nullptr;
}

Totals computeTotals(const std::vector<DraftLine>& lines) {
  Totals t;
  std::map<std::pair<int, RateE2>, VatLine> groups;
  for (const auto& l : lines) {
    t.lines += l.netAmount;
    auto& g = groups[{static_cast<int>(l.vatCategory), l.vatRate}];
    g.category = l.vatCategory;
    g.rate = l.vatRate;
    g.base += l.netAmount;
  }
  for (auto& [key, g] : groups) {
    g.tax = g.category == VatCategory::kStandard ? vatAmount(g.base, g.rate) : 0;
    t.tax += g.tax;
    t.vat.push_back(g);
  }
  t.total = t.lines + t.tax;
  return t;
}

std::string monthLabel(const std::string& month) {
  static const char* kNames[] = {"janvier",   "février", "mars",     "avril",
                                 "mai",       "juin",    "juillet",  "août",
                                 "septembre", "octobre", "novembre", "décembre"};
  if (!validMonth(month)) return month;
  return std::string(kNames[toInt(month, 5, 2) - 1]) + " " + month.substr(0, 4);
}

std::vector<DraftInvoice> computeBilling(const BillingInput& in) {
  std::map<Id, const Family*> families;
  for (const auto& f : in.families) families[f.id] = &f;
  std::map<Id, const Child*> children;
  for (const auto& c : in.children) children[c.id] = &c;
  std::map<Id, const Service*> services;
  for (const auto& s : in.services) services[s.id] = &s;

  // A line groups the days of one child, one service, one price and one kind.
  struct Key {
    Id familyId, childId, serviceId, priceId;
    bool absence;
    bool operator<(const Key& o) const {
      return std::tie(familyId, childId, serviceId, absence, priceId) <
             std::tie(o.familyId, o.childId, o.serviceId, o.absence, o.priceId);
    }
  };
  struct Group {
    QuantityE3 quantity = 0;
    std::string first, last;
    std::int64_t quotient = 0;
    const Price* price = nullptr;
  };
  std::map<Key, Group> groups;
  std::map<Id, std::vector<std::string>> problems;

  std::vector<Attendance> days = in.attendance;
  std::sort(days.begin(), days.end(), [](const Attendance& a, const Attendance& b) {
    return std::tie(a.date, a.childId, a.serviceId) < std::tie(b.date, b.childId, b.serviceId);
  });
  for (const auto& a : days) {
    if (a.date.substr(0, 7) != in.month) continue;
    auto c = children.find(a.childId);
    auto s = services.find(a.serviceId);
    if (c == children.end() || s == services.end()) continue;
    auto f = families.find(c->second->familyId);
    if (f == families.end()) continue;
    const Service& service = *s->second;
    bool billable = a.presence == Presence::kPresent ||
                    (a.presence == Presence::kAbsentUnjustified && service.billUnjustifiedAbsence);
    if (!billable || a.quantity <= 0) continue;
    const std::string who = c->second->firstName + " " + c->second->lastName;
    auto qf = quotientOn(*f->second, a.date);
    if (!qf) {
      problems[f->first].push_back(a.date + " " + who + " : aucun quotient familial connu");
      continue;
    }
    const Price* price = priceFor(in.grid, service.id, *qf, a.date);
    if (!price) {
      problems[f->first].push_back(a.date + " " + who + " : aucun tarif « " + service.name +
                                   " » pour le quotient " + std::to_string(*qf));
      continue;
    }
    Key key{f->first, a.childId, service.id, price->id, a.presence == Presence::kAbsentUnjustified};
    auto& g = groups[key];
    g.quantity += a.quantity;
    if (g.first.empty()) g.first = a.date;
    g.last = a.date;
    g.quotient = *qf;
    g.price = price;
  }

  std::map<Id, DraftInvoice> drafts;
  for (const auto& [key, g] : groups) {
    const Service& service = *services.at(key.serviceId);
    const Child& child = *children.at(key.childId);
    DraftLine l;
    l.childId = key.childId;
    l.serviceId = key.serviceId;
    l.label = service.name + " — " + child.firstName + " " + child.lastName +
              (key.absence ? " (absences non justifiées)" : "");
    l.description = "Quotient familial " + std::to_string(g.quotient) + ", tarif " +
                    formatPrice(g.price->unitPrice) + " € du " + g.first + " au " + g.last;
    l.quantity = g.quantity;
    l.unitCode = service.unitCode;
    l.unitPrice = g.price->unitPrice;
    l.netAmount = lineAmount(g.quantity, g.price->unitPrice);
    l.vatCategory = service.vatCategory;
    l.vatRate = service.vatCategory == VatCategory::kStandard ? service.vatRate : 0;
    l.periodStart = g.first;
    l.periodEnd = g.last;
    auto& d = drafts[key.familyId];
    d.familyId = key.familyId;
    d.month = in.month;
    d.lines.push_back(std::move(l));
  }
  std::vector<DraftInvoice> out;
  for (auto& [familyId, d] : drafts) {
    d.totals = computeTotals(d.lines);
    d.problems = problems[familyId];
    problems.erase(familyId);
    out.push_back(std::move(d));
  }
  // A family whose every day failed to price still shows up, with its problems.
  for (auto& [familyId, p] : problems) {
    DraftInvoice d;
    d.familyId = familyId;
    d.month = in.month;
    d.problems = std::move(p);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace parc::modules::facturation
