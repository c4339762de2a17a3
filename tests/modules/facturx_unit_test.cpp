// Factur-X layer without the JVM: exact decimals, pre-validation rule ids on mutated
// invoices, the writer's structure, the reader on the reference invoices (unsupported
// terms reported) and write → read → write stability.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "server/modules/facturation/facturx/cii_reader.h"
#include "server/modules/facturation/facturx/cii_writer.h"
#include "server/modules/facturation/facturx/codes.h"
#include "server/modules/facturation/facturx/prevalidate.h"
#include "tests/modules/facturx_reference.h"
#include "tests/modules/facturx_samples.h"

namespace fx = parc::modules::facturation::facturx;
namespace fs = std::filesystem;

namespace {

fs::path reference() {
  return parc::modules::facturation::testing::facturxReference();
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> ids(const std::vector<fx::Finding>& f) {
  std::vector<std::string> out;
  for (const auto& x : f) out.push_back(x.ruleId);
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& id) {
  return std::find(v.begin(), v.end(), id) != v.end();
}

}  // namespace

TEST(FacturxDecimal, FormatsExactlyFromIntegers) {
  EXPECT_EQ(fx::formatScaled(0, 2), "0.00");
  EXPECT_EQ(fx::formatScaled(5, 2), "0.05");
  EXPECT_EQ(fx::formatScaled(-5, 2), "-0.05");
  EXPECT_EQ(fx::formatScaled(123456, 2), "1234.56");
  EXPECT_EQ(fx::formatScaled(31000, 4), "3.1000");
  EXPECT_EQ(fx::formatScaled(12, 0), "12");
  EXPECT_EQ(fx::formatScaled(INT64_MIN, 2), "-92233720368547758.08");
}

TEST(FacturxDecimal, ParsesBackOrRefuses) {
  EXPECT_EQ(fx::parseScaled("1234.56", 2), 123456);
  EXPECT_EQ(fx::parseScaled(" 3.1 ", 4), 31000);
  EXPECT_EQ(fx::parseScaled("-0.05", 2), -5);
  EXPECT_EQ(fx::parseScaled("10", 3), 10000);
  EXPECT_EQ(fx::parseScaled("1.2300", 2), 123);          // trailing zeros are fine
  EXPECT_EQ(fx::parseScaled("1.234", 2), std::nullopt);  // would need rounding
  EXPECT_EQ(fx::parseScaled("1,23", 2), std::nullopt);
  EXPECT_EQ(fx::parseScaled("", 2), std::nullopt);
  EXPECT_EQ(fx::parseScaled("1.2.3", 2), std::nullopt);
  EXPECT_EQ(fx::parseScaled("99999999999999999999", 2), std::nullopt);
}

TEST(FacturxCodes, CurrencyCategoriesLuhn) {
  EXPECT_TRUE(fx::isIsoCurrency("EUR"));
  EXPECT_TRUE(fx::isIsoCurrency("HUF"));
  EXPECT_FALSE(fx::isIsoCurrency("EUX"));
  EXPECT_FALSE(fx::isIsoCurrency("eur"));
  EXPECT_EQ(fx::categoryFromCode("AE"), fx::VatCategory::kReverseCharge);
  EXPECT_STREQ(fx::categoryCode(fx::VatCategory::kIntraCommunity), "K");
  EXPECT_FALSE(fx::categoryFromCode("X").has_value());
  EXPECT_TRUE(fx::luhnValid("732829320"));
  EXPECT_FALSE(fx::luhnValid("732829321"));
}

TEST(FacturxPrevalidate, SamplesAreClean) {
  for (const auto& inv : {fx::samples::canteenExempt(), fx::samples::mixedRates(),
                          fx::samples::creditNote(), fx::samples::directDebit()}) {
    EXPECT_TRUE(fx::prevalidate(inv).empty())
        << inv.number << ": " << fx::describe(fx::prevalidate(inv));
  }
  auto b2g = fx::samples::b2g();
  EXPECT_TRUE(fx::prevalidate(b2g, {.frenchRules = true}).empty())
      << fx::describe(fx::prevalidate(b2g, {.frenchRules = true}));
}

TEST(FacturxPrevalidate, MixedRatesRoundPerLine) {
  auto inv = fx::samples::mixedRates();
  // 87 m3 × 2.0512 = 178.4544 → 178.45; 5.5 % of it = 9.814… → 9.81.
  EXPECT_EQ(inv.lines[0].netAmount, 17845);
  ASSERT_EQ(inv.vat.size(), 2u);
  EXPECT_EQ(inv.vat[0].taxAmount, 981);
  EXPECT_EQ(inv.totals.lineTotal, 17845 + 4500 + 123);
}

TEST(FacturxPrevalidate, MutationsGiveRuleIds) {
  auto lineSum = fx::samples::mixedRates();
  lineSum.totals.lineTotal += 1;
  EXPECT_TRUE(has(ids(fx::prevalidate(lineSum)), "BR-CO-10"));

  auto breakdown = fx::samples::mixedRates();
  breakdown.vat[1].taxableAmount -= 100;
  EXPECT_TRUE(has(ids(fx::prevalidate(breakdown)), "BR-S-08"));

  auto missing = fx::samples::canteenExempt();
  missing.vat.clear();
  auto m = ids(fx::prevalidate(missing));
  EXPECT_TRUE(has(m, "BR-CO-18"));
  EXPECT_TRUE(has(m, "BR-E-01"));

  auto exempt = fx::samples::canteenExempt();
  exempt.vat[0].taxableAmount += 10;
  EXPECT_TRUE(has(ids(fx::prevalidate(exempt)), "BR-E-08"));

  auto currency = fx::samples::canteenExempt();
  currency.currency = "EUX";
  EXPECT_TRUE(has(ids(fx::prevalidate(currency)), "BR-CL-04"));

  auto grand = fx::samples::mixedRates();
  grand.totals.grandTotal += 1;
  auto g = ids(fx::prevalidate(grand));
  EXPECT_TRUE(has(g, "BR-CO-15"));
  EXPECT_TRUE(has(g, "BR-CO-16"));

  auto vat = fx::samples::mixedRates();
  vat.vat[0].taxAmount += 500;
  vat.totals.taxTotal += 500;
  vat.totals.grandTotal += 500;
  vat.totals.duePayable += 500;
  EXPECT_EQ(ids(fx::prevalidate(vat)), std::vector<std::string>{"BR-CO-17"});

  auto nameless = fx::samples::canteenExempt();
  nameless.buyer.name.clear();
  nameless.lines[0].name.clear();
  auto n = ids(fx::prevalidate(nameless));
  EXPECT_TRUE(has(n, "BR-07"));
  EXPECT_TRUE(has(n, "BR-25"));

  auto siret = fx::samples::b2g();
  siret.buyer.siret = "99999999900011";
  siret.subjectNotes.pop_back();
  auto s = ids(fx::prevalidate(siret, {.frenchRules = true}));
  EXPECT_TRUE(has(s, "BR-FR-09_BT-46"));
  EXPECT_TRUE(has(s, "BR-FR-05_BT-22_AAB"));
}

// Category O (not subject to VAT) is all or nothing and excludes VAT identifiers.
TEST(FacturxPrevalidate, NotSubjectRules) {
  using fx::samples::notSubject;
  auto clean = notSubject(fx::samples::canteenExempt(), 99);
  clean.seller.vatId.clear();
  EXPECT_TRUE(fx::prevalidate(clean).empty()) << fx::describe(fx::prevalidate(clean));

  auto withVatId = clean;
  withVatId.seller.vatId = "FR44211202023";
  EXPECT_EQ(ids(fx::prevalidate(withVatId)), std::vector<std::string>{"BR-O-02"});

  auto mixed = notSubject(fx::samples::canteenExempt(), 2);  // line 3 stays E
  mixed.seller.vatId.clear();
  auto m = ids(fx::prevalidate(mixed));
  EXPECT_TRUE(has(m, "BR-O-11"));
  EXPECT_TRUE(has(m, "BR-O-12"));

  auto twice = clean;
  twice.vat.push_back(twice.vat.front());
  twice.vat.back().taxableAmount = 0;
  EXPECT_TRUE(has(ids(fx::prevalidate(twice)), "BR-O-01"));
}

TEST(FacturxWriter, RefusesWhatPrevalidationRejects) {
  auto inv = fx::samples::canteenExempt();
  inv.totals.lineTotal += 1;
  try {
    fx::writeCii(inv);
    FAIL() << "expected a refusal";
  } catch (const parc::Error& e) {
    EXPECT_EQ(e.kind(), parc::ErrorKind::kBadRequest);
    EXPECT_NE(std::string(e.what()).find("BR-CO-10"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(fx::writeCii(inv, {.prevalidate = false}));
}

TEST(FacturxWriter, WritesExactAmountsAndEscapes) {
  const std::string xml = fx::writeCii(fx::samples::mixedRates());
  EXPECT_NE(xml.find("<ram:ID>urn:cen.eu:en16931:2017</ram:ID>"), std::string::npos);
  EXPECT_NE(xml.find("<ram:LineTotalAmount>178.45</ram:LineTotalAmount>"), std::string::npos);
  EXPECT_NE(xml.find("<ram:ChargeAmount>2.0512</ram:ChargeAmount>"), std::string::npos);
  EXPECT_NE(xml.find("<ram:RateApplicablePercent>5.50</ram:RateApplicablePercent>"),
            std::string::npos);
  EXPECT_NE(xml.find("<udt:DateTimeString format=\"102\">20260202</udt:DateTimeString>"),
            std::string::npos);
  // "&" in the buyer's address line is escaped by libxml2, not pasted raw.
  EXPECT_NE(xml.find("Appartement 3 &amp; 4"), std::string::npos);
}

TEST(FacturxReader, RoundTripKeepsEveryModelledField) {
  for (const auto& inv :
       {fx::samples::canteenExempt(), fx::samples::mixedRates(), fx::samples::creditNote(),
        fx::samples::directDebit(), fx::samples::b2g()}) {
    const std::string first = fx::writeCii(inv);
    auto read = fx::readCii(first);
    EXPECT_TRUE(read.unsupported.empty()) << inv.number << ": " << read.unsupported.front();
    EXPECT_EQ(read.guideline, fx::kGuidelineEn16931);
    EXPECT_EQ(read.invoice.number, inv.number);
    EXPECT_EQ(read.invoice.totals.duePayable, inv.totals.duePayable);
    EXPECT_EQ(read.invoice.lines.size(), inv.lines.size());
    EXPECT_EQ(fx::writeCii(read.invoice), first) << inv.number;  // byte-stable
  }
}

TEST(FacturxReader, RejectsBadInputClearly) {
  EXPECT_THROW(fx::readCii("<not-xml"), parc::Error);
  EXPECT_THROW(fx::readCii("<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:"
                           "Invoice-2\"/>"),
               parc::Error);
  // An external entity is never fetched nor expanded.
  const std::string xxe =
      "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
      "<rsm:CrossIndustryInvoice xmlns:rsm=\"urn:un:unece:uncefact:data:standard:"
      "CrossIndustryInvoice:100\"><rsm:ExchangedDocument><ID>&e;</ID></rsm:ExchangedDocument>"
      "</rsm:CrossIndustryInvoice>";
  auto r = fx::readCii(xxe);
  EXPECT_EQ(r.invoice.number.find("root:"), std::string::npos);
  std::string amount = fx::writeCii(fx::samples::canteenExempt());
  const auto at = amount.find("<ram:LineTotalAmount>");
  amount.replace(at, 21, "<ram:LineTotalAmount>1.234");
  EXPECT_THROW(fx::readCii(amount), parc::Error);
}

TEST(FacturxReader, ReadsReferenceInvoicesAndReportsTheRest) {
  const fs::path dir = reference() / "cen-en16931-validation-1.3.16/cii/examples";
  PARC_FACTURX_NEEDS(fs::exists(dir) ? std::string() : " reference folder " + dir.string());
  int count = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().stem() == "CII_example8") {
      // Net price 0.00101 (5 decimals): our model holds prices in 1/10000, so the reader
      // refuses it instead of rounding an amount it was given.
      EXPECT_THROW(fx::readCii(slurp(e.path())), parc::Error);
      ++count;
      continue;
    }
    auto r = fx::readCii(slurp(e.path()));
    EXPECT_FALSE(r.invoice.number.empty()) << e.path();
    EXPECT_FALSE(r.invoice.lines.empty()) << e.path();
    EXPECT_FALSE(r.guideline.empty()) << e.path();
    ++count;
  }
  EXPECT_EQ(count, 15);
  // The akretion EN16931 sample has line allowances/charges, which we do not model:
  // they are listed, not silently dropped.
  auto fxs = fx::readCii(
      slurp(reference() / "factur-x-akretion-fixtures/tests/fixtures/xml/factur-x-en16931.xml"));
  EXPECT_EQ(fxs.invoice.number, "F20260023");
  EXPECT_EQ(fxs.invoice.totals.taxBasisTotal, 10000);
  EXPECT_EQ(fxs.invoice.allowancesCharges.size(), 8u);
  EXPECT_TRUE(std::any_of(fxs.unsupported.begin(), fxs.unsupported.end(), [](const auto& p) {
    return p.find("SpecifiedLineTradeSettlement/ram:SpecifiedTradeAllowanceCharge") !=
           std::string::npos;
  }));
}
