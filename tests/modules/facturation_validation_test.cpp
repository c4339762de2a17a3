// Every invoice and credit note of the golden month, written by the Factur-X layer,
// validated by the official artefacts: Factur-X EN16931 XSD (xmllint), CEN EN 16931 CII
// schematron and Factur-X EN16931 schematron (Saxon-HE), zero fatal failures
// (tests/modules/facturx_validate.py runs them). Also a town whose services are all "not
// subject to VAT" (O, no VAT identifier) and credit notes whose VAT is capped so that they
// never give back more than the invoice charged.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <optional>

#include "common/json/json.h"
#include "server/modules/facturation/facturx/cii_writer.h"
#include "server/modules/facturation/to_facturx.h"
#include "tests/modules/facturx_reference.h"
#include "tests/modules/store_fixture.h"

namespace parc::modules::facturation {
namespace {

using namespace testing;

TEST(FacturationValidation, IssuedDocumentsPassXsdAndSchematrons) {
  PARC_FACTURX_NEEDS(facturxValidatorMissing());
  setenv("PARC_FACTURX_REFERENCE", facturxReference().c_str(), 1);  // for facturx_validate.py
  Database base;
  FacturationStore st(base.db, base.tenant1);
  Town town = loadTown(st, cases());
  Family b = *st.family(town.family.at(2));
  b.iban = "FR7630006000011234567890189";
  b.mandateReference = "MANDAT-2";
  b.mandateDate = "2025-09-01";
  st.saveFamily(b, 1);
  // 3 days of leisure centre at 12.50, 5.5 % VAT: credited in two notes (VAT capped).
  Id lou = st.saveChild({0, st.saveFamily(family(0, "Famille Loisirs", 900), 1).id, "Lou", "L"}).id;
  std::vector<FacturationStore::DayEntry> leisure;
  for (const char* d : {"2026-03-04", "2026-03-11", "2026-03-18"})
    leisure.push_back({{lou, town.service.at(kLoisirs), d}, false});
  st.setAttendance(leisure);
  auto run = st.issueRun("2026-03", "2026-04-02", profile(base.tenant1), "Rodez", "u", 1);
  ASSERT_EQ(run.invoices.size(), 11u);
  st.issueCreditNote(run.invoices[1].id, {{2, 1000}}, "repas non servi", "2026-04-03", "u", 2);
  st.issueCreditNote(run.invoices[8].id, {}, "annulation", "2026-04-03", "u", 3);
  st.issueCreditNote(run.invoices[10].id, {{1, 1000}}, "sortie annulée", "2026-04-03", "u", 4);
  st.issueCreditNote(run.invoices[10].id, {{1, 2000}}, "fermeture", "2026-04-04", "u", 5);
  // The second town: every service not subject to VAT, no VAT identifier (BR-O-*).
  FacturationStore millau(base.db, base.tenant2);
  loadTown(millau, cases());
  for (auto s : millau.services()) {
    s.vatCategory = VatCategory::kNotSubject;
    s.vatRate = 0;
    millau.saveService(s);
  }
  TenantProfile notSubject = profile(base.tenant2);
  notSubject.vatId.clear();
  auto oRun = millau.issueRun("2026-03", "2026-04-02", notSubject, "Millau", "u", 6);
  millau.issueCreditNote(oRun.invoices[0].id, {}, "annulation", "2026-04-03", "u", 7);
  auto dir = base.dir.path() / "xml";
  std::filesystem::create_directories(dir);
  int n = 0;
  for (auto* store : {&st, &millau})
    for (const auto& inv : store->invoices("", std::nullopt)) {
      std::string town = store == &st ? "rodez-" : "millau-";
      std::ofstream(dir / (town + inv.number + ".xml")) << facturx::writeCii(toFacturx(inv));
      ++n;
    }
  ASSERT_EQ(n, 11 + 4 + 10 + 1);
  // The mention and the code agree (the schematrons check the code list, BR-CL-22): the
  // exempt town cites the exemption (VATEX-EU-132), the other art. 256 B (VATEX-EU-O).
  auto read = [](const std::filesystem::path& f) {
    std::ifstream in(f);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  std::string rodez = read(dir / "rodez-FAC-2026-000001.xml");
  std::string outside = read(dir / "millau-FAC-2026-000001.xml");
  EXPECT_NE(rodez.find("<ram:ExemptionReasonCode>VATEX-EU-132<"), std::string::npos);
  EXPECT_EQ(rodez.find("256 B"), std::string::npos);
  EXPECT_NE(outside.find("<ram:ExemptionReasonCode>VATEX-EU-O<"), std::string::npos);
  EXPECT_NE(outside.find("256 B"), std::string::npos);
  auto report = base.dir.path() / "report.json";
  std::string cmd = "/usr/bin/python3 " PARC_SOURCE_DIR
                    "/tests/modules/facturx_validate.py --rules cen,facturx --json " +
                    report.string() + " " + dir.string();
  int rc = std::system(cmd.c_str());
  std::ifstream in(report);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rc, 0) << text.substr(0, 4000);
  EXPECT_NE(text.find("rodez-AV-2026-000004"), std::string::npos) << text.substr(0, 2000);
  EXPECT_NE(text.find("millau-FAC-2026-000010"), std::string::npos) << text.substr(0, 2000);
}

// A public body paying (an intercommunality for the leisure centre): a B2G invoice for
// Chorus Pro, and its credit note, pass the French CTC rules (BR-FR Flux 2 schematron)
// with zero fatal failure as well as the XSD and the CEN and Factur-X schematrons.
TEST(FacturationValidation, PublicBodyInvoicesPassBrFr) {
  PARC_FACTURX_NEEDS(facturxValidatorMissing());
  setenv("PARC_FACTURX_REFERENCE", facturxReference().c_str(), 1);
  Database base;
  FacturationStore st(base.db, base.tenant1);
  Town town = loadTown(st, cases());
  Family cc = family(0, "Communauté de communes du Pays Ruthénois", 900);
  cc.siret = "20010000600002";
  cc.serviceCode = "SERVICE-ENFANCE";
  cc.engagement = "EJ-2026-0042";
  Id kid = st.saveChild({0, st.saveFamily(cc, 1).id, "Lou", "L"}).id;
  std::vector<FacturationStore::DayEntry> days;
  for (const char* d : {"2026-03-04", "2026-03-11"})
    days.push_back({{kid, town.service.at(kLoisirs), d}, false});
  st.setAttendance(days);
  auto run = st.issueRun("2026-03", "2026-04-02", profile(base.tenant1), "Rodez", "u", 1);
  std::optional<Invoice> b2g;
  for (const auto& inv : run.invoices)
    if (isPublicBuyer(inv)) b2g = inv;
  ASSERT_TRUE(b2g);
  Invoice note = st.issueCreditNote(b2g->id, {{1, 1000}}, "sortie annulée", "2026-04-03", "u", 2);
  auto dir = base.dir.path() / "b2g";
  std::filesystem::create_directories(dir);
  std::string invoiceXml;
  for (const Invoice* inv : {&*b2g, &note}) {
    std::string xml = facturx::writeCii(toFacturx(*inv), {true, true});
    if (inv == &*b2g) invoiceXml = xml;
    std::ofstream(dir / (inv->number + ".xml")) << xml;
  }
  // Control: the same invoice as if the payer were a family fails BR-FR, so the rule set
  // did run and the public-body data is what makes the difference.
  Invoice asFamily = *b2g;
  asFamily.payer["siret"] = "";
  std::ofstream(dir / "control-b2c.xml") << facturx::writeCii(toFacturx(asFamily));
  EXPECT_NE(invoiceXml.find("<ram:BuyerReference>SERVICE-ENFANCE<"), std::string::npos);
  EXPECT_NE(invoiceXml.find("EJ-2026-0042"), std::string::npos);
  EXPECT_NE(invoiceXml.find("schemeID=\"0009\">20010000600002<"), std::string::npos);
  auto report = base.dir.path() / "b2g.json";
  std::string cmd = "/usr/bin/python3 " PARC_SOURCE_DIR
                    "/tests/modules/facturx_validate.py --rules cen,facturx,brfr --json " +
                    report.string() + " " + dir.string();
  EXPECT_NE(std::system(cmd.c_str()), 0) << "the control fails";
  std::ifstream in(report);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Json files = Json::parse(text).at("files");
  for (const std::string& name : {b2g->number, note.number}) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(files.contains(name + ".xml")) << text.substr(0, 2000);
    const Json& f = files.at(name + ".xml");
    EXPECT_TRUE(f.at("xsd").empty()) << f.dump();
    for (const char* rules : {"cen", "facturx", "brfr"})
      EXPECT_TRUE(f.at(rules).at("fatal").empty()) << rules << ": " << f.at(rules).dump();
  }
  ASSERT_TRUE(files.contains("control-b2c.xml")) << text.substr(0, 2000);
  EXPECT_FALSE(files.at("control-b2c.xml").at("brfr").at("fatal").empty());
}

}  // namespace
}  // namespace parc::modules::facturation
