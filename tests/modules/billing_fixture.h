#pragma once
// The town of the golden tests: four services, a price grid that changes on 16 March
// 2026, and eleven families whose March bills are computed by hand in the tests.
#include <string>
#include <vector>

#include "server/modules/facturation/domain.h"

namespace parc::modules::facturation::testing {

enum : Id { kCantine = 1, kMatin = 2, kSoir = 3, kLoisirs = 4 };

inline std::vector<Service> services() {
  Service cantine{kCantine, "cantine", "Restauration scolaire"};
  Service matin{kMatin, "garderie_matin", "Garderie du matin"};
  matin.billUnjustifiedAbsence = false;  // the commune bills only meals not cancelled
  Service soir{kSoir, "garderie_soir", "Garderie du soir", "HUR"};
  Service loisirs{kLoisirs, "centre_loisirs",       "Centre de loisirs",
                  "DAY",    VatCategory::kStandard, 550};
  return {cantine, matin, soir, loisirs};
}

inline std::vector<Price> grid() {
  // id, service, from, to, qf min, qf max, unit price (1e-4 €)
  return {
      {1, kCantine, "2026-01-01", "2026-03-15", 0, 500, 15000},
      {2, kCantine, "2026-01-01", "2026-03-15", 501, 1000, 29000},
      {3, kCantine, "2026-01-01", "2026-03-15", 1001, std::nullopt, 41000},
      {4, kCantine, "2026-03-16", "", 0, 500, 16000},
      {5, kCantine, "2026-03-16", "", 501, 1000, 30500},
      {6, kCantine, "2026-03-16", "", 1001, std::nullopt, 43000},
      {7, kMatin, "2026-01-01", "", 0, 700, 9500},
      {8, kMatin, "2026-01-01", "", 701, std::nullopt, 13500},
      {9, kSoir, "2026-01-01", "", 0, std::nullopt, 12345},
      {10, kLoisirs, "2026-01-01", "", 0, 800, 80000},
      {11, kLoisirs, "2026-01-01", "", 801, std::nullopt, 125000},
  };
}

struct Case {
  Family family;
  std::vector<Child> children;
  std::vector<Attendance> days;
};

inline Family family(Id id, const std::string& name, std::int64_t qf) {
  Family f;
  f.id = id;
  f.payerName = name;
  f.address = {"1 rue de la Mairie", "", "12000", "Rodez"};
  f.quotients = {{"2025-09-01", qf}};
  return f;
}

inline std::vector<Attendance> days(Id child, Id service, const std::vector<int>& dayNumbers,
                                    Presence p = Presence::kPresent, QuantityE3 q = 1000) {
  std::vector<Attendance> out;
  for (int d : dayNumbers) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "2026-03-%02d", d);
    out.push_back({child, service, buf, p, q});
  }
  return out;
}

inline void append(std::vector<Attendance>& to, const std::vector<Attendance>& more) {
  to.insert(to.end(), more.begin(), more.end());
}

/// The eleven families (A … K); child ids are family id × 10 + n.
inline std::vector<Case> cases() {
  std::vector<Case> c;
  // A: QF 450, ten meals before the price change.
  c.push_back({family(1, "Famille A", 450),
               {{11, 1, "Alice", "A"}},
               days(11, kCantine, {2, 3, 4, 5, 6, 9, 10, 11, 12, 13})});
  // B: QF 650, meals either side of the 16 March price change: two lines.
  c.push_back({family(2, "Famille B", 650),
               {{21, 2, "Bruno", "B"}},
               days(21, kCantine, {2, 3, 5, 6, 16, 17, 19})});
  // C: QF 1200, two children, two services.
  {
    Case k{family(3, "Famille C", 1200), {{31, 3, "Chloé", "C"}, {32, 3, "Camille", "C"}}, {}};
    append(k.days, days(31, kCantine, {2, 3, 5, 6, 9}));
    append(k.days, days(32, kMatin, {2, 3, 4}));
    c.push_back(k);
  }
  // D: QF exactly 500: both brackets' bounds are inclusive.
  {
    Case k{family(4, "Famille D", 500), {{41, 4, "David", "D"}}, {}};
    append(k.days, days(41, kCantine, {2, 3}));
    append(k.days, days(41, kMatin, {2, 3}));
    c.push_back(k);
  }
  // E: QF 800, absences: justified not billed, unjustified billed for the canteen only.
  {
    Case k{family(5, "Famille E", 800), {{51, 5, "Emma", "E"}}, {}};
    append(k.days, days(51, kCantine, {2, 3, 5}));
    append(k.days, days(51, kCantine, {6, 9}, Presence::kAbsentJustified));
    append(k.days, days(51, kCantine, {10}, Presence::kAbsentUnjustified));
    append(k.days, days(51, kMatin, {11, 12}, Presence::kAbsentUnjustified));
    c.push_back(k);
  }
  // F: nothing billable this month (justified absences only): no invoice.
  c.push_back({family(6, "Famille F", 300),
               {{61, 6, "Fanny", "F"}},
               days(61, kCantine, {2, 3}, Presence::kAbsentJustified)});
  // G: QF 300, the child arrives on 23 March.
  c.push_back({family(7, "Famille G", 300),
               {{71, 7, "Gaël", "G"}},
               days(71, kCantine, {23, 24, 26, 27, 30, 31})});
  // H: evening childcare by the hour, half an hour each for two children: rounding per
  // line gives 0.62 + 0.62 = 1.24 where rounding the sum would give 1.23.
  {
    Case k{family(8, "Famille H", 900), {{81, 8, "Hugo", "H"}, {82, 8, "Hélène", "H"}}, {}};
    append(k.days, days(81, kSoir, {4}, Presence::kPresent, 500));
    append(k.days, days(82, kSoir, {4}, Presence::kPresent, 500));
    c.push_back(k);
  }
  // I: QF 900, leisure centre at 5.5 % VAT beside exempt meals.
  {
    Case k{family(9, "Famille I", 900), {{91, 9, "Inès", "I"}}, {}};
    append(k.days, days(91, kLoisirs, {4, 11, 18}));
    append(k.days, days(91, kCantine, {16, 17}));
    c.push_back(k);
  }
  // J: the quotient changes on 16 March (CAF update): 450 then 1100.
  {
    Family f = family(10, "Famille J", 450);
    f.quotients.push_back({"2026-03-16", 1100});
    c.push_back({f, {{101, 10, "Jules", "J"}}, days(101, kCantine, {2, 3, 16, 17})});
  }
  // K: evening childcare, 1 h 45 over three evenings in one line.
  c.push_back({family(11, "Famille K", 200), {{111, 11, "Kylian", "K"}}, [] {
                 auto d = days(111, kSoir, {2}, Presence::kPresent, 750);
                 append(d, days(111, kSoir, {3}, Presence::kPresent, 500));
                 append(d, days(111, kSoir, {5}, Presence::kPresent, 500));
                 return d;
               }()});
  return c;
}

inline BillingInput input(const std::vector<Case>& cs, const std::string& month = "2026-03") {
  BillingInput in;
  in.month = month;
  in.services = services();
  in.grid = grid();
  for (const auto& k : cs) {
    in.families.push_back(k.family);
    for (const auto& ch : k.children) in.children.push_back(ch);
    for (const auto& d : k.days) in.attendance.push_back(d);
  }
  return in;
}

}  // namespace parc::modules::facturation::testing
