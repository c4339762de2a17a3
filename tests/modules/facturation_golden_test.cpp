// Golden billing cases computed by hand (billing_fixture.h describes each family): the
// amounts below are written from the grid and the days, not from the program's output.
#include <gtest/gtest.h>

#include <map>

#include "common/error.h"
#include "server/modules/facturation/domain.h"
#include "tests/modules/billing_fixture.h"

namespace parc::modules::facturation {
namespace {

using testing::cases;
using testing::input;

struct Expected {
  std::vector<Cents> lines;
  Cents tax;
  Cents total;
};

std::map<Id, DraftInvoice> bill() {
  std::map<Id, DraftInvoice> out;
  for (auto& d : computeBilling(input(cases()))) out[d.familyId] = d;
  return out;
}

TEST(FacturationGolden, TenFamiliesOfMarch) {
  const std::map<Id, Expected> expected = {
      {1, {{1500}, 0, 1500}},         // A: 10 × 1.50
      {2, {{1160, 915}, 0, 2075}},    // B: 4 × 2.90 before 16/03, 3 × 3.05 after
      {3, {{2050, 405}, 0, 2455}},    // C: 5 × 4.10 + 3 × 1.35
      {4, {{300, 190}, 0, 490}},      // D: QF 500 = upper bound of both first brackets
      {5, {{870, 290}, 0, 1160}},     // E: 3 presences + 1 unjustified absence × 2.90
      {7, {{960}, 0, 960}},           // G: arrival 23/03, 6 × 1.60
      {8, {{62, 62}, 0, 124}},        // H: 2 × round(0.5 h × 1.2345) = 2 × 0.62
      {9, {{610, 3750}, 206, 4566}},  // I: 2 × 3.05 exempt + 3 × 12.50 at 5.5 % (2.0625)
      {10, {{300, 860}, 0, 1160}},    // J: QF 450 then 1100 from 16/03
      {11, {{216}, 0, 216}},          // K: 1.75 h × 1.2345 = 2.160375
  };
  auto drafts = bill();
  EXPECT_EQ(drafts.size(), expected.size()) << "family F (nothing billable) gets no invoice";
  EXPECT_EQ(drafts.count(6), 0u);
  for (const auto& [family, e] : expected) {
    SCOPED_TRACE("family " + std::to_string(family));
    ASSERT_EQ(drafts.count(family), 1u);
    const auto& d = drafts[family];
    EXPECT_TRUE(d.problems.empty());
    ASSERT_EQ(d.lines.size(), e.lines.size());
    Cents sum = 0;
    for (size_t i = 0; i < e.lines.size(); ++i) {
      EXPECT_EQ(d.lines[i].netAmount, e.lines[i]) << d.lines[i].label;
      sum += d.lines[i].netAmount;
    }
    EXPECT_EQ(d.totals.lines, sum) << "BR-CO-10: BT-106 is the sum of the rounded lines";
    EXPECT_EQ(d.totals.tax, e.tax);
    EXPECT_EQ(d.totals.total, e.total);
  }
}

TEST(FacturationGolden, LinesCarryTheirBasesAndPeriods) {
  auto drafts = bill();
  const auto& b = drafts[2].lines;
  EXPECT_EQ(b[0].quantity, 4000);
  EXPECT_EQ(b[0].unitPrice, 29000);
  EXPECT_EQ(b[0].periodStart, "2026-03-02");
  EXPECT_EQ(b[0].periodEnd, "2026-03-06");
  EXPECT_EQ(b[1].periodStart, "2026-03-16");
  EXPECT_NE(b[0].description.find("Quotient familial 650"), std::string::npos);
  const auto& g = drafts[7].lines[0];
  EXPECT_EQ(g.periodStart, "2026-03-23");
  EXPECT_EQ(g.periodEnd, "2026-03-31");
  const auto& e = drafts[5].lines;
  EXPECT_NE(e[1].label.find("absences non justifiées"), std::string::npos);
  EXPECT_EQ(e[1].quantity, 1000);
  const auto& k = drafts[11].lines[0];
  EXPECT_EQ(k.quantity, 1750);
  EXPECT_EQ(k.unitCode, "HUR");
}

TEST(FacturationGolden, VatBreakdownPerCategoryAndRate) {
  auto drafts = bill();
  const auto& t = drafts[9].totals;
  ASSERT_EQ(t.vat.size(), 2u);
  EXPECT_EQ(t.vat[0].category, VatCategory::kExempt);
  EXPECT_EQ(t.vat[0].base, 610);
  EXPECT_EQ(t.vat[0].tax, 0);
  EXPECT_EQ(t.vat[1].category, VatCategory::kStandard);
  EXPECT_EQ(t.vat[1].rate, 550);
  EXPECT_EQ(t.vat[1].base, 3750);
  EXPECT_EQ(t.vat[1].tax, 206);
}

TEST(FacturationGolden, UnpricedDaysAreReportedNotBilled) {
  auto in = input(cases());
  in.families[0].quotients.clear();    // family A without a quotient
  in.grid.erase(in.grid.begin() + 8);  // no evening childcare price any more
  std::map<Id, DraftInvoice> drafts;
  for (auto& d : computeBilling(in)) drafts[d.familyId] = d;
  EXPECT_TRUE(drafts[1].lines.empty());
  EXPECT_EQ(drafts[1].problems.size(), 10u);
  EXPECT_TRUE(drafts[8].lines.empty());
  EXPECT_EQ(drafts[8].problems.size(), 2u);
  EXPECT_EQ(drafts[2].totals.total, 2075) << "the others are unaffected";
}

TEST(FacturationGolden, ZeroAttendanceMonthGivesNoInvoice) {
  EXPECT_TRUE(computeBilling(input(cases(), "2026-04")).empty());
}

TEST(FacturationRounding, HalfUpToTheCentPerLine) {
  EXPECT_EQ(lineAmount(1000, 29000), 290);
  EXPECT_EQ(lineAmount(500, 12345), 62);  // 0.61725
  EXPECT_EQ(lineAmount(1000, 1250), 13);  // 0.125 → 0.13 (half up)
  EXPECT_EQ(lineAmount(1000, 1249), 12);
  EXPECT_EQ(lineAmount(3000, 3333), 100);  // 0.9999
  EXPECT_EQ(lineAmount(0, 99999), 0);
  EXPECT_EQ(vatAmount(3750, 550), 206);  // 2.0625
  EXPECT_EQ(vatAmount(1000, 550), 55);
  EXPECT_EQ(vatAmount(10, 550), 1);  // 0.55 cent → 1 cent
}

TEST(FacturationRounding, PricesAndDates) {
  EXPECT_EQ(parsePrice("2.90"), 29000);
  EXPECT_EQ(parsePrice("2,9"), 29000);
  EXPECT_EQ(parsePrice("1.2345"), 12345);
  EXPECT_THROW(parsePrice("1.23456"), Error);
  EXPECT_THROW(parsePrice("-1"), Error);
  EXPECT_THROW(parsePrice(""), Error);
  EXPECT_EQ(formatPrice(29000), "2.90");
  EXPECT_EQ(formatPrice(12345), "1.2345");
  EXPECT_EQ(formatCents(-305), "-3.05");
  EXPECT_TRUE(validDate("2028-02-29"));
  EXPECT_FALSE(validDate("2026-02-29"));
  EXPECT_FALSE(validDate("2026-13-01"));
  EXPECT_EQ(addDays("2026-03-20", 30), "2026-04-19");
  EXPECT_EQ(addDays("2026-12-15", 30), "2027-01-14");
  EXPECT_EQ(monthLabel("2026-03"), "mars 2026");
}

}  // namespace
}  // namespace parc::modules::facturation
