// The facturation store on a real SQLite file: billing runs numbered gap-free (also under
// concurrent runs on separate connections), issued rows immutable, credit notes, payments,
// attendance imports all-or-nothing, tenant isolation.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "common/error.h"
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
      char buf[16];
      std::snprintf(buf, sizeof buf, "2026-%02d-%s", m, a.date.substr(8).c_str());
      if (!validDate(buf)) continue;
      a.date = buf;
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
