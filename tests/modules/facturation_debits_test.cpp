// SEPA direct debits after the file: the bank's answer (collected → payments, rejected →
// reason code), presenting a rejected debit again with the right sequence type (FRST/RCUR),
// and refunds of an overpayment. Real SQLite file, real store (store_fixture.h).
#include <gtest/gtest.h>

#include <set>

#include "common/error.h"
#include "common/sqlite/database.h"
#include "server/modules/facturation/module.h"
#include "server/modules/facturation/sepa.h"
#include "tests/modules/store_fixture.h"

namespace parc::modules::facturation {
namespace {

using namespace testing;

class Debits : public ::testing::Test {
 protected:
  void SetUp() override {
    // Families B and C pay by SEPA direct debit: March invoices 20.75 and 24.55.
    for (Id fixture : {2, 3}) {
      Family f = *st.family(town.family.at(fixture));
      f.iban = fixture == 2 ? "FR7630006000011234567890189" : "DE89370400440532013000";
      f.mandateReference = "MANDAT-" + std::to_string(fixture);
      f.mandateDate = "2025-09-01";
      st.saveFamily(f, 1);
    }
    run = st.issueRun("2026-03", "2026-04-02", profile(base.tenant1), "Rodez", "u", 1);
    b = run.invoices[1];
    c = run.invoices[2];
    ASSERT_EQ(b.familyId, town.family.at(2));
    ASSERT_EQ(c.familyId, town.family.at(3));
  }

  // Builds the month's batch, writes and records its file: what the route does.
  std::pair<Id, DirectDebitBatch> present(const std::string& month, const std::string& msgId) {
    auto batch = directDebitBatch(st, profile(base.tenant1), month, "2026-05-15",
                                  "2026-05-02T09:00:00", msgId);
    std::vector<Presentation> debits;
    for (const auto& d : batch.debits)
      debits.push_back({d.invoiceId, d.amount, d.endToEndId, d.mandateReference, d.sequenceType});
    if (debits.empty()) return {0, batch};
    std::string xml = writePain008(batch);
    EXPECT_TRUE(checkPain008(xml).empty()) << xml;
    return {st.recordDirectDebitFile(msgId, month, "2026-05-15", debits, xml, "u", 10), batch};
  }

  Cents dueOf(const Invoice& inv) { return st.due(*st.invoice(inv.id)).due(); }
  Cents balanceOf(Id family) {
    for (const auto& x : st.balances())
      if (x.familyId == family) return x.due();
    return 0;
  }
  std::vector<Payment> payments() { return st.payments(std::nullopt); }

  Database base;
  FacturationStore st{base.db, base.tenant1};
  Town town = loadTown(st, cases());
  RunResult run;
  Invoice b, c;
};

TEST_F(Debits, CollectionPaysAndRejectionReopensForTheNextBatch) {
  auto [file, first] = present("2026-03", "PARC-1-2026-03-a");
  ASSERT_EQ(first.debits.size(), 2u);
  for (const auto& d : first.debits) EXPECT_EQ(d.sequenceType, "FRST") << "new mandates";
  // The bank collects B and rejects C for insufficient funds.
  Settlement done = st.settleDirectDebitFile(file, "2026-05-16", {{c.id, "AM04"}}, "u", 11);
  EXPECT_EQ(done.collected, 1);
  EXPECT_EQ(done.rejected, 1);
  EXPECT_EQ(done.collectedAmount, 2075);
  ASSERT_EQ(payments().size(), 1u);
  const Payment paid = payments()[0];
  EXPECT_EQ(paid.invoiceId, b.id);
  EXPECT_EQ(paid.method, "sepa_direct_debit");
  EXPECT_EQ(paid.amount, 2075);
  EXPECT_EQ(paid.paidOn, "2026-05-16");
  EXPECT_NE(paid.reference.find("PARC-1-2026-03-a"), std::string::npos) << paid.reference;
  EXPECT_EQ(dueOf(b), 0) << "collected: paid";
  EXPECT_EQ(dueOf(c), 2455) << "rejected: still owed";
  // The file is answered: a second answer is refused.
  EXPECT_THROW(st.settleDirectDebitFile(file, "2026-05-17", {}, "u", 12), Error);
  // C is presented again in the next batch, still FRST (its first debit failed), with a
  // new end-to-end id; B is not presented again, and its next debit would be RCUR.
  auto [again, next] = present("2026-04", "PARC-1-2026-04-a");
  ASSERT_EQ(next.debits.size(), 1u);
  EXPECT_EQ(next.debits[0].invoiceId, c.id);
  EXPECT_EQ(next.debits[0].sequenceType, "FRST");
  EXPECT_EQ(next.debits[0].endToEndId, c.number + "-2");
  EXPECT_EQ(sequenceType(st.debitHistory(), b.familyId, "MANDAT-2"), "RCUR");
  st.settleDirectDebitFile(again, "2026-06-16", {}, "u", 13);
  EXPECT_EQ(dueOf(c), 0);
  EXPECT_EQ(sequenceType(st.debitHistory(), c.familyId, "MANDAT-3"), "RCUR");
  auto files = st.directDebitFiles();
  ASSERT_EQ(files.size(), 2u);
  ASSERT_EQ(files[1].debits.size(), 2u);
  EXPECT_EQ(files[1].debits[1].status, "rejected");
  EXPECT_EQ(files[1].debits[1].reasonCode, "AM04");
}

TEST_F(Debits, ARejectionThatForbidsPresentingAgainKeepsTheInvoiceOut) {
  auto [file, first] = present("2026-03", "PARC-1-2026-03-a");
  st.settleDirectDebitFile(file, "2026-05-16", {{b.id, "AC04"}, {c.id, "MD01"}}, "u", 11);
  EXPECT_TRUE(payments().empty());
  EXPECT_EQ(dueOf(b), 2075);
  EXPECT_TRUE(present("2026-04", "PARC-1-2026-04-a").second.debits.empty())
      << "closed account and missing mandate: collected by other means";
  // Even a file built by hand cannot present them again.
  try {
    st.recordDirectDebitFile("PARC-1-2026-04-b", "2026-04", "2026-05-15",
                             {{b.id, 2075, b.number + "-2", "MANDAT-2", "FRST"}}, "<x/>", "u", 12);
    FAIL() << "AC04 cannot be presented again";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
    EXPECT_NE(std::string(e.what()).find("AC04"), std::string::npos) << e.what();
  }
}

TEST_F(Debits, BadAnswersChangeNothing) {
  auto [file, first] = present("2026-03", "PARC-1-2026-03-a");
  auto refused = [&](const std::vector<Rejection>& rj, const std::string& on) {
    try {
      st.settleDirectDebitFile(file, on, rj, "u", 11);
      ADD_FAILURE() << "must be refused";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kBadRequest) << e.what();
    }
  };
  refused({{c.id, "ZZ99"}}, "2026-05-16");                // unknown reason code
  refused({{run.invoices[0].id, "AM04"}}, "2026-05-16");  // not in this file
  refused({{c.id, "AM04"}, {c.id, "AM04"}}, "2026-05-16");
  refused({}, "16/05/2026");
  EXPECT_THROW(st.settleDirectDebitFile(file + 100, "2026-05-16", {}, "u", 11), Error);
  EXPECT_TRUE(payments().empty());
  for (const auto& d : st.debitHistory()) EXPECT_EQ(d.status, "presented");
  // Another tenant sees neither the file nor its debits.
  FacturationStore other(base.db, base.tenant2);
  EXPECT_TRUE(other.directDebitFiles().empty());
  EXPECT_THROW(other.settleDirectDebitFile(file, "2026-05-16", {}, "u", 11), Error);
}

TEST_F(Debits, OverpaymentBecomesCreditAndIsRefundedAtMostOnce) {
  auto [file, first] = present("2026-03", "PARC-1-2026-03-a");
  // Between the file and the bank's answer, B's invoice is credited by 5.15 (one meal):
  // the bank still collects 20.75, so 5.15 is the family's credit.
  st.issueCreditNote(b.id, {{1, 1000}}, "repas non servi", "2026-05-10", "u", 9);
  Cents credited = 2075 - dueOf(b);
  ASSERT_GT(credited, 0);
  st.settleDirectDebitFile(file, "2026-05-16", {}, "u", 11);
  EXPECT_EQ(dueOf(b), 0);
  EXPECT_EQ(balanceOf(b.familyId), -credited);
  auto ps = st.payments(b.familyId);
  ASSERT_EQ(ps.size(), 2u) << "the invoice's part and the excess";
  EXPECT_EQ(ps[0].amount + ps[1].amount, 2075);
  Refund r{0, b.familyId, "2026-05-20", credited + 1, "transfer", "trop-perçu", "", "u"};
  EXPECT_THROW(st.recordRefund(r, 12), Error) << "more than the credit";
  r.amount = credited;
  r.method = "bitcoin";
  EXPECT_THROW(st.recordRefund(r, 12), Error);
  r.method = "transfer";
  r.reason.clear();
  EXPECT_THROW(st.recordRefund(r, 12), Error);
  EXPECT_TRUE(st.refunds(std::nullopt).empty()) << "refused refunds change nothing";
  r.reason = "trop-perçu (avoir après prélèvement)";
  Refund done = st.recordRefund(r, 12);
  EXPECT_GT(done.id, 0);
  EXPECT_EQ(balanceOf(b.familyId), 0);
  EXPECT_THROW(st.recordRefund(r, 13), Error) << "the credit is gone";
  ASSERT_EQ(st.refunds(b.familyId).size(), 1u);
  // A family owing money has nothing to refund.
  Refund none{0, c.familyId, "2026-05-20", 100, "cash", "erreur", "", "u"};
  EXPECT_THROW(st.recordRefund(none, 14), Error);
}

// Upgrading a store whose files were generated before migration 3: every debit they
// presented is kept (still presented, so never presented again, RCUR, its end-to-end id
// the invoice number, its mandate the one issued with the invoice), and can be answered.
TEST(DebitsMigration, DebitsRecordedBeforeVersion3AreKept) {
  auto db = sqlite::Database::openMemory();
  db.exec("CREATE TABLE tenants (id INTEGER PRIMARY KEY); INSERT INTO tenants VALUES (1);");
  const auto& all = migrations();
  ASSERT_GE(all.size(), 3u);
  sqlite::migrate(db, {all[0], all[1]});
  db.exec(
      "INSERT INTO mod_facturation_families (id, tenant_id, payer_name, created_at) "
      "VALUES (7, 1, 'Famille B', 1);"
      "INSERT INTO mod_facturation_invoices (id, tenant_id, number, type_code, family_id, month, "
      "issue_date, due_date, payer, seller, notes, total_lines, total_tax, total, issued_by, "
      "created_at) VALUES (3, 1, 'FAC-2026-000003', '380', 7, '2026-03', '2026-04-02', "
      "'2026-05-02', '{\"name\":\"Famille B\",\"mandate_reference\":\"MANDAT-2\"}', '{}', "
      "'[]', 2075, 0, 2075, 'u', 1);"
      "INSERT INTO mod_facturation_sepa_files (id, tenant_id, message_id, month, "
      "collection_date, created_by, created_at, xml) VALUES (5, 1, 'PARC-1-2026-03', "
      "'2026-03', '2026-04-15', 'u', 1, '<x/>');"
      "INSERT INTO mod_facturation_sepa_debits VALUES (3, 5, 2075);");
  std::vector<sqlite::Migration> upgrade(all.begin(), all.end());
  EXPECT_EQ(sqlite::migrate(db, upgrade), static_cast<int>(all.size()));
  FacturationStore st(db, 1);
  auto history = st.debitHistory();
  ASSERT_EQ(history.size(), 1u);
  const DirectDebitRecord& d = history[0];
  EXPECT_EQ(d.invoiceId, 3);
  EXPECT_EQ(d.fileId, 5);
  EXPECT_EQ(d.amount, 2075);
  EXPECT_EQ(d.endToEndId, "FAC-2026-000003");
  EXPECT_EQ(d.mandateReference, "MANDAT-2");
  EXPECT_EQ(d.sequenceType, "RCUR");
  EXPECT_EQ(d.status, "presented");
  EXPECT_EQ(st.presentedForDebit(), std::set<Id>{3});
  EXPECT_EQ(sequenceType(history, 7, "MANDAT-2"), "RCUR");
  // Still one live presentation per invoice at most (the partial unique index).
  EXPECT_THROW(db.exec("INSERT INTO mod_facturation_sepa_debits (invoice_id, file_id, "
                       "amount_cents, end_to_end_id, mandate_reference, sequence_type) "
                       "VALUES (3, 5, 2075, 'x', 'MANDAT-2', 'RCUR')"),
               Error);
}

TEST(SepaSequence, PaymentInformationPerSequenceType) {
  DirectDebitBatch batch;
  batch.messageId = "M";
  batch.createdAt = "2026-05-02T09:00:00";
  batch.collectionDate = "2026-05-15";
  batch.creditorName = "Commune";
  batch.creditorIban = "FR7630001007941234567890185";
  batch.creditorId = "FR72ZZZ123456";
  batch.debits = {{1, "FAC-1", "RCUR", 1000, "M1", "2025-01-01", "A", "FR76", "", "x"},
                  {2, "FAC-2", "FRST", 250, "M2", "2025-01-01", "B", "FR76", "", "y"}};
  std::string xml = writePain008(batch);
  EXPECT_TRUE(checkPain008(xml).empty()) << xml;
  EXPECT_LT(xml.find("<SeqTp>FRST</SeqTp>"), xml.find("<SeqTp>RCUR</SeqTp>"));
  EXPECT_NE(xml.find("<PmtInfId>M-FRST</PmtInfId><PmtMtd>DD</PmtMtd><NbOfTxs>1</NbOfTxs>"
                     "<CtrlSum>2.50</CtrlSum>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<NbOfTxs>2</NbOfTxs><CtrlSum>12.50</CtrlSum>"), std::string::npos);
  std::string wrong = xml;
  wrong.replace(wrong.find("<CtrlSum>2.50"), 13, "<CtrlSum>2.51");
  EXPECT_FALSE(checkPain008(wrong).empty()) << "a block's control sum is checked";
  batch.debits[0].sequenceType = "OOFF";
  EXPECT_THROW(writePain008(batch), Error);
  EXPECT_TRUE(rejectReason("AM04")->representable);
  EXPECT_FALSE(rejectReason("AC04")->representable);
  EXPECT_EQ(rejectReason("XX00"), nullptr);
}

}  // namespace
}  // namespace parc::modules::facturation
