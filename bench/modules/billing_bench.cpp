// parc-modules-bench: a town's month of canteen and childcare billing, timed step by step
// on a real SQLite file (the server's schema, migrated by the module host).
//   parc-modules-bench [families] [dir]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "server/modules/facturation/facturx/cii_writer.h"
#include "server/modules/facturation/facturx/pdf_writer.h"
#include "server/modules/facturation/sepa.h"
#include "server/modules/facturation/store.h"
#include "server/modules/facturation/to_facturx.h"
#include "server/modules/module_host.h"
#include "server/store/sqlite/sqlite_store.h"

using namespace parc::modules;
using namespace parc::modules::facturation;
using Clock = std::chrono::steady_clock;

namespace {

double ms(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
  int families = argc > 1 ? std::stoi(argv[1]) : 2000;
  std::filesystem::path dir =
      argc > 2 ? argv[2] : std::filesystem::temp_directory_path() / "parc-modules-bench";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto file = dir / "parc.db";
  parc::server::store::SqliteStore core(file);
  Id tenant = core.createTenant("Rodez", "12202", 1).id;
  auto db = parc::sqlite::Database::open(file);
  ModuleHost::migrateAll(db);
  FacturationStore st(db, tenant);
  TenantProfile seller;
  seller.tenantId = tenant;
  seller.legalName = "Commune de Rodez";
  seller.siret = "21120202300019";
  seller.vatId = "FR44211202023";
  seller.addressLine1 = "Place Adrien Rozier";
  seller.postcode = "12000";
  seller.city = "Rodez";
  seller.iban = "FR7630001007941234567890185";
  seller.bic = "BDFEFRPPCCT";
  seller.sepaCreditorId = "FR72ZZZ123456";
  seller.ordonnateurName = "Marie Dupont";
  seller.ordonnateurTitle = "Maire";

  auto t = Clock::now();
  Id cantine = st.saveService({0, "cantine", "Restauration scolaire"}).id;
  Id soir = st.saveService({0, "garderie_soir", "Garderie du soir", "HUR"}).id;
  st.addPrice({0, cantine, "2026-01-01", "", 0, 700, 29000});
  st.addPrice({0, cantine, "2026-01-01", "", 701, std::nullopt, 41000});
  st.addPrice({0, soir, "2026-01-01", "", 0, std::nullopt, 12345});
  std::vector<FacturationStore::DayEntry> days;
  const int schoolDays[] = {2, 3, 5, 6, 9, 10, 12, 13, 16, 17, 19, 20, 23, 24, 26, 27, 30, 31};
  for (int i = 0; i < families; ++i) {
    Family f;
    f.payerName = "Famille " + std::to_string(i);
    f.address = {"1 rue de la Mairie", "", "12000", "Rodez"};
    f.quotients = {{"2025-09-01", 300 + (i * 37) % 1400}};
    if (i % 3 == 0) {  // a third pay by direct debit
      f.iban = "FR7630006000011234567890189";
      f.mandateReference = "M-" + std::to_string(i);
      f.mandateDate = "2025-09-01";
    }
    Id fam = st.saveFamily(f, 1).id;
    Id child = st.saveChild({0, fam, "Enfant", std::to_string(i)}).id;
    for (int d : schoolDays) {
      char date[16];
      std::snprintf(date, sizeof date, "2026-03-%02d", d);
      days.push_back({{child, cantine, date,
                       (d + i) % 11 == 0 ? Presence::kAbsentJustified : Presence::kPresent},
                      false});
      if (i % 2 == 0) days.push_back({{child, soir, date, Presence::kPresent, 1500}, false});
    }
  }
  double setup = ms(t);
  t = Clock::now();
  st.setAttendance(days);
  double attendance = ms(t);
  t = Clock::now();
  auto preview = st.preview("2026-03");
  double previewMs = ms(t);
  t = Clock::now();
  auto run = st.issueRun("2026-03", "2026-04-02", seller, "Rodez", "bench", 1);
  double issueMs = ms(t);
  t = Clock::now();
  int docs = std::min<int>(50, static_cast<int>(run.invoices.size()));
  size_t xmlBytes = 0, pdfBytes = 0;
  for (int i = 0; i < docs; ++i) {
    auto x = toFacturx(run.invoices[i]);
    std::string xml = facturx::writeCii(x);
    std::string pdf = facturx::writePdf(x, xml);
    xmlBytes += xml.size();
    pdfBytes += pdf.size();
  }
  double docsMs = ms(t);
  t = Clock::now();
  auto batch = directDebitBatch(st, seller, "2026-03", "2026-04-15", "2026-04-02T09:00:00", "B1");
  std::string pain = writePain008(batch);
  bool painOk = checkPain008(pain).empty();
  double sepaMs = ms(t);
  Cents total = 0;
  for (const auto& inv : run.invoices) total += inv.total;
  std::printf(
      "{\"families\": %d, \"attendance_rows\": %zu, \"setup_ms\": %.0f, \"attendance_write_ms\": "
      "%.0f, \"preview_ms\": %.0f, \"issue_ms\": %.0f, \"invoices\": %zu, \"total_eur\": \"%s\", "
      "\"facturx_docs\": %d, \"facturx_ms_per_doc\": %.1f, \"xml_bytes_avg\": %zu, "
      "\"pdf_bytes_avg\": %zu, \"sepa_debits\": %zu, \"sepa_ms\": %.0f, \"sepa_ok\": %s, "
      "\"db_bytes\": %ju}\n",
      families, days.size(), setup, attendance, previewMs, issueMs, run.invoices.size(),
      formatCents(total).c_str(), docs, docs ? docsMs / docs : 0.0, docs ? xmlBytes / docs : 0,
      docs ? pdfBytes / docs : 0, batch.debits.size(), sepaMs, painOk ? "true" : "false",
      static_cast<std::uintmax_t>(std::filesystem::file_size(file)));
  std::filesystem::remove_all(dir);
  return preview.size() == run.invoices.size() && painOk ? 0 : 1;
}
