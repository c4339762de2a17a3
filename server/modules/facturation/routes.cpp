// REST routes of the facturation module, under /api/v1/modules/facturation/tenants/{tenant}.
// The host has already checked scope, activation and module roles (module_host.h).
#include <ctime>
#include <map>

#include "common/error.h"
#include "server/api/route_helpers.h"
#include "server/modules/facturation/export_csv.h"
#include "server/modules/facturation/module.h"
#include "server/modules/facturation/sepa.h"
#include "server/modules/facturation/store.h"
#include "server/modules/facturation/to_facturx.h"
#include "server/modules/facturation/vat_rules.h"
#ifdef PARC_HAVE_FACTURX
#include "server/modules/facturation/facturx/cii_writer.h"
#include "server/modules/facturation/facturx/pdf_writer.h"
#endif

namespace parc::modules::facturation {

namespace {

using server::api::jsonResponse;

const std::vector<std::string> kAnyRole = {"secretaire", "regisseur", "ordonnateur"};
const std::vector<std::string> kSecretary = {"secretaire", "ordonnateur"};
const std::vector<std::string> kOrdonnateur = {"ordonnateur"};
const std::vector<std::string> kRegisseur = {"regisseur", "ordonnateur"};

FacturationStore storeOf(ModuleContext& m) {
  return FacturationStore(m.db, m.tenantId);
}

std::string today(std::int64_t now) {
  std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::string str(const Json& body, const char* key, size_t maxLen, bool required = false) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    if (required)
      throw Error(ErrorKind::kBadRequest, std::string("field '") + key + "' is required");
    return {};
  }
  if (!it->is_string()) throw Error(ErrorKind::kBadRequest, std::string(key) + " must be text");
  std::string v = it->get<std::string>();
  if (v.size() > maxLen) throw Error(ErrorKind::kBadRequest, std::string(key) + " is too long");
  if (required && v.empty())
    throw Error(ErrorKind::kBadRequest, std::string("field '") + key + "' is required");
  return v;
}

std::int64_t integer(const Json& body, const char* key, std::int64_t fallback,
                     bool required = false) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    if (required)
      throw Error(ErrorKind::kBadRequest, std::string("field '") + key + "' is required");
    return fallback;
  }
  if (!it->is_number_integer())
    throw Error(ErrorKind::kBadRequest, std::string(key) + " must be an integer");
  return it->get<std::int64_t>();
}

// A sum of money given as text ("12.30"): cents, with at most 2 decimals.
Cents amountCents(const Json& body) {
  PriceE4 a = parsePrice(str(body, "amount", 20, true));
  if (a % 100 != 0) throw Error(ErrorKind::kBadRequest, "amount has more than 2 decimals");
  return a / 100;
}

// Quantities as JSON numbers ("1", "1.5") → thousandths, exactly.
QuantityE3 quantity(const Json& body, const char* key, QuantityE3 fallback) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return fallback;
  if (it->is_number_integer()) return it->get<std::int64_t>() * 1000;
  if (it->is_number()) return static_cast<QuantityE3>(std::llround(it->get<double>() * 1000));
  throw Error(ErrorKind::kBadRequest, std::string(key) + " must be a number");
}

std::string month(ModuleContext& m) {
  std::string v = m.http.request.query("month");
  if (!validMonth(v)) throw Error(ErrorKind::kBadRequest, "parameter 'month' must be YYYY-MM");
  return v;
}

template <typename T>
Json items(const std::vector<T>& v) {
  Json a = Json::array();
  for (const auto& x : v) a.push_back(toJson(x));
  return Json{{"items", a}, {"count", v.size()}};
}

Family familyFrom(const Json& b, Family f) {
  f.payerName = b.contains("payer_name") ? str(b, "payer_name", 200, true) : f.payerName;
  auto keep = [&](const char* key, size_t max, std::string& field) {
    if (b.contains(key)) field = str(b, key, max);
  };
  keep("address_line1", 200, f.address.line1);
  keep("address_line2", 200, f.address.line2);
  keep("postcode", 10, f.address.postcode);
  keep("city", 100, f.address.city);
  keep("country_code", 2, f.address.countryCode);
  keep("email", 200, f.email);
  keep("mandate_reference", 35, f.mandateReference);
  keep("mandate_date", 10, f.mandateDate);
  keep("iban", 34, f.iban);
  keep("bic", 11, f.bic);
  keep("siret", 14, f.siret);
  keep("service_code", 100, f.serviceCode);
  keep("engagement", 50, f.engagement);
  f.quotients.clear();
  if (b.contains("quotient")) {
    std::string from = b.contains("quotient_from") ? str(b, "quotient_from", 10) : "1900-01-01";
    f.quotients.push_back({from, integer(b, "quotient", 0)});
  }
  return f;
}

Service serviceFrom(const Json& b, Service s) {
  if (b.contains("code")) s.code = str(b, "code", 40, true);
  if (b.contains("name")) s.name = str(b, "name", 200, true);
  if (b.contains("unit_code")) s.unitCode = str(b, "unit_code", 3, true);
  if (b.contains("vat_category")) {
    auto c = vatFromCode(str(b, "vat_category", 1, true));
    if (!c) throw Error(ErrorKind::kBadRequest, "vat_category must be E, S, Z or O");
    s.vatCategory = *c;
  }
  s.vatRate = static_cast<RateE2>(integer(b, "vat_rate", s.vatRate));
  if (b.contains("bill_unjustified_absence")) {
    if (!b["bill_unjustified_absence"].is_boolean())
      throw Error(ErrorKind::kBadRequest, "bill_unjustified_absence must be true or false");
    s.billUnjustifiedAbsence = b["bill_unjustified_absence"].get<bool>();
  }
  if (b.contains("active")) s.active = b.value("active", true);
  return s;
}

TenantProfile seller(ModuleContext& m) {
  return ModuleHost::profile(m.db, m.tenantId);
}

std::string communeName(ModuleContext& m) {
  auto t = m.services.store.findTenant(m.tenantId);
  if (!t) return {};
  return m.host.communes().name(t->inseeCode).value_or("");
}

// The stored Factur-X XML and PDF of an issued document, produced on first request from
// its frozen rows (deterministic: the same rows give the same documents).
std::pair<std::string, std::vector<std::uint8_t>> documents(ModuleContext& m, const Invoice& inv) {
  FacturationStore st = storeOf(m);
  if (auto d = st.document(inv.id)) return *d;
#ifdef PARC_HAVE_FACTURX
  facturx::Invoice x = toFacturx(inv);
  std::string xml = facturx::writeCii(x, {true, isPublicBuyer(inv)});
  std::string pdf = facturx::writePdf(x, xml);
  std::vector<std::uint8_t> bytes(pdf.begin(), pdf.end());
  st.storeDocument(inv.id, xml, bytes);
  return {xml, bytes};
#else
  (void)inv;
  throw Error(ErrorKind::kUnavailable, "this server was built without the Factur-X writer");
#endif
}

// The bank's answer to a direct-debit file, and refunds (store_debits.cpp).
void addDebitRoutes(std::vector<ModuleRoute>& r) {
  r.push_back({"GET", "/sepa/files", kAnyRole, [](ModuleContext& m) {
                 return jsonResponse(200, items(storeOf(m).directDebitFiles()));
               }});
  // The file again, as recorded (the bank lost it, the browser held the download back).
  r.push_back({"GET", "/sepa/files/{id}/pain008", kRegisseur, [](ModuleContext& m) {
                 Id id = m.http.id("id");
                 auto file = storeOf(m).directDebitFileXml(id);
                 if (!file) throw Error(ErrorKind::kNotFound, "no such direct-debit file");
                 m.audit("facturation.sepa.download", "sepa_file:" + std::to_string(id));
                 net::Response res;
                 res.headers["content-type"] = "application/xml; charset=utf-8";
                 res.headers["content-disposition"] = "attachment; filename=\"prelevements-" +
                                                      file->first + "-" + std::to_string(id) +
                                                      ".xml\"";
                 res.body = file->second;
                 return res;
               }});
  r.push_back(
      {"GET", "/sepa/reject-reasons", kAnyRole, [](ModuleContext&) {
         Json a = Json::array();
         for (const auto& x : rejectReasons())
           a.push_back({{"code", x.code}, {"label", x.label}, {"representable", x.representable}});
         return jsonResponse(200, Json{{"items", a}});
       }});
  r.push_back(
      {"POST", "/sepa/files/{id}/settlement", kRegisseur, [](ModuleContext& m) {
         Id file = m.http.id("id");
         Json b = server::api::bodyObject(m.http);
         std::string on = str(b, "settled_on", 10, true);
         std::vector<Rejection> rejections;
         if (b.contains("rejections")) {
           if (!b["rejections"].is_array())
             throw Error(ErrorKind::kBadRequest, "rejections must be a list");
           for (const auto& x : b["rejections"]) {
             if (!x.is_object())
               throw Error(ErrorKind::kBadRequest,
                           "each rejection is {\"invoice_id\", \"reason_code\"}");
             rejections.push_back(
                 {integer(x, "invoice_id", 0, true), str(x, "reason_code", 4, true)});
           }
         }
         auto st = storeOf(m);
         std::string actor = m.http.caller.describe();
         Settlement done = st.settleDirectDebitFile(file, on, rejections, actor, m.http.now);
         const std::string target = "sepa_file:" + std::to_string(file);
         m.audit("facturation.sepa.settlement", target,
                 std::to_string(done.collected) + " collected (" +
                     formatCents(done.collectedAmount) + " EUR), " + std::to_string(done.rejected) +
                     " rejected");
         for (const auto& p : done.payments)
           m.audit("facturation.payment.record", "payment:" + std::to_string(p.id),
                   formatCents(p.amount) + " EUR sepa_direct_debit " + p.reference);
         for (const auto& x : rejections)
           m.audit("facturation.sepa.reject", "invoice:" + std::to_string(x.invoiceId),
                   x.reasonCode + " (" + target + ")");
         Json payments = Json::array();
         for (const auto& p : done.payments) payments.push_back(toJson(p));
         return jsonResponse(200, Json{{"collected", done.collected},
                                       {"rejected", done.rejected},
                                       {"collected_amount", formatCents(done.collectedAmount)},
                                       {"payments", payments}});
       }});
  r.push_back({"GET", "/refunds", kAnyRole, [](ModuleContext& m) {
                 std::optional<Id> fam;
                 if (!m.http.request.query("family_id").empty())
                   fam = server::api::queryInt(m.http, "family_id", 0, 1, INT64_MAX);
                 return jsonResponse(200, items(storeOf(m).refunds(fam)));
               }});
  r.push_back({"POST", "/refunds", kRegisseur, [](ModuleContext& m) {
                 Json b = server::api::bodyObject(m.http);
                 Refund x;
                 x.familyId = integer(b, "family_id", 0, true);
                 x.refundedOn = b.contains("refunded_on") ? str(b, "refunded_on", 10, true)
                                                          : today(m.http.now);
                 x.amount = amountCents(b);
                 x.method = str(b, "method", 30, true);
                 x.reason = str(b, "reason", 500, true);
                 x.reference = str(b, "reference", 140);
                 x.recordedBy = m.http.caller.describe();
                 x = storeOf(m).recordRefund(x, m.http.now);
                 m.audit("facturation.refund.record", "refund:" + std::to_string(x.id),
                         formatCents(x.amount) + " EUR " + x.method +
                             " family:" + std::to_string(x.familyId));
                 return jsonResponse(201, toJson(x));
               }});
}

std::vector<ModuleRoute> build() {
  std::vector<ModuleRoute> r;
  // ---- services and price grid ----
  r.push_back({"GET", "/services", kAnyRole,
               [](ModuleContext& m) { return jsonResponse(200, items(storeOf(m).services())); }});
  r.push_back({"POST", "/services", kSecretary, [](ModuleContext& m) {
                 Service s = serviceFrom(server::api::bodyObject(m.http), Service{});
                 if (s.code.empty() || s.name.empty())
                   throw Error(ErrorKind::kBadRequest, "code and name are required");
                 s = storeOf(m).saveService(s);
                 m.audit("facturation.service.create", "service:" + s.code);
                 return jsonResponse(201, toJson(s));
               }});
  r.push_back({"PUT", "/services/{id}", kSecretary, [](ModuleContext& m) {
                 Id id = m.http.id("id");
                 auto st = storeOf(m);
                 std::optional<Service> cur;
                 for (auto& s : st.services())
                   if (s.id == id) cur = s;
                 if (!cur) throw Error(ErrorKind::kNotFound, "no such service");
                 Service s = st.saveService(serviceFrom(server::api::bodyObject(m.http), *cur));
                 m.audit("facturation.service.update", "service:" + s.code);
                 return jsonResponse(200, toJson(s));
               }});
  r.push_back({"GET", "/prices", kAnyRole,
               [](ModuleContext& m) { return jsonResponse(200, items(storeOf(m).prices())); }});
  r.push_back({"POST", "/prices", kSecretary, [](ModuleContext& m) {
                 Json b = server::api::bodyObject(m.http);
                 Price p;
                 p.serviceId = integer(b, "service_id", 0, true);
                 p.validFrom = str(b, "valid_from", 10, true);
                 p.validTo = str(b, "valid_to", 10);
                 p.qfMin = integer(b, "qf_min", 0);
                 if (b.contains("qf_max") && !b["qf_max"].is_null())
                   p.qfMax = integer(b, "qf_max", 0);
                 p.unitPrice = parsePrice(str(b, "unit_price", 20, true));
                 p = storeOf(m).addPrice(p);
                 m.audit("facturation.price.create", "price:" + std::to_string(p.id),
                         formatPrice(p.unitPrice));
                 return jsonResponse(201, toJson(p));
               }});
  r.push_back({"DELETE", "/prices/{id}", kSecretary, [](ModuleContext& m) {
                 Id id = m.http.id("id");
                 storeOf(m).deletePrice(id);
                 m.audit("facturation.price.delete", "price:" + std::to_string(id));
                 return jsonResponse(200, Json{{"deleted", id}});
               }});
  // ---- families and children ----
  r.push_back({"GET", "/families", kAnyRole,
               [](ModuleContext& m) { return jsonResponse(200, items(storeOf(m).families())); }});
  r.push_back({"POST", "/families", kSecretary, [](ModuleContext& m) {
                 Json b = server::api::bodyObject(m.http);
                 if (!b.contains("payer_name"))
                   throw Error(ErrorKind::kBadRequest, "field 'payer_name' is required");
                 Family f = storeOf(m).saveFamily(familyFrom(b, Family{}), m.http.now);
                 m.audit("facturation.family.create", "family:" + std::to_string(f.id));
                 return jsonResponse(201, toJson(f));
               }});
  r.push_back({"GET", "/families/{id}", kAnyRole, [](ModuleContext& m) {
                 auto st = storeOf(m);
                 auto f = st.family(m.http.id("id"));
                 if (!f) throw Error(ErrorKind::kNotFound, "no such family");
                 Json j = toJson(*f);
                 Json kids = Json::array();
                 for (const auto& c : st.children())
                   if (c.familyId == f->id) kids.push_back(toJson(c));
                 j["children"] = kids;
                 return jsonResponse(200, j);
               }});
  r.push_back({"PUT", "/families/{id}", kSecretary, [](ModuleContext& m) {
                 auto st = storeOf(m);
                 auto cur = st.family(m.http.id("id"));
                 if (!cur) throw Error(ErrorKind::kNotFound, "no such family");
                 Family f =
                     st.saveFamily(familyFrom(server::api::bodyObject(m.http), *cur), m.http.now);
                 m.audit("facturation.family.update", "family:" + std::to_string(f.id));
                 return jsonResponse(200, toJson(f));
               }});
  r.push_back({"GET", "/children", kAnyRole,
               [](ModuleContext& m) { return jsonResponse(200, items(storeOf(m).children())); }});
  r.push_back({"POST", "/children", kSecretary, [](ModuleContext& m) {
                 Json b = server::api::bodyObject(m.http);
                 Child c{0, integer(b, "family_id", 0, true), str(b, "first_name", 100, true),
                         str(b, "last_name", 100, true)};
                 c = storeOf(m).saveChild(c);
                 m.audit("facturation.child.create", "child:" + std::to_string(c.id));
                 return jsonResponse(201, toJson(c));
               }});
  // ---- attendance ----
  r.push_back({"GET", "/attendance", kAnyRole, [](ModuleContext& m) {
                 return jsonResponse(200, items(storeOf(m).attendance(month(m))));
               }});
  r.push_back({"PUT", "/attendance", kSecretary, [](ModuleContext& m) {
                 Json b = server::api::bodyObject(m.http);
                 auto it = b.find("entries");
                 if (it == b.end() || !it->is_array() || it->size() > 20000)
                   throw Error(ErrorKind::kBadRequest, "field 'entries' must be a list (≤ 20000)");
                 std::vector<FacturationStore::DayEntry> entries;
                 for (const auto& e : *it) {
                   if (!e.is_object())
                     throw Error(ErrorKind::kBadRequest, "an entry is not an object");
                   FacturationStore::DayEntry d;
                   d.day.childId = integer(e, "child_id", 0, true);
                   d.day.serviceId = integer(e, "service_id", 0, true);
                   d.day.date = str(e, "date", 10, true);
                   if (!e.contains("presence") || e["presence"].is_null()) {
                     d.remove = true;
                   } else {
                     auto p = presenceFromName(str(e, "presence", 30, true));
                     if (!p)
                       throw Error(ErrorKind::kBadRequest,
                                   "presence must be present, absent_justified, absent_unjustified "
                                   "or null");
                     d.day.presence = *p;
                   }
                   d.day.quantity = quantity(e, "quantity", 1000);
                   entries.push_back(d);
                 }
                 storeOf(m).setAttendance(entries);
                 m.audit("facturation.attendance.update", "attendance",
                         std::to_string(entries.size()) + " day(s)");
                 return jsonResponse(200, Json{{"written", entries.size()}});
               }});
  r.push_back({"POST", "/attendance/import", kSecretary, [](ModuleContext& m) {
                 // The CSV file as the body (text/csv), or {"csv": "..."} from the console.
                 std::string csv = m.http.request.body;
                 if (m.http.request.header("content-type").rfind("application/json", 0) == 0)
                   csv = str(server::api::bodyObject(m.http), "csv", 4 << 20, true);
                 int written = 0;
                 auto errors = storeOf(m).importAttendanceCsv(csv, &written);
                 if (!errors.empty()) {
                   // Every refused line, structured and in the message (what clients show).
                   Json list = Json::array();
                   std::string message =
                       std::to_string(errors.size()) + " line(s) refused, nothing was imported: ";
                   for (size_t i = 0; i < errors.size(); ++i) {
                     list.push_back({{"line", errors[i].line}, {"message", errors[i].message}});
                     if (i < 50)
                       message += (i ? "; line " : "line ") + std::to_string(errors[i].line) +
                                  ": " + errors[i].message;
                   }
                   return jsonResponse(
                       400, Json{{"error", "bad_request"}, {"message", message}, {"errors", list}});
                 }
                 m.audit("facturation.attendance.import", "attendance",
                         std::to_string(written) + " line(s)");
                 return jsonResponse(200, Json{{"written", written}});
               }});
  // ---- billing ----
  r.push_back({"GET", "/billing/preview", kSecretary, [](ModuleContext& m) {
                 auto st = storeOf(m);
                 auto drafts = st.preview(month(m));
                 // What the run would refuse for VAT reasons, shown with the unpriced days
                 // so the secretary corrects it before the ordonnateur issues.
                 const std::string vatId = seller(m).vatId;
                 for (auto& d : drafts)
                   if (auto p = vatRegimeProblem(d.lines, vatId)) {
                     auto f = st.family(d.familyId);
                     d.problems.push_back((f ? f->payerName + " : " : "") + *p);
                   }
                 Cents total = 0;
                 int problems = 0;
                 for (const auto& d : drafts)
                   total += d.totals.total, problems += d.problems.size();
                 Json j = items(drafts);
                 j["total"] = formatCents(total);
                 j["problems"] = problems;
                 return jsonResponse(200, j);
               }});
  r.push_back({"POST", "/billing/runs", kOrdonnateur, [](ModuleContext& m) {
                 Json b = server::api::bodyObject(m.http);
                 std::string mo = str(b, "month", 7, true);
                 std::string date =
                     b.contains("issue_date") ? str(b, "issue_date", 10, true) : today(m.http.now);
                 auto result = storeOf(m).issueRun(mo, date, seller(m), communeName(m),
                                                   m.http.caller.describe(), m.http.now);
                 Cents total = 0;
                 Json numbers = Json::array();
                 for (const auto& i : result.invoices)
                   total += i.total, numbers.push_back(i.number);
                 m.audit("facturation.run.issue", "run:" + std::to_string(result.runId),
                         mo + ": " + std::to_string(result.invoices.size()) + " invoice(s), " +
                             formatCents(total) + " EUR");
                 return jsonResponse(201, Json{{"run_id", result.runId},
                                               {"month", mo},
                                               {"count", result.invoices.size()},
                                               {"total", formatCents(total)},
                                               {"numbers", numbers}});
               }});
  r.push_back({"GET", "/billing/runs", kAnyRole, [](ModuleContext& m) {
                 sqlite::Statement q(m.db,
                                     "SELECT id, month, issued_at, issued_by, invoice_count, "
                                     "total_cents FROM mod_facturation_runs WHERE tenant_id = ? "
                                     "ORDER BY id DESC");
                 q.bind(1, m.tenantId);
                 Json a = Json::array();
                 while (q.step())
                   a.push_back({{"id", q.int64(0)},
                                {"month", q.text(1)},
                                {"issued_at", q.int64(2)},
                                {"issued_by", q.text(3)},
                                {"count", q.int64(4)},
                                {"total", formatCents(q.int64(5))}});
                 return jsonResponse(200, Json{{"items", a}});
               }});
  // ---- invoices ----
  r.push_back({"GET", "/invoices", kAnyRole, [](ModuleContext& m) {
                 std::string mo = m.http.request.query("month");
                 if (!mo.empty() && !validMonth(mo))
                   throw Error(ErrorKind::kBadRequest, "parameter 'month' must be YYYY-MM");
                 std::optional<Id> fam;
                 if (!m.http.request.query("family_id").empty())
                   fam = server::api::queryInt(m.http, "family_id", 0, 1, INT64_MAX);
                 auto st = storeOf(m);
                 Json a = Json::array();
                 for (const auto& inv : st.invoices(mo, fam)) {
                   Json j = toJson(inv);
                   auto d = st.due(inv);
                   j["credited"] = formatCents(d.credited);
                   j["paid"] = formatCents(d.paid);
                   j["due"] = formatCents(inv.typeCode == "380" ? d.due() : 0);
                   a.push_back(j);
                 }
                 return jsonResponse(200, Json{{"items", a}, {"count", a.size()}});
               }});
  // "/invoices/12", "/invoices/12.xml" (Factur-X CII), "/invoices/12.pdf" (Factur-X PDF).
  r.push_back({"GET", "/invoices/{file}", kAnyRole, [](ModuleContext& m) {
                 std::string file = m.http.params["file"];
                 std::string ext;
                 if (auto dot = file.find('.'); dot != std::string::npos)
                   ext = file.substr(dot + 1), file = file.substr(0, dot);
                 m.http.params["invoice"] = file;
                 auto st = storeOf(m);
                 auto inv = st.invoice(m.http.id("invoice"));
                 if (!inv || (ext != "" && ext != "xml" && ext != "pdf"))
                   throw Error(ErrorKind::kNotFound, "no such invoice");
                 if (ext.empty()) {
                   Json j = toJson(*inv);
                   auto d = st.due(*inv);
                   j["credited"] = formatCents(d.credited);
                   j["paid"] = formatCents(d.paid);
                   j["due"] = formatCents(inv->typeCode == "380" ? d.due() : 0);
                   return jsonResponse(200, j);
                 }
                 auto [xml, pdf] = documents(m, *inv);
                 net::Response res;
                 if (ext == "xml") {
                   res.headers["content-type"] = "application/xml; charset=utf-8";
                   res.body = xml;
                 } else {
                   if (pdf.empty()) throw Error(ErrorKind::kNotFound, "no PDF for this invoice");
                   res.headers["content-type"] = "application/pdf";
                   res.body.assign(pdf.begin(), pdf.end());
                 }
                 res.headers["content-disposition"] =
                     "attachment; filename=\"" + inv->number + "." + ext + "\"";
                 return res;
               }});
  r.push_back({"POST", "/invoices/{id}/credit-notes", kOrdonnateur, [](ModuleContext& m) {
                 Json b = server::api::bodyObject(m.http);
                 std::vector<CreditLine> lines;
                 if (auto it = b.find("lines"); it != b.end() && it->is_array())
                   for (const auto& l : *it) {
                     if (!l.is_object())
                       throw Error(ErrorKind::kBadRequest, "a line is not an object");
                     lines.push_back({static_cast<int>(integer(l, "position", 0, true)),
                                      quantity(l, "quantity", 0)});
                   }
                 std::string date =
                     b.contains("issue_date") ? str(b, "issue_date", 10, true) : today(m.http.now);
                 Invoice note =
                     storeOf(m).issueCreditNote(m.http.id("id"), lines, str(b, "reason", 500, true),
                                                date, m.http.caller.describe(), m.http.now);
                 m.audit("facturation.credit_note.issue", "invoice:" + note.precedingNumber,
                         note.number + " " + formatCents(note.total) + " EUR");
                 return jsonResponse(201, toJson(note));
               }});
  // ---- payments, balances, reminders ----
  r.push_back({"GET", "/payments", kAnyRole, [](ModuleContext& m) {
                 std::optional<Id> fam;
                 if (!m.http.request.query("family_id").empty())
                   fam = server::api::queryInt(m.http, "family_id", 0, 1, INT64_MAX);
                 return jsonResponse(200, items(storeOf(m).payments(fam)));
               }});
  r.push_back({"POST", "/payments", kRegisseur, [](ModuleContext& m) {
                 Json b = server::api::bodyObject(m.http);
                 Payment p;
                 p.familyId = integer(b, "family_id", 0, true);
                 if (b.contains("invoice_id") && !b["invoice_id"].is_null())
                   p.invoiceId = integer(b, "invoice_id", 0);
                 p.paidOn = b.contains("paid_on") ? str(b, "paid_on", 10, true) : today(m.http.now);
                 p.amount = amountCents(b);
                 p.method = str(b, "method", 30, true);
                 p.reference = str(b, "reference", 140);
                 p.recordedBy = m.http.caller.describe();
                 p = storeOf(m).recordPayment(p, m.http.now);
                 m.audit("facturation.payment.record", "payment:" + std::to_string(p.id),
                         formatCents(p.amount) + " EUR " + p.method);
                 return jsonResponse(201, toJson(p));
               }});
  r.push_back({"GET", "/balances", kAnyRole, [](ModuleContext& m) {
                 auto b = storeOf(m).balances();
                 Cents due = 0;
                 for (const auto& x : b) due += x.due();
                 Json j = items(b);
                 j["total_due"] = formatCents(due);
                 return jsonResponse(200, j);
               }});
  r.push_back({"GET", "/reminders", kAnyRole, [](ModuleContext& m) {
                 std::string date = m.http.request.query("date");
                 if (date.empty()) date = today(m.http.now);
                 if (!validDate(date))
                   throw Error(ErrorKind::kBadRequest, "parameter 'date' must be YYYY-MM-DD");
                 auto st = storeOf(m);
                 std::map<Id, std::vector<InvoiceDue>> perFamily;
                 for (auto& d : st.overdue(date)) perFamily[d.invoice.familyId].push_back(d);
                 TenantProfile s = seller(m);
                 Json a = Json::array();
                 for (const auto& [fam, list] : perFamily) {
                   std::string payer = list.front().invoice.payer.value("name", "");
                   Cents total = 0;
                   Json invs = Json::array();
                   for (const auto& d : list) {
                     total += d.due();
                     invs.push_back({{"id", d.invoice.id},
                                     {"number", d.invoice.number},
                                     {"due_date", d.invoice.dueDate},
                                     {"due", formatCents(d.due())}});
                   }
                   a.push_back({{"family_id", fam},
                                {"payer_name", payer},
                                {"total_due", formatCents(total)},
                                {"invoices", invs},
                                {"text", reminderText(s, payer, list, date)}});
                 }
                 return jsonResponse(200, Json{{"items", a}, {"date", date}});
               }});
  // ---- exports ----
  r.push_back({"GET", "/exports/titles.csv", kAnyRole, [](ModuleContext& m) {
                 std::string mo = month(m);
                 std::vector<Invoice> docs;
                 for (auto& inv : storeOf(m).invoices("", std::nullopt))
                   if (inv.issueDate.substr(0, 7) == mo) docs.push_back(std::move(inv));
                 net::Response res;
                 res.headers["content-type"] = "text/csv; charset=utf-8";
                 res.headers["content-disposition"] =
                     "attachment; filename=\"titres-" + mo + ".csv\"";
                 res.body = revenueTitlesCsv(docs);
                 m.audit("facturation.export.titles", "month:" + mo,
                         std::to_string(docs.size()) + " document(s)");
                 return res;
               }});
  r.push_back(
      {"GET", "/sepa/pain008", kRegisseur, [](ModuleContext& m) {
         std::string mo = month(m);
         std::string date = m.http.request.query("collection_date");
         if (!validDate(date))
           throw Error(ErrorKind::kBadRequest, "parameter 'collection_date' must be YYYY-MM-DD");
         auto st = storeOf(m);
         std::string created = today(m.http.now) + "T00:00:00";
         // Unique per tenant (the bank refuses a message id twice): the file's number. The
         // time, used before, gave two files generated within one second the same id.
         std::string msgId = "PARC-" + std::to_string(m.tenantId) + "-" + mo + "-" +
                             std::to_string(st.directDebitFileCount() + 1);
         auto batch = directDebitBatch(st, seller(m), mo, date, created, msgId);
         if (batch.debits.empty())
           throw Error(ErrorKind::kConflict,
                       "aucun prélèvement à présenter pour " + mo +
                           " : les factures dues des familles avec mandat ont déjà été "
                           "présentées dans un fichier, ou sont réglées");
         std::string xml = writePain008(batch);
         auto problems = checkPain008(xml);
         if (!problems.empty())
           throw Error(ErrorKind::kInternal, "generated pain.008 is invalid: " + problems[0]);
         // Recorded before it is handed out: a second generation leaves these invoices out.
         std::vector<Presentation> debits;
         for (const auto& d : batch.debits)
           debits.push_back(
               {d.invoiceId, d.amount, d.endToEndId, d.mandateReference, d.sequenceType});
         st.recordDirectDebitFile(msgId, mo, date, debits, xml, m.http.caller.describe(),
                                  m.http.now);
         m.audit("facturation.sepa.batch", "month:" + mo,
                 std::to_string(batch.debits.size()) + " debit(s)");
         net::Response res;
         res.headers["content-type"] = "application/xml; charset=utf-8";
         res.headers["content-disposition"] =
             "attachment; filename=\"prelevements-" + mo + ".xml\"";
         res.body = xml;
         return res;
       }});
  addDebitRoutes(r);
  return r;
}

}  // namespace

std::vector<ModuleRoute> routes() {
  return build();
}

}  // namespace parc::modules::facturation
