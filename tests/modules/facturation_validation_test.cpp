// Every invoice and credit note of the golden month, written by the Factur-X layer,
// validated by the official artefacts: Factur-X EN16931 XSD (xmllint), CEN EN 16931 CII
// schematron and Factur-X EN16931 schematron (Saxon-HE), zero fatal failures
// (tests/modules/facturx_validate.py runs them).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "common/json/json.h"
#include "server/modules/facturation/facturx/cii_writer.h"
#include "server/modules/facturation/to_facturx.h"
#include "tests/modules/store_fixture.h"

namespace parc::modules::facturation {
namespace {

using namespace testing;

TEST(FacturationValidation, IssuedDocumentsPassXsdAndSchematrons) {
  const char* reference = std::getenv("PARC_FACTURX_REFERENCE");
  std::string ref = reference ? reference : "/work/shared/reference/admin/facturation";
  if (!std::filesystem::exists(ref) || !std::filesystem::exists("/usr/share/java/Saxon-HE.jar"))
    GTEST_SKIP() << "reference artefacts or Saxon-HE missing";
  Database base;
  FacturationStore st(base.db, base.tenant1);
  Town town = loadTown(st, cases());
  Family b = *st.family(town.family.at(2));
  b.iban = "FR7630006000011234567890189";
  b.mandateReference = "MANDAT-2";
  b.mandateDate = "2025-09-01";
  st.saveFamily(b, 1);
  auto run = st.issueRun("2026-03", "2026-04-02", profile(base.tenant1), "Rodez", "u", 1);
  st.issueCreditNote(run.invoices[1].id, {{2, 1000}}, "repas non servi", "2026-04-03", "u", 2);
  st.issueCreditNote(run.invoices[8].id, {}, "annulation", "2026-04-03", "u", 3);
  auto dir = base.dir.path() / "xml";
  std::filesystem::create_directories(dir);
  int n = 0;
  for (const auto& inv : st.invoices("", std::nullopt)) {
    std::ofstream(dir / (inv.number + ".xml")) << facturx::writeCii(toFacturx(inv));
    ++n;
  }
  ASSERT_EQ(n, 12);
  auto report = base.dir.path() / "report.json";
  std::string cmd = "/usr/bin/python3 " PARC_SOURCE_DIR
                    "/tests/modules/facturx_validate.py --rules cen,facturx --json " +
                    report.string() + " " + dir.string();
  int rc = std::system(cmd.c_str());
  std::ifstream in(report);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rc, 0) << text.substr(0, 4000);
  EXPECT_NE(text.find("FAC-2026-000010"), std::string::npos) << text.substr(0, 2000);
}

}  // namespace
}  // namespace parc::modules::facturation
