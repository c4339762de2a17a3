// What leaves the module: Factur-X mapping, SEPA pain.008, revenue titles CSV.
#include <gtest/gtest.h>

#include "server/modules/facturation/export_csv.h"
#include "server/modules/facturation/facturx/cii_writer.h"
#include "server/modules/facturation/facturx/prevalidate.h"
#include "server/modules/facturation/sepa.h"
#include "server/modules/facturation/to_facturx.h"
#include "tests/modules/store_fixture.h"

namespace parc::modules::facturation {
namespace {

using namespace testing;

class Outputs : public ::testing::Test {
 protected:
  void SetUp() override {
    // Families B and C pay by SEPA direct debit.
    for (Id fixture : {2, 3}) {
      Family f = *st.family(town.family.at(fixture));
      f.iban = fixture == 2 ? "FR7630006000011234567890189" : "DE89370400440532013000";
      f.bic = fixture == 2 ? "AGRIFRPP" : "";
      f.mandateReference = "MANDAT-" + std::to_string(fixture);
      f.mandateDate = "2025-09-01";
      st.saveFamily(f, 1);
    }
    run = st.issueRun("2026-03", "2026-04-02", profile(base.tenant1), "Rodez", "user:maire", 1);
  }
  Database base;
  FacturationStore st{base.db, base.tenant1};
  Town town = loadTown(st, cases());
  RunResult run;
};

TEST_F(Outputs, EveryIssuedInvoiceMapsToAValidEn16931Invoice) {
  Invoice credit = st.issueCreditNote(run.invoices[1].id, {{1, 1000}}, "erreur de saisie",
                                      "2026-04-03", "user:maire", 2);
  auto all = st.invoices("", std::nullopt);
  ASSERT_EQ(all.size(), 11u);
  for (const auto& inv : all) {
    SCOPED_TRACE(inv.number);
    facturx::Invoice x = toFacturx(inv);
    EXPECT_EQ(x.number, inv.number);
    EXPECT_EQ(x.totals.lineTotal, inv.totalLines);
    EXPECT_EQ(x.totals.grandTotal, inv.total);
    EXPECT_EQ(x.seller.siren, "211202023");
    EXPECT_FALSE(x.notes.empty());
    auto findings = facturx::prevalidate(x);
    EXPECT_TRUE(findings.empty()) << facturx::describe(findings);
    std::string xml = facturx::writeCii(x);
    EXPECT_NE(xml.find(inv.number), std::string::npos);
  }
  facturx::Invoice c = toFacturx(credit);
  EXPECT_EQ(c.typeCode, "381");
  EXPECT_EQ(c.precedingInvoice, run.invoices[1].number);
  facturx::Invoice b = toFacturx(*st.invoice(run.invoices[1].id));
  ASSERT_TRUE(b.payment.has_value());
  EXPECT_EQ(b.payment->typeCode, "59");
  EXPECT_EQ(b.payment->mandateReference, "MANDAT-2");
  facturx::Invoice a = toFacturx(*st.invoice(run.invoices[0].id));
  ASSERT_TRUE(a.payment.has_value());
  EXPECT_EQ(a.payment->typeCode, "30");
  EXPECT_EQ(a.payment->iban, "FR7630001007941234567890185");
}

TEST_F(Outputs, SepaDirectDebitBatch) {
  auto batch = directDebitBatch(st, profile(base.tenant1), "2026-03", "2026-04-15",
                                "2026-04-02T09:00:00", "PARC-1-2026-03");
  ASSERT_EQ(batch.debits.size(), 2u);
  EXPECT_EQ(batch.debits[0].amount, 2075);
  EXPECT_EQ(batch.debits[1].amount, 2455);
  std::string xml = writePain008(batch);
  EXPECT_TRUE(checkPain008(xml).empty());
  EXPECT_NE(xml.find("<CtrlSum>45.30</CtrlSum>"), std::string::npos);
  EXPECT_NE(xml.find("<NbOfTxs>2</NbOfTxs>"), std::string::npos);
  EXPECT_NE(xml.find("NOTPROVIDED"), std::string::npos) << "IBAN-only debtor";
  EXPECT_NE(xml.find("urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"), std::string::npos);
  // The checker catches what a bank would refuse first.
  std::string wrongSum = xml;
  wrongSum.replace(wrongSum.find("<CtrlSum>45.30"), 14, "<CtrlSum>45.31");
  EXPECT_FALSE(checkPain008(wrongSum).empty());
  std::string noMandate = xml;
  noMandate.replace(noMandate.find("<MndtId>"), 8, "<Mndt>");
  noMandate.replace(noMandate.find("</MndtId>"), 9, "</Mndt>");
  EXPECT_FALSE(checkPain008(noMandate).empty());
  EXPECT_FALSE(checkPain008("<Document>").empty());
  // Paid invoices leave the batch; a batch with nothing to collect is refused.
  st.recordPayment(
      {0, town.family.at(2), run.invoices[1].id, "2026-04-10", 2075, "cheque", "", "u"}, 1);
  auto after = directDebitBatch(st, profile(base.tenant1), "2026-03", "2026-04-15", "x", "y");
  EXPECT_EQ(after.debits.size(), 1u);
  EXPECT_THROW(
      writePain008(directDebitBatch(st, profile(base.tenant1), "2026-05", "2026-06-15", "x", "y")),
      Error);
}

// Generating the month's file twice must not debit the families twice: what a file
// presented is recorded, and the next batch leaves it out.
TEST_F(Outputs, SepaFilesNeverPresentAnInvoiceTwice) {
  auto batch = directDebitBatch(st, profile(base.tenant1), "2026-03", "2026-04-15",
                                "2026-04-02T09:00:00", "PARC-1-2026-03-a");
  ASSERT_EQ(batch.debits.size(), 2u);
  std::vector<Presentation> debits;
  for (const auto& d : batch.debits)
    debits.push_back({d.invoiceId, d.amount, d.endToEndId, d.mandateReference, d.sequenceType});
  std::string xml = writePain008(batch);
  st.recordDirectDebitFile(batch.messageId, "2026-03", "2026-04-15", debits, xml, "u", 10);
  EXPECT_EQ(st.presentedForDebit().size(), 2u);
  auto again = directDebitBatch(st, profile(base.tenant1), "2026-03", "2026-04-15",
                                "2026-04-02T09:05:00", "PARC-1-2026-03-b");
  EXPECT_TRUE(again.debits.empty()) << "both invoices were already presented";
  // A batch built before the first one was recorded (two secretaries at once) is refused
  // whole when it is recorded, so its file is never handed out.
  try {
    st.recordDirectDebitFile("PARC-1-2026-03-c", "2026-03", "2026-04-15", debits, xml, "u", 11);
    FAIL() << "an invoice cannot be presented twice";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
    EXPECT_NE(std::string(e.what()).find("déjà été présentée"), std::string::npos) << e.what();
  }
  sqlite::Statement files(base.db, "SELECT COUNT(*) FROM mod_facturation_sepa_files");
  ASSERT_TRUE(files.step());
  EXPECT_EQ(files.int64(0), 1);
  // Another tenant's invoices are not affected.
  FacturationStore other(base.db, base.tenant2);
  EXPECT_TRUE(other.presentedForDebit().empty());
}

TEST(SepaText, AccentsAreTransliteratedNotReplaced) {
  EXPECT_EQ(sepaText("François Müller", 70), "Francois Muller");
  EXPECT_EQ(sepaText("Éloïse Hélène Œdipe-Straße", 70), "Eloise Helene OEdipe-Strasse");
  EXPECT_EQ(sepaText("Noël & Zoé’s café", 70), "Noel   Zoe's cafe");
  EXPECT_EQ(sepaText("Zoé", 2), "Zo");
  EXPECT_EQ(sepaText("AŒ", 2), "A") << "a transliteration that does not fit is left out";
  EXPECT_EQ(sepaText("日本", 70), "  ");
}

TEST_F(Outputs, SepaDebtorNamesKeepTheirLetters) {
  Family b = *st.family(town.family.at(2));
  b.payerName = "François Lefèvre";
  st.saveFamily(b, 1);
  std::string xml = writePain008(directDebitBatch(st, profile(base.tenant1), "2026-03",
                                                  "2026-04-15", "2026-04-02T09:00:00", "M"));
  EXPECT_NE(xml.find("<Nm>Francois Lefevre</Nm>"), std::string::npos) << xml;
}

TEST_F(Outputs, RevenueTitlesCsv) {
  st.issueCreditNote(run.invoices[1].id, {{1, 1000}}, "repas; non servi", "2026-04-03", "u", 2);
  std::string csv = revenueTitlesCsv(st.invoices("", std::nullopt));
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < csv.size()) {
    size_t end = csv.find("\r\n", pos);
    lines.push_back(csv.substr(pos, end - pos));
    pos = end + 2;
  }
  ASSERT_EQ(lines.size(), 12u);
  EXPECT_EQ(lines[0],
            "numero;type;date_emission;date_echeance;exercice;periode;redevable;adresse;"
            "code_postal;ville;objet;montant_ht;montant_tva;montant_ttc;piece_origine");
  EXPECT_EQ(lines[1],
            "FAC-2026-000001;titre;2026-04-02;2026-05-02;2026;2026-03;Famille A;"
            "1 rue de la Mairie;12000;Rodez;Facture cantine et périscolaire mars 2026;"
            "15.00;0.00;15.00;");
  EXPECT_EQ(lines[11],
            "AV-2026-000001;avoir;2026-04-03;;2026;2026-03;Famille B;1 rue de la Mairie;12000;"
            "Rodez;Avoir cantine et périscolaire mars 2026;-2.90;0.00;-2.90;FAC-2026-000002");
}

}  // namespace
}  // namespace parc::modules::facturation
