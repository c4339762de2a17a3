// Every invoice and credit note of the golden month, written by the Factur-X layer,
// validated by the official artefacts: Factur-X EN16931 XSD (xmllint), CEN EN 16931 CII
// schematron and Factur-X EN16931 schematron (Saxon-HE), zero fatal failures
// (tests/modules/facturx_validate.py runs them). Also a town whose services are all "not
// subject to VAT" (O, no VAT identifier) and credit notes whose VAT is capped so that they
// never give back more than the invoice charged.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

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

}  // namespace
}  // namespace parc::modules::facturation
