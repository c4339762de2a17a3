// The facturation store on a real SQLite file: billing runs numbered gap-free (also under
// concurrent runs on separate connections), issued rows immutable, credit notes, payments,
// attendance imports all-or-nothing, tenant isolation.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "common/error.h"
#include "server/modules/facturation/facturx/prevalidate.h"
#include "server/modules/facturation/to_facturx.h"
#include "server/modules/facturation/vat_rules.h"
#include "tests/modules/store_fixture.h"

namespace parc::modules::facturation {
namespace {

using namespace testing;

class FacturationStoreTest : public ::testing::Test {
 protected:
  Database base;
  FacturationStore st{base.db, base.tenant1};
  Town town = loadTown(st, cases());

  RunResult issueMarch(const std::string& date = "2026-04-02") {
    return st.issueRun("2026-03", date, profile(base.tenant1), "Rodez", "user:maire", 2000);
  }
};

TEST_F(FacturationStoreTest, IssuedRunMatchesTheGoldenAmountsAndNumbers) {
  auto preview = st.preview("2026-03");
  EXPECT_EQ(preview.size(), 10u);
  auto run = issueMarch();
  ASSERT_EQ(run.invoices.size(), 10u);
  Cents total = 0;
  for (size_t i = 0; i < run.invoices.size(); ++i) {
    char want[32];
    std::snprintf(want, sizeof want, "FAC-2026-%06zu", i + 1);
    EXPECT_EQ(run.invoices[i].number, want);
    total += run.invoices[i].total;
  }
  EXPECT_EQ(total, 1500 + 2075 + 2455 + 490 + 1160 + 960 + 124 + 4566 + 1160 + 216);
  auto b = st.invoices("2026-03", town.family.at(2));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].total, 2075);
  EXPECT_EQ(b[0].dueDate, "2026-05-02");
  ASSERT_EQ(b[0].lines.size(), 2u);
  EXPECT_EQ(b[0].payer["name"], "Famille B");
  EXPECT_EQ(b[0].seller["ordonnateur_name"], "Marie Dupont");
  ASSERT_EQ(b[0].notes.size(), 4u);
  EXPECT_NE(b[0].notes[2].find("L1617-5"), std::string::npos);
  // Nothing left: a second run of the same month issues nothing and numbers nothing.
  EXPECT_TRUE(st.preview("2026-03").empty());
  try {
    issueMarch();
    FAIL() << "a second run of the month must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
  }
}

TEST_F(FacturationStoreTest, IssuedInvoicesAreImmutable) {
  auto run = issueMarch();
  Id id = run.invoices[0].id;
  for (const char* sql :
       {"UPDATE mod_facturation_invoices SET total = 1 WHERE id = ?",
        "DELETE FROM mod_facturation_invoices WHERE id = ?",
        "UPDATE mod_facturation_invoice_lines SET net_cents = 1 WHERE invoice_id = ?",
        "DELETE FROM mod_facturation_invoice_lines WHERE invoice_id = ?"}) {
    SCOPED_TRACE(sql);
    sqlite::Statement q(base.db, sql);
    q.bind(1, id);
    EXPECT_THROW(q.run(), Error);
  }
  EXPECT_EQ(st.invoice(id)->total, run.invoices[0].total);
  EXPECT_EQ(st.invoice(id)->lines.size(), run.invoices[0].lines.size());
  // Its month's attendance is frozen too.
  Attendance a{town.child.at(11), town.service.at(kCantine), "2026-03-20"};
  EXPECT_THROW(st.setAttendance({{a, false}}), Error);
}

TEST_F(FacturationStoreTest, RefusedRunNumbersNothing) {
  Family f = family(0, "Sans quotient", 0);
  f.quotients.clear();
  Id fam = st.saveFamily(f, 1).id;
  Id child = st.saveChild({0, fam, "Zoé", "Z"}).id;
  st.setAttendance({{{child, town.service.at(kCantine), "2026-03-02"}, false}});
  try {
    issueMarch();
    FAIL() << "a day without a quotient must stop the run";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
    EXPECT_NE(std::string(e.what()).find("aucun quotient"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(st.invoices("", std::nullopt).empty());
  st.setQuotient(fam, "2026-01-01", 100);
  auto run = issueMarch();
  EXPECT_EQ(run.invoices.front().number, "FAC-2026-000001") << "no number was lost";
  EXPECT_EQ(run.invoices.size(), 11u);
}

TEST_F(FacturationStoreTest, ExemptLinesNeedTheSellersVatIdentifier) {
  TenantProfile p = profile(base.tenant1);
  p.vatId.clear();
  try {
    st.issueRun("2026-03", "2026-04-02", p, "Rodez", "u", 1);
    FAIL() << "BR-E-02 would fail";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
    EXPECT_NE(std::string(e.what()).find("BR-E-02"), std::string::npos);
  }
  EXPECT_TRUE(st.invoices("", std::nullopt).empty());
}

// Every service "not subject to VAT" (O): the commune must not state a VAT identifier.
void makeEveryServiceNotSubject(FacturationStore& st) {
  for (auto s : st.services()) {
    s.vatCategory = VatCategory::kNotSubject;
    s.vatRate = 0;
    st.saveService(s);
  }
}

// What is refused is refused whole: no invoice stored, no number consumed.
void expectRefusedAndNothingIssued(FacturationStore& st, const TenantProfile& p,
                                   const std::string& ruleId) {
  try {
    st.issueRun("2026-03", "2026-04-02", p, "Rodez", "u", 1);
    FAIL() << ruleId << " would fail: the run must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
    EXPECT_NE(std::string(e.what()).find(ruleId), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("rien n'a été émis"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(st.invoices("", std::nullopt).empty());
}

TEST_F(FacturationStoreTest, NotSubjectServicesAreRefusedWithAVatIdentifier) {
  makeEveryServiceNotSubject(st);
  expectRefusedAndNothingIssued(st, profile(base.tenant1), "BR-O-02");
  // Without the identifier the same month is billed, numbered from 1, and valid.
  TenantProfile p = profile(base.tenant1);
  p.vatId.clear();
  auto run = st.issueRun("2026-03", "2026-04-02", p, "Rodez", "u", 1);
  ASSERT_EQ(run.invoices.size(), 10u);
  EXPECT_EQ(run.invoices.front().number, "FAC-2026-000001") << "no number was lost";
  for (const auto& inv : run.invoices) {
    auto x = toFacturx(inv);
    EXPECT_TRUE(facturx::prevalidate(x).empty()) << facturx::describe(facturx::prevalidate(x));
  }
}

// The VAT mention follows the category: article 256 B (outside the scope of VAT) only for
// O with VATEX-EU-O, the exemption articles for E with VATEX-EU-132, in the BT-22 note,
// the BG-23 breakdown (BT-120/121) and nowhere else.
bool mentions(const Invoice& inv, const std::string& text) {
  for (const auto& n : inv.notes)
    if (n.find(text) != std::string::npos) return true;
  return false;
}

TEST_F(FacturationStoreTest, VatMentionMatchesTheCategory) {
  auto exempt = issueMarch();
  for (const auto& inv : exempt.invoices) {
    EXPECT_FALSE(mentions(inv, "256 B")) << inv.number << ": E is not outside the scope";
    EXPECT_TRUE(mentions(inv, "Exonération de TVA : article 261 du CGI")) << inv.number;
    for (const auto& v : toFacturx(inv).vat) {
      if (v.category != facturx::VatCategory::kExempt) continue;
      EXPECT_EQ(v.exemptionReasonCode, "VATEX-EU-132") << inv.number;
      EXPECT_EQ(v.exemptionReason.find("256 B"), std::string::npos) << inv.number;
    }
  }
  FacturationStore other(base.db, base.tenant2);
  loadTown(other, cases());
  makeEveryServiceNotSubject(other);
  TenantProfile p = profile(base.tenant2);
  p.vatId.clear();
  auto outside = other.issueRun("2026-03", "2026-04-02", p, "Millau", "u", 1);
  ASSERT_FALSE(outside.invoices.empty());
  for (const auto& inv : outside.invoices) {
    EXPECT_TRUE(mentions(inv, "TVA non applicable, article 256 B du CGI")) << inv.number;
    EXPECT_FALSE(mentions(inv, "Exonération")) << inv.number;
    auto x = toFacturx(inv);
    ASSERT_EQ(x.vat.size(), 1u);
    EXPECT_EQ(x.vat[0].exemptionReasonCode, "VATEX-EU-O");
    EXPECT_NE(x.vat[0].exemptionReason.find("256 B"), std::string::npos);
  }
  // Standard-rated only: no VAT exemption statement at all (BR-S-10).
  EXPECT_FALSE(vatStatement({{VatCategory::kStandard, 550, 1000, 55}}));
}

// A public body paying: its SIRET is checked, and its invoice is a B2G one (buyer SIRET
// and SIREN, service code BT-10, commitment BT-13, billing mode S1, notes PMT/PMD/AAB)
// that passes our French CTC rules; a family's stays B2C.
TEST_F(FacturationStoreTest, PublicBodyPayerGetsAB2gInvoice) {
  Family cc = family(0, "Communauté de communes", 900);
  cc.siret = "20010000600003";  // check digit wrong
  EXPECT_THROW(st.saveFamily(cc, 1), Error);
  cc.siret.clear();
  cc.serviceCode = "SERVICE-ENFANCE";
  EXPECT_THROW(st.saveFamily(cc, 1), Error) << "a service code without a SIRET";
  size_t before = st.families().size();
  cc.siret = "20010000600002";
  cc.engagement = "EJ-2026-0042";
  Id kid = st.saveChild({0, st.saveFamily(cc, 1).id, "Lou", "L"}).id;
  EXPECT_EQ(st.families().size(), before + 1);
  st.setAttendance({{{kid, town.service.at(kCantine), "2026-03-04"}, false}});
  auto run = issueMarch();
  int publicOnes = 0;
  for (const auto& inv : run.invoices) {
    auto x = toFacturx(inv);
    if (!isPublicBuyer(inv)) {
      EXPECT_TRUE(x.businessProcess.empty()) << inv.number;
      continue;
    }
    ++publicOnes;
    EXPECT_EQ(x.buyer.siret, "20010000600002");
    EXPECT_EQ(x.buyer.siren, "200100006");
    EXPECT_EQ(x.buyerReference, "SERVICE-ENFANCE");
    EXPECT_EQ(x.purchaseOrderReference, "EJ-2026-0042");
    EXPECT_EQ(x.businessProcess, "S1");
    ASSERT_EQ(x.subjectNotes.size(), 3u);
    EXPECT_TRUE(facturx::prevalidate(x, {true}).empty())
        << facturx::describe(facturx::prevalidate(x, {true}));
  }
  EXPECT_EQ(publicOnes, 1);
}

TEST_F(FacturationStoreTest, InvoicesFailingEn16931AreRefusedBeforeNumbering) {
  // No VAT id and no SIRET: nothing identifies the seller (BR-CO-26). Only the in-process
  // Factur-X check at issue catches this one.
  makeEveryServiceNotSubject(st);
  TenantProfile p = profile(base.tenant1);
  p.vatId.clear();
  p.siret.clear();
  expectRefusedAndNothingIssued(st, p, "BR-CO-26");
  p.siret = profile(base.tenant1).siret;
  EXPECT_EQ(st.issueRun("2026-03", "2026-04-02", p, "Rodez", "u", 1).invoices.front().number,
            "FAC-2026-000001");
}

TEST(FacturationVatRules, CategoryMixesEn16931Refuses) {
  auto line = [](VatCategory c) {
    DraftLine l;
    l.vatCategory = c;
    l.vatRate = c == VatCategory::kStandard ? 550 : 0;
    return l;
  };
  const DraftLine o = line(VatCategory::kNotSubject), e = line(VatCategory::kExempt),
                  sRated = line(VatCategory::kStandard);
  EXPECT_FALSE(vatRegimeProblem({o, o}, ""));
  EXPECT_FALSE(vatRegimeProblem({e, sRated}, "FR44211202023"));
  auto mixed = vatRegimeProblem({o, e}, "");
  ASSERT_TRUE(mixed);
  EXPECT_NE(mixed->find("BR-O-11"), std::string::npos) << *mixed;
  EXPECT_NE(mixed->find("catégorie E"), std::string::npos) << *mixed;
  ASSERT_TRUE(vatRegimeProblem({o, sRated}, "FR44211202023"));
  EXPECT_NE(vatRegimeProblem({o}, "FR44211202023")->find("BR-O-02"), std::string::npos);
  EXPECT_NE(vatRegimeProblem({e}, "")->find("BR-E-02"), std::string::npos);
}

TEST_F(FacturationStoreTest, MixingNotSubjectAndExemptServicesIsRefused) {
  // The canteen not subject to VAT, the childcare exempt: families using both would get
  // an invoice breaking BR-O-11/12. The whole run is refused.
  for (auto s : st.services()) {
    if (s.code != "cantine") continue;
    s.vatCategory = VatCategory::kNotSubject;
    st.saveService(s);
  }
  TenantProfile p = profile(base.tenant1);
  p.vatId.clear();
  try {
    st.issueRun("2026-03", "2026-04-02", p, "Rodez", "u", 1);
    FAIL() << "the run must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
    EXPECT_NE(std::string(e.what()).find("BR-"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(st.invoices("", std::nullopt).empty());
}

TEST_F(FacturationStoreTest, BadFamilyInputChangesNothing) {
  size_t before = st.families().size();
  Family f = family(0, "Famille Erreur", 200000);  // quotient out of range
  EXPECT_THROW(st.saveFamily(f, 1), Error);
  f.quotients = {{"2026-02-30", 300}};
  EXPECT_THROW(st.saveFamily(f, 1), Error);
  f = family(0, "Famille IBAN", 300);
  f.iban = "FR7630001007941234567890186";
  EXPECT_THROW(st.saveFamily(f, 1), Error);
  EXPECT_EQ(st.families().size(), before);
}

TEST_F(FacturationStoreTest, NumbersFollowIssueDates) {
  issueMarch("2026-04-10");
  Id fam = st.saveFamily(family(0, "Tardive", 300), 1).id;
  Id child = st.saveChild({0, fam, "Léo", "L"}).id;
  st.setAttendance({{{child, town.service.at(kCantine), "2026-03-30"}, false}});
  EXPECT_THROW(issueMarch("2026-04-09"), Error) << "an earlier date than FAC-2026-000010";
  auto run = issueMarch("2026-04-10");
  EXPECT_EQ(run.invoices.front().number, "FAC-2026-000011");
}

TEST_F(FacturationStoreTest, CreditNotesCorrectWithoutTouchingTheInvoice) {
  auto run = issueMarch();
  Invoice b = st.invoices("2026-03", town.family.at(2)).front();
  // One meal of the second line (3.05) was not served.
  Invoice n1 = st.issueCreditNote(b.id, {{2, 1000}}, "repas non servi le 19/03", "2026-04-05",
                                  "user:maire", 3000);
  EXPECT_EQ(n1.number, "AV-2026-000001");
  EXPECT_EQ(n1.typeCode, "381");
  EXPECT_EQ(n1.total, 305);
  EXPECT_EQ(n1.precedingNumber, b.number);
  EXPECT_EQ(st.due(b).due(), 2075 - 305);
  // More than what is left on that line is refused; the rest of it is accepted.
  EXPECT_THROW(st.issueCreditNote(b.id, {{2, 3000}}, "x", "2026-04-05", "u", 1), Error);
  Invoice n2 = st.issueCreditNote(b.id, {}, "annulation", "2026-04-06", "user:maire", 3001);
  EXPECT_EQ(n2.number, "AV-2026-000002");
  EXPECT_EQ(n2.total, 2075 - 305) << "the whole remainder: line 1 and two meals of line 2";
  EXPECT_EQ(st.due(b).due(), 0);
  EXPECT_THROW(st.issueCreditNote(b.id, {}, "encore", "2026-04-06", "u", 1), Error);
  EXPECT_THROW(st.issueCreditNote(n1.id, {}, "avoir d'avoir", "2026-04-06", "u", 1), Error);
  EXPECT_EQ(st.invoice(b.id)->total, 2075) << "the invoice itself never changes";
  auto balances = st.balances();
  for (const auto& bal : balances) {
    if (bal.familyId == town.family.at(2)) {
      EXPECT_EQ(bal.due(), 0);
    }
  }
}

// A line of 37.50 at 5.5 % carries 2.06 of VAT (2.0625). Credited as 12.50 then 25.00,
// each note rounded on its own would give back 0.69 + 1.38 = 2.07: one cent more than
// was charged. The second note gives back what is left, 1.37.
TEST_F(FacturationStoreTest, CreditNotesNeverGiveBackMoreVatThanInvoiced) {
  Id fam = st.saveFamily(family(0, "Famille Loisirs", 900), 1).id;
  Id child = st.saveChild({0, fam, "Lou", "L"}).id;
  std::vector<FacturationStore::DayEntry> entries;
  for (const char* d : {"2026-03-04", "2026-03-11", "2026-03-18"})
    entries.push_back({{child, town.service.at(kLoisirs), d}, false});
  st.setAttendance(entries);
  issueMarch();
  Invoice inv = st.invoices("2026-03", fam).front();
  ASSERT_EQ(inv.lines.size(), 1u);
  EXPECT_EQ(inv.totalLines, 3750);
  EXPECT_EQ(inv.totalTax, 206);
  Invoice n1 = st.issueCreditNote(inv.id, {{1, 1000}}, "sortie annulée", "2026-04-05", "u", 2);
  EXPECT_EQ(n1.totalLines, 1250);
  EXPECT_EQ(n1.totalTax, 69);
  Invoice n2 = st.issueCreditNote(inv.id, {{1, 2000}}, "fermeture", "2026-04-06", "u", 3);
  EXPECT_EQ(n2.totalLines, 2500);
  EXPECT_EQ(n2.totalTax, 137) << "capped: 2.06 - 0.69";
  EXPECT_EQ(n1.totalTax + n2.totalTax, inv.totalTax);
  EXPECT_EQ(st.due(inv).due(), 0);
  // As stored and as written in the Factur-X XML, still a valid EN 16931 credit note.
  Invoice stored = *st.invoice(n2.id);
  ASSERT_EQ(stored.vat.size(), 1u);
  EXPECT_EQ(stored.vat[0].tax, 137);
  auto x = toFacturx(stored);
  EXPECT_EQ(x.totals.taxTotal, 137);
  EXPECT_EQ(x.totals.grandTotal, 2637);
  EXPECT_TRUE(facturx::prevalidate(x).empty()) << facturx::describe(facturx::prevalidate(x));
}

// Sequences are per year: the first document dated in a new year is number 1 of that
// year, whatever month it bills, and the previous year's series goes on independently.
TEST_F(FacturationStoreTest, NumberingStartsAgainEachYear) {
  issueMarch();  // FAC-2026-000001 … 000010
  Id alice = town.child.at(11), cantine = town.service.at(kCantine);
  st.setAttendance(
      {{{alice, cantine, "2026-11-30"}, false}, {{alice, cantine, "2026-12-01"}, false}});
  auto december = st.issueRun("2026-12", "2027-01-04", profile(base.tenant1), "Rodez", "u", 2);
  ASSERT_EQ(december.invoices.size(), 1u);
  EXPECT_EQ(december.invoices[0].number, "FAC-2027-000001");
  auto november = st.issueRun("2026-11", "2026-12-30", profile(base.tenant1), "Rodez", "u", 3);
  EXPECT_EQ(november.invoices[0].number, "FAC-2026-000011");
  Invoice note = st.issueCreditNote(december.invoices[0].id, {}, "erreur", "2027-01-05", "u", 4);
  EXPECT_EQ(note.number, "AV-2027-000001");
  auto more = st.issueCreditNote(november.invoices[0].id, {}, "erreur", "2027-01-05", "u", 5);
  EXPECT_EQ(more.number, "AV-2027-000002");
}

TEST_F(FacturationStoreTest, PaymentsBalancesAndReminders) {
  auto run = issueMarch("2026-04-02");
  Invoice a = st.invoices("2026-03", town.family.at(1)).front();
  Payment p{0, town.family.at(1), a.id, "2026-04-10", 1000, "cheque", "n° 123", "user:regie"};
  st.recordPayment(p, 1);
  EXPECT_EQ(st.due(a).due(), 500);
  p.amount = 501;
  EXPECT_THROW(st.recordPayment(p, 1), Error) << "more than owed";
  p.method = "bitcoin";
  p.amount = 100;
  EXPECT_THROW(st.recordPayment(p, 1), Error);
  p.method = "cash";
  p.invoiceId = st.invoices("2026-03", town.family.at(2)).front().id;
  EXPECT_THROW(st.recordPayment(p, 1), Error) << "another family's invoice";
  Cents due = 0;
  for (const auto& b : st.balances()) due += b.due();
  EXPECT_EQ(due, 14706 - 1000);
  EXPECT_TRUE(st.overdue("2026-05-02").empty()) << "due on 2026-05-02, not yet late";
  auto late = st.overdue("2026-05-03");
  EXPECT_EQ(late.size(), 10u);
  std::string text = reminderText(profile(base.tenant1), "Famille A", {late.front()}, "2026-05-03");
  EXPECT_NE(text.find(a.number), std::string::npos);
  EXPECT_NE(text.find("5.00"), std::string::npos);
}

TEST_F(FacturationStoreTest, CsvImportIsAllOrNothing) {
  std::string cantine = "cantine";
  std::string c = std::to_string(town.child.at(11));
  int written = -1;
  std::string bad = "date;child_id;service;presence;quantity\n2026-04-01;" + c +
                    ";cantine;present\n2026-04-31;" + c + ";cantine;present\n2026-04-02;999;" +
                    cantine + ";present\n2026-04-03;" + c + ";piscine;present\n2026-04-06;" + c +
                    ";cantine;malade\n2026-04-07;" + c + ";garderie_soir;present;abc\n";
  auto errors = st.importAttendanceCsv(bad, &written);
  ASSERT_EQ(errors.size(), 5u);
  EXPECT_EQ(errors[0].line, 3);
  EXPECT_NE(errors[0].message.find("date"), std::string::npos);
  EXPECT_EQ(errors[1].line, 4);
  EXPECT_EQ(errors[2].line, 5);
  EXPECT_EQ(errors[3].line, 6);
  EXPECT_EQ(errors[4].line, 7);
  EXPECT_EQ(written, 0);
  EXPECT_TRUE(st.attendance("2026-04").empty()) << "the good line was not written either";
  std::string good = "2026-04-01;" + c + ";cantine;present\n2026-04-02;" + c +
                     ";cantine;AN\n2026-04-03;" + c + ";garderie_soir;present;1,5\n";
  EXPECT_TRUE(st.importAttendanceCsv(good, &written).empty());
  EXPECT_EQ(written, 3);
  auto april = st.attendance("2026-04");
  ASSERT_EQ(april.size(), 3u);
  EXPECT_EQ(april[1].presence, Presence::kAbsentUnjustified);
  EXPECT_EQ(april[2].quantity, 1500);
}

TEST_F(FacturationStoreTest, TenantsSeeOnlyTheirOwnRows) {
  auto run = issueMarch();
  FacturationStore other(base.db, base.tenant2);
  EXPECT_TRUE(other.families().empty());
  EXPECT_TRUE(other.invoices("", std::nullopt).empty());
  EXPECT_FALSE(other.invoice(run.invoices[0].id).has_value());
  EXPECT_THROW(other.issueCreditNote(run.invoices[0].id, {}, "x", "2026-04-05", "u", 1), Error);
  Attendance a{town.child.at(11), town.service.at(kCantine), "2026-04-01"};
  EXPECT_THROW(other.setAttendance({{a, false}}), Error);
  EXPECT_THROW(other.saveChild({0, town.family.at(1), "X", "Y"}), Error);
  // The other tenant numbers from 1 on its own.
  loadTown(other, cases());
  auto r2 = other.issueRun("2026-03", "2026-04-02", profile(base.tenant2), "Millau", "u", 1);
  EXPECT_EQ(r2.invoices.front().number, "FAC-2026-000001");
}

// Concurrent billing runs on separate connections (as separate server processes would):
// every month's families billed exactly once, numbers 1..N with no gap, no duplicate.
TEST(FacturationNumbering, ConcurrentRunsLeaveNoGapAndNoDuplicate) {
  Database base;
  FacturationStore st(base.db, base.tenant1);
  Town town = loadTown(st, cases());
  // The same attendance pattern for every month of 2026 up to June (shifted dates).
  std::vector<FacturationStore::DayEntry> more;
  for (int m = 1; m <= 6; ++m) {
    if (m == 3) continue;
    for (auto a : st.attendance("2026-03")) {
      std::string date = fmt::format("2026-{:02}-{}", m, a.date.substr(8));
      if (!validDate(date)) continue;
      a.date = date;
      more.push_back({a, false});
    }
  }
  st.setAttendance(more);
  std::atomic<int> issued{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t) {
    threads.emplace_back([&, t] {
      auto db = sqlite::Database::open(base.file);
      FacturationStore mine(db, base.tenant1);
      char month[8];
      std::snprintf(month, sizeof month, "2026-%02d", t % 6 + 1);  // each month twice
      try {
        auto r = mine.issueRun(month, "2026-07-01", profile(base.tenant1), "Rodez",
                               "thread:" + std::to_string(t), t);
        issued += static_cast<int>(r.invoices.size());
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::kConflict) ADD_FAILURE() << e.what();
        ++refused;
      }
    });
  }
  for (auto& th : threads) th.join();
  auto all = st.invoices("", std::nullopt);
  EXPECT_EQ(static_cast<int>(all.size()), issued.load());
  std::set<std::string> numbers;
  std::set<std::pair<Id, std::string>> familyMonths;
  for (const auto& inv : all) {
    numbers.insert(inv.number);
    EXPECT_TRUE(familyMonths.insert({inv.familyId, inv.month}).second) << "billed twice";
  }
  EXPECT_EQ(numbers.size(), all.size()) << "duplicate numbers";
  int n = 0;
  for (const auto& num : numbers) {
    char want[32];
    std::snprintf(want, sizeof want, "FAC-2026-%06d", ++n);
    EXPECT_EQ(num, want) << "gap in the numbering";
  }
  EXPECT_EQ(refused.load(), 6) << "the second run of each month found nothing left";
  EXPECT_GE(all.size(), 50u);
}

}  // namespace
}  // namespace parc::modules::facturation
