#include "server/modules/facturation/store.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "common/error.h"
#include "server/modules/facturation/facturx/cii_writer.h"
#include "server/modules/facturation/to_facturx.h"
#include "server/modules/facturation/vat_rules.h"

namespace parc::modules::facturation {

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

std::vector<std::string> splitFields(const std::string& line) {
  char sep = line.find(';') != std::string::npos ? ';' : ',';
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == sep) {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(trim(cur));
  return out;
}

// "1", "1.5", "0,25" → thousandths; nullopt when malformed.
std::optional<QuantityE3> parseQuantity(std::string s) {
  std::replace(s.begin(), s.end(), ',', '.');
  size_t dot = s.find('.');
  std::string whole = s.substr(0, dot), frac = dot == std::string::npos ? "" : s.substr(dot + 1);
  if (whole.empty() || whole.size() > 6 || frac.size() > 3) return std::nullopt;
  for (char c : whole + frac)
    if (c < '0' || c > '9') return std::nullopt;
  frac.resize(3, '0');
  return std::stoll(whole) * 1000 + std::stoll(frac);
}

std::optional<Presence> presenceAlias(const std::string& s) {
  if (auto p = presenceFromName(s)) return p;
  if (s == "P" || s == "present" || s == "présent") return Presence::kPresent;
  if (s == "AJ") return Presence::kAbsentJustified;
  if (s == "AN") return Presence::kAbsentUnjustified;
  return std::nullopt;
}

}  // namespace

// ---- services and prices ----

Service FacturationStore::saveService(const Service& s) {
  if (s.code.empty() || s.code.size() > 40 || s.name.empty() || s.name.size() > 200)
    throw Error(ErrorKind::kBadRequest, "a service needs a code (≤ 40) and a name (≤ 200)");
  if (s.vatCategory == VatCategory::kStandard ? (s.vatRate <= 0 || s.vatRate > 10000)
                                              : s.vatRate != 0)
    throw Error(ErrorKind::kBadRequest,
                "vat_rate must be set for category S (e.g. 550 for 5.5 %) and 0 otherwise");
  static const std::set<std::string> kUnits = {"C62", "HUR", "DAY", "MIN"};
  if (!kUnits.count(s.unitCode))
    throw Error(ErrorKind::kBadRequest, "unit_code must be one of C62, HUR, DAY, MIN");
  Service out = s;
  if (s.id == 0) {
    sqlite::Statement q(
        db_,
        "INSERT INTO mod_facturation_services (tenant_id, code, name, unit_code, "
        "vat_category, vat_rate, bill_unjustified, active) VALUES (?,?,?,?,?,?,?,?)");
    q.bind(1, tenant_).bind(2, s.code).bind(3, s.name).bind(4, s.unitCode);
    q.bind(5, vatCode(s.vatCategory)).bind(6, s.vatRate).bind(7, s.billUnjustifiedAbsence ? 1 : 0);
    q.bind(8, s.active ? 1 : 0).run();
    out.id = db_.lastInsertId();
  } else {
    sqlite::Statement q(db_,
                        "UPDATE mod_facturation_services SET code=?, name=?, unit_code=?, "
                        "vat_category=?, vat_rate=?, bill_unjustified=?, active=? "
                        "WHERE id=? AND tenant_id=?");
    q.bind(1, s.code).bind(2, s.name).bind(3, s.unitCode).bind(4, vatCode(s.vatCategory));
    q.bind(5, s.vatRate).bind(6, s.billUnjustifiedAbsence ? 1 : 0).bind(7, s.active ? 1 : 0);
    q.bind(8, s.id).bind(9, tenant_).run();
    if (db_.changes() == 0) throw Error(ErrorKind::kNotFound, "no such service");
  }
  return out;
}

std::vector<Service> FacturationStore::services() {
  std::vector<Service> out;
  sqlite::Statement q(db_,
                      "SELECT id, code, name, unit_code, vat_category, vat_rate, bill_unjustified, "
                      "active FROM mod_facturation_services WHERE tenant_id = ? ORDER BY id");
  q.bind(1, tenant_);
  while (q.step()) {
    Service s;
    s.id = q.int64(0);
    s.code = q.text(1);
    s.name = q.text(2);
    s.unitCode = q.text(3);
    s.vatCategory = vatFromCode(q.text(4)).value_or(VatCategory::kExempt);
    s.vatRate = static_cast<RateE2>(q.int64(5));
    s.billUnjustifiedAbsence = q.int64(6) != 0;
    s.active = q.int64(7) != 0;
    out.push_back(s);
  }
  return out;
}

Price FacturationStore::addPrice(const Price& p) {
  requireDate(p.validFrom, "valid_from");
  if (!p.validTo.empty()) {
    requireDate(p.validTo, "valid_to");
    if (p.validTo < p.validFrom)
      throw Error(ErrorKind::kBadRequest, "valid_to is before valid_from");
  }
  if (p.qfMin < 0 || (p.qfMax && *p.qfMax < p.qfMin))
    throw Error(ErrorKind::kBadRequest, "the quotient bracket is empty or negative");
  bool known = false;
  for (const auto& s : services()) known = known || s.id == p.serviceId;
  if (!known) throw Error(ErrorKind::kBadRequest, "no such service");
  // Two prices for the same service, day and quotient would make the bill ambiguous.
  for (const auto& o : prices()) {
    if (o.serviceId != p.serviceId) continue;
    bool datesOverlap = (o.validTo.empty() || p.validFrom <= o.validTo) &&
                        (p.validTo.empty() || o.validFrom <= p.validTo);
    bool qfOverlap = (!o.qfMax || p.qfMin <= *o.qfMax) && (!p.qfMax || o.qfMin <= *p.qfMax);
    if (datesOverlap && qfOverlap)
      throw Error(ErrorKind::kConflict, "this price overlaps price " + std::to_string(o.id) +
                                            " (same service, period and quotient)");
  }
  sqlite::Statement q(db_,
                      "INSERT INTO mod_facturation_prices (tenant_id, service_id, valid_from, "
                      "valid_to, qf_min, qf_max, unit_price_e4) VALUES (?,?,?,?,?,?,?)");
  q.bind(1, tenant_).bind(2, p.serviceId).bind(3, p.validFrom).bind(4, p.validTo);
  q.bind(5, p.qfMin).bind(6, p.qfMax).bind(7, p.unitPrice).run();
  Price out = p;
  out.id = db_.lastInsertId();
  return out;
}

void FacturationStore::deletePrice(Id id) {
  sqlite::Statement q(db_, "DELETE FROM mod_facturation_prices WHERE id = ? AND tenant_id = ?");
  q.bind(1, id).bind(2, tenant_).run();
  if (db_.changes() == 0) throw Error(ErrorKind::kNotFound, "no such price");
}

std::vector<Price> FacturationStore::prices() {
  std::vector<Price> out;
  sqlite::Statement q(db_,
                      "SELECT id, service_id, valid_from, valid_to, qf_min, qf_max, unit_price_e4 "
                      "FROM mod_facturation_prices WHERE tenant_id = ? "
                      "ORDER BY service_id, valid_from, qf_min");
  q.bind(1, tenant_);
  while (q.step()) {
    Price p;
    p.id = q.int64(0);
    p.serviceId = q.int64(1);
    p.validFrom = q.text(2);
    p.validTo = q.text(3);
    p.qfMin = q.int64(4);
    p.qfMax = q.optInt64(5);
    p.unitPrice = q.int64(6);
    out.push_back(p);
  }
  return out;
}

// ---- families and children ----

Family FacturationStore::saveFamily(const Family& f, std::int64_t now) {
  if (f.payerName.empty() || f.payerName.size() > 200)
    throw Error(ErrorKind::kBadRequest, "payer_name is required (at most 200 characters)");
  if (!f.iban.empty() && !validIban(f.iban))
    throw Error(ErrorKind::kBadRequest, "iban is not a valid IBAN (no spaces, check digits)");
  if (!f.bic.empty() && !validBic(f.bic))
    throw Error(ErrorKind::kBadRequest, "bic is not a valid BIC");
  if (!f.mandateReference.empty()) {
    if (f.mandateReference.size() > 35 || f.iban.empty() || !validDate(f.mandateDate))
      throw Error(ErrorKind::kBadRequest,
                  "a SEPA mandate needs a reference (≤ 35), a signature date and an IBAN");
  }
  if (!f.siret.empty() && !validSiret(f.siret))
    throw Error(ErrorKind::kBadRequest, "siret must be 14 digits with a valid check digit");
  if (f.siret.empty() && (!f.serviceCode.empty() || !f.engagement.empty()))
    throw Error(ErrorKind::kBadRequest,
                "service_code and engagement are for a public body payer: give its siret");
  if (f.serviceCode.size() > 100 || f.engagement.size() > 50)
    throw Error(ErrorKind::kBadRequest, "service_code (≤ 100) or engagement (≤ 50) is too long");
  Family out = f;
  sqlite::Transaction tx(db_);  // the family and its quotient, or nothing
  if (f.id == 0) {
    sqlite::Statement q(db_,
                        "INSERT INTO mod_facturation_families (tenant_id, payer_name, "
                        "address_line1, address_line2, postcode, city, country_code, email, "
                        "mandate_reference, mandate_date, iban, bic, created_at) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
    q.bind(1, tenant_).bind(2, f.payerName).bind(3, f.address.line1).bind(4, f.address.line2);
    q.bind(5, f.address.postcode).bind(6, f.address.city).bind(7, f.address.countryCode);
    q.bind(8, f.email).bind(9, f.mandateReference).bind(10, f.mandateDate).bind(11, f.iban);
    q.bind(12, f.bic).bind(13, now).run();
    out.id = db_.lastInsertId();
  } else {
    sqlite::Statement q(db_,
                        "UPDATE mod_facturation_families SET payer_name=?, address_line1=?, "
                        "address_line2=?, postcode=?, city=?, country_code=?, email=?, "
                        "mandate_reference=?, mandate_date=?, iban=?, bic=? "
                        "WHERE id=? AND tenant_id=?");
    q.bind(1, f.payerName).bind(2, f.address.line1).bind(3, f.address.line2);
    q.bind(4, f.address.postcode).bind(5, f.address.city).bind(6, f.address.countryCode);
    q.bind(7, f.email).bind(8, f.mandateReference).bind(9, f.mandateDate).bind(10, f.iban);
    q.bind(11, f.bic).bind(12, f.id).bind(13, tenant_).run();
    if (db_.changes() == 0) throw Error(ErrorKind::kNotFound, "no such family");
  }
  sqlite::Statement pb(db_,
                       "UPDATE mod_facturation_families SET siret=?, service_code=?, engagement=? "
                       "WHERE id=? AND tenant_id=?");
  pb.bind(1, f.siret).bind(2, f.serviceCode).bind(3, f.engagement).bind(4, out.id);
  pb.bind(5, tenant_).run();
  for (const auto& qp : f.quotients) setQuotient(out.id, qp.validFrom, qp.quotient);
  tx.commit();
  return *family(out.id);
}

std::vector<Family> FacturationStore::families() {
  return familiesWhere(std::nullopt);
}

std::optional<Family> FacturationStore::family(Id id) {
  auto found = familiesWhere(id);
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::vector<Family> FacturationStore::familiesWhere(std::optional<Id> only) {
  std::vector<Family> out;
  // Two forms rather than "(? IS NULL OR id = ?)", which would forgo the primary key.
  sqlite::Statement q(db_, std::string("SELECT id, payer_name, address_line1, address_line2, "
                                       "postcode, city, country_code, email, mandate_reference, "
                                       "mandate_date, iban, bic, siret, service_code, engagement "
                                       "FROM mod_facturation_families "
                                       "WHERE tenant_id = ?") +
                               (only ? " AND id = ?" : " ORDER BY payer_name, id"));
  q.bind(1, tenant_);
  if (only) q.bind(2, *only);
  std::map<Id, size_t> index;
  while (q.step()) {
    Family f;
    f.id = q.int64(0);
    f.payerName = q.text(1);
    f.address = {q.text(2), q.text(3), q.text(4), q.text(5), q.text(6)};
    f.email = q.text(7);
    f.mandateReference = q.text(8);
    f.mandateDate = q.text(9);
    f.iban = q.text(10);
    f.bic = q.text(11);
    f.siret = q.text(12);
    f.serviceCode = q.text(13);
    f.engagement = q.text(14);
    index[f.id] = out.size();
    out.push_back(f);
  }
  sqlite::Statement qq(db_, std::string("SELECT q.family_id, q.valid_from, q.quotient FROM "
                                        "mod_facturation_quotients q JOIN mod_facturation_families "
                                        "f ON f.id = q.family_id WHERE f.tenant_id = ?") +
                                (only ? " AND f.id = ?" : "") + " ORDER BY q.valid_from");
  qq.bind(1, tenant_);
  if (only) qq.bind(2, *only);
  while (qq.step()) {
    auto it = index.find(qq.int64(0));
    if (it != index.end()) out[it->second].quotients.push_back({qq.text(1), qq.int64(2)});
  }
  return out;
}

void FacturationStore::setQuotient(Id familyId, const std::string& validFrom,
                                   std::int64_t quotient) {
  requireDate(validFrom, "quotient valid_from");
  if (quotient < 0 || quotient > 100000)
    throw Error(ErrorKind::kBadRequest, "quotient must be between 0 and 100000");
  sqlite::Statement check(db_, "SELECT 1 FROM mod_facturation_families WHERE id=? AND tenant_id=?");
  check.bind(1, familyId).bind(2, tenant_);
  if (!check.step()) throw Error(ErrorKind::kNotFound, "no such family");
  sqlite::Statement q(db_, "INSERT OR REPLACE INTO mod_facturation_quotients VALUES (?,?,?)");
  q.bind(1, familyId).bind(2, validFrom).bind(3, quotient).run();
}

Child FacturationStore::saveChild(const Child& c) {
  if (c.firstName.empty() || c.lastName.empty() || c.firstName.size() > 100 ||
      c.lastName.size() > 100)
    throw Error(ErrorKind::kBadRequest, "first_name and last_name are required (≤ 100)");
  sqlite::Statement check(db_, "SELECT 1 FROM mod_facturation_families WHERE id=? AND tenant_id=?");
  check.bind(1, c.familyId).bind(2, tenant_);
  if (!check.step()) throw Error(ErrorKind::kBadRequest, "no such family");
  Child out = c;
  if (c.id == 0) {
    sqlite::Statement q(db_,
                        "INSERT INTO mod_facturation_children (tenant_id, family_id, first_name, "
                        "last_name) VALUES (?,?,?,?)");
    q.bind(1, tenant_).bind(2, c.familyId).bind(3, c.firstName).bind(4, c.lastName).run();
    out.id = db_.lastInsertId();
  } else {
    sqlite::Statement q(db_,
                        "UPDATE mod_facturation_children SET family_id=?, first_name=?, "
                        "last_name=? WHERE id=? AND tenant_id=?");
    q.bind(1, c.familyId).bind(2, c.firstName).bind(3, c.lastName).bind(4, c.id).bind(5, tenant_);
    q.run();
    if (db_.changes() == 0) throw Error(ErrorKind::kNotFound, "no such child");
  }
  return out;
}

std::vector<Child> FacturationStore::children() {
  std::vector<Child> out;
  sqlite::Statement q(db_,
                      "SELECT id, family_id, first_name, last_name FROM mod_facturation_children "
                      "WHERE tenant_id = ? ORDER BY last_name, first_name, id");
  q.bind(1, tenant_);
  while (q.step()) out.push_back({q.int64(0), q.int64(1), q.text(2), q.text(3)});
  return out;
}

// ---- attendance ----

void FacturationStore::setAttendance(const std::vector<DayEntry>& entries) {
  std::map<Id, Id> familyOf;
  for (const auto& c : children()) familyOf[c.id] = c.familyId;
  std::set<Id> serviceIds;
  for (const auto& s : services()) serviceIds.insert(s.id);
  sqlite::Transaction tx(db_);
  for (const auto& e : entries) {
    const auto& a = e.day;
    auto fam = familyOf.find(a.childId);
    if (fam == familyOf.end())
      throw Error(ErrorKind::kBadRequest, "no such child: " + std::to_string(a.childId));
    if (!serviceIds.count(a.serviceId))
      throw Error(ErrorKind::kBadRequest, "no such service: " + std::to_string(a.serviceId));
    requireDate(a.date, "date");
    if (a.quantity < 0 || a.quantity > 24000)
      throw Error(ErrorKind::kBadRequest, "quantity must be between 0 and 24");
    // Once a month is invoiced, its days are the invoice's bases: corrections go through
    // a credit note, not through the attendance.
    sqlite::Statement inv(db_,
                          "SELECT number FROM mod_facturation_invoices WHERE tenant_id=? AND "
                          "family_id=? AND month=? AND type_code='380'");
    inv.bind(1, tenant_).bind(2, fam->second).bind(3, a.date.substr(0, 7));
    if (inv.step())
      throw Error(ErrorKind::kConflict, "the month of " + a.date + " is already invoiced (" +
                                            inv.text(0) + "): issue a credit note instead");
    if (e.remove) {
      sqlite::Statement q(db_,
                          "DELETE FROM mod_facturation_attendance WHERE tenant_id=? AND "
                          "child_id=? AND service_id=? AND day=?");
      q.bind(1, tenant_).bind(2, a.childId).bind(3, a.serviceId).bind(4, a.date).run();
    } else {
      sqlite::Statement q(db_,
                          "INSERT OR REPLACE INTO mod_facturation_attendance VALUES (?,?,?,?,?,?)");
      q.bind(1, tenant_).bind(2, a.childId).bind(3, a.serviceId).bind(4, a.date);
      q.bind(5, presenceName(a.presence)).bind(6, a.quantity).run();
    }
  }
  tx.commit();
}

std::vector<Attendance> FacturationStore::attendance(const std::string& month) {
  std::vector<Attendance> out;
  sqlite::Statement q(db_,
                      "SELECT child_id, service_id, day, presence, quantity_e3 FROM "
                      "mod_facturation_attendance WHERE tenant_id=? AND day >= ? AND day <= ? "
                      "ORDER BY day, child_id, service_id");
  q.bind(1, tenant_).bind(2, month + "-01").bind(3, month + "-31");
  while (q.step()) {
    Attendance a;
    a.childId = q.int64(0);
    a.serviceId = q.int64(1);
    a.date = q.text(2);
    a.presence = presenceFromName(q.text(3)).value_or(Presence::kPresent);
    a.quantity = q.int64(4);
    out.push_back(a);
  }
  return out;
}

std::vector<ImportError> FacturationStore::importAttendanceCsv(const std::string& csv,
                                                               int* written) {
  std::map<std::string, Id> serviceByCode;
  for (const auto& s : services()) serviceByCode[s.code] = s.id;
  std::set<Id> childIds;
  for (const auto& c : children()) childIds.insert(c.id);
  std::vector<ImportError> errors;
  std::vector<DayEntry> entries;
  std::istringstream in(csv);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    line = trim(line);
    if (line.empty()) continue;
    auto f = splitFields(line);
    if (n == 1 && !f.empty() && (f[0] == "date" || f[0] == "jour")) continue;  // header
    auto bad = [&](const std::string& m) { errors.push_back({n, m}); };
    if (f.size() < 4 || f.size() > 5) {
      bad("4 or 5 fields expected (date;child_id;service;presence[;quantity]), got " +
          std::to_string(f.size()));
      continue;
    }
    DayEntry e;
    e.day.date = f[0];
    if (!validDate(f[0])) {
      bad("date '" + f[0] + "' is not a date YYYY-MM-DD");
      continue;
    }
    Id child = 0;
    try {
      size_t used = 0;
      child = std::stoll(f[1], &used);
      if (used != f[1].size()) child = 0;
    } catch (const std::exception&) {
      child = 0;
    }
    if (!childIds.count(child)) {
      bad("unknown child '" + f[1] + "'");
      continue;
    }
    e.day.childId = child;
    auto s = serviceByCode.find(f[2]);
    if (s == serviceByCode.end()) {
      bad("unknown service code '" + f[2] + "'");
      continue;
    }
    e.day.serviceId = s->second;
    auto p = presenceAlias(f[3]);
    if (!p) {
      bad("presence '" + f[3] + "' must be present, absent_justified or absent_unjustified");
      continue;
    }
    e.day.presence = *p;
    if (f.size() == 5 && !f[4].empty()) {
      auto q = parseQuantity(f[4]);
      if (!q || *q > 24000) {
        bad("quantity '" + f[4] + "' is not a number between 0 and 24 (3 decimals at most)");
        continue;
      }
      e.day.quantity = *q;
    }
    entries.push_back(e);
  }
  if (errors.empty() && entries.empty()) errors.push_back({0, "the file has no attendance line"});
  if (!errors.empty()) {
    *written = 0;
    return errors;
  }
  setAttendance(entries);  // one transaction: all lines or none
  *written = static_cast<int>(entries.size());
  return errors;
}

// ---- billing ----

BillingInput FacturationStore::billingInput(const std::string& month) {
  if (!validMonth(month)) throw Error(ErrorKind::kBadRequest, "month must be YYYY-MM");
  BillingInput in;
  in.month = month;
  in.families = families();
  in.children = children();
  in.services = services();
  in.grid = prices();
  in.attendance = attendance(month);
  return in;
}

std::vector<DraftInvoice> FacturationStore::preview(const std::string& month) {
  BillingInput in = billingInput(month);
  // Families already invoiced for the month are left out: a second run bills the others.
  std::set<Id> billed;
  sqlite::Statement q(db_,
                      "SELECT family_id FROM mod_facturation_invoices WHERE tenant_id=? AND "
                      "month=? AND type_code='380'");
  q.bind(1, tenant_).bind(2, month);
  while (q.step()) billed.insert(q.int64(0));
  std::erase_if(in.families, [&](const Family& f) { return billed.count(f.id) > 0; });
  return computeBilling(in);
}

std::string FacturationStore::nextNumber(const std::string& series, const std::string& issueDate) {
  int year = std::stoi(issueDate.substr(0, 4));
  sqlite::Statement q(db_,
                      "SELECT last, last_date FROM mod_facturation_sequences WHERE tenant_id=? "
                      "AND series=? AND year=?");
  q.bind(1, tenant_).bind(2, series).bind(3, year);
  std::int64_t last = 0;
  if (q.step()) {
    last = q.int64(0);
    if (issueDate < q.text(1))
      throw Error(ErrorKind::kConflict, "issue date " + issueDate + " is before the last " +
                                            series + " document (" + q.text(1) +
                                            "): numbers must follow dates");
  }
  sqlite::Statement up(db_,
                       "INSERT INTO mod_facturation_sequences VALUES (?,?,?,?,?) "
                       "ON CONFLICT(tenant_id, series, year) DO UPDATE SET last=excluded.last, "
                       "last_date=excluded.last_date");
  up.bind(1, tenant_).bind(2, series).bind(3, year).bind(4, last + 1).bind(5, issueDate).run();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s-%d-%06lld", series.c_str(), year,
                static_cast<long long>(last + 1));
  return buf;
}

Id FacturationStore::insertInvoice(const Invoice& inv) {
  sqlite::Statement q(db_,
                      "INSERT INTO mod_facturation_invoices (tenant_id, number, type_code, "
                      "family_id, run_id, month, issue_date, due_date, preceding_id, payer, "
                      "seller, notes, total_lines, total_tax, total, issued_by, created_at, "
                      "vat_breakdown) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  q.bind(1, tenant_).bind(2, inv.number).bind(3, inv.typeCode).bind(4, inv.familyId);
  q.bind(5, inv.runId).bind(6, inv.month).bind(7, inv.issueDate).bind(8, inv.dueDate);
  q.bind(9, inv.precedingId).bind(10, inv.payer.dump()).bind(11, inv.seller.dump());
  q.bind(12, Json(inv.notes).dump()).bind(13, inv.totalLines).bind(14, inv.totalTax);
  q.bind(15, inv.total).bind(16, inv.issuedBy).bind(17, inv.createdAt);
  q.bind(18, vatToJson(inv.vat).dump()).run();
  Id id = db_.lastInsertId();
  for (const auto& l : inv.lines) {
    sqlite::Statement ql(db_,
                         "INSERT INTO mod_facturation_invoice_lines VALUES "
                         "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    const DraftLine& d = l.line;
    ql.bind(1, id).bind(2, l.position);
    ql.bind(3, d.childId ? std::optional<Id>(d.childId) : std::nullopt);
    ql.bind(4, d.serviceId ? std::optional<Id>(d.serviceId) : std::nullopt);
    ql.bind(5, d.label).bind(6, d.description).bind(7, d.quantity).bind(8, d.unitCode);
    ql.bind(9, d.unitPrice).bind(10, d.netAmount).bind(11, vatCode(d.vatCategory));
    ql.bind(12, d.vatRate).bind(13, d.periodStart).bind(14, d.periodEnd);
    ql.bind(15,
            l.creditedPosition ? std::optional<std::int64_t>(*l.creditedPosition) : std::nullopt);
    ql.run();
  }
  return id;
}

namespace {

Json payerJson(const Family& f, const std::string& month) {
  return Json{
      {"name", f.payerName},
      {"address_line1", f.address.line1},
      {"address_line2", f.address.line2},
      {"postcode", f.address.postcode},
      {"city", f.address.city},
      {"country_code", f.address.countryCode},
      {"email", f.email},
      {"quotient", quotientOn(f, month + "-" + std::to_string(daysInMonth(month))).value_or(0)},
      {"mandate_reference", f.mandateReference},
      {"mandate_date", f.mandateDate},
      {"iban", f.iban},
      {"bic", f.bic},
      {"siret", f.siret},
      {"service_code", f.serviceCode},
      {"engagement", f.engagement}};
}

// The lines of an issued document as the billing rules see them (to recompute its VAT).
std::vector<DraftLine> draftLines(const Invoice& inv) {
  std::vector<DraftLine> out;
  for (const auto& l : inv.lines) out.push_back(l.line);
  return out;
}

// The Factur-X XML of a document about to be issued, built and checked in-process
// (facturx::prevalidate: the EN 16931 rules the official schematron would report) before
// the transaction commits: an invalid invoice is refused, never numbered nor stored.
void requireValidFacturx(const Invoice& inv) {
  try {
    facturx::writeCii(toFacturx(inv), {true, isPublicBuyer(inv)});
  } catch (const Error& e) {
    throw Error(ErrorKind::kConflict, "le document " + inv.number +
                                          " ne serait pas une facture EN 16931 valide, rien "
                                          "n'a été émis : " +
                                          e.what());
  }
}

}  // namespace

RunResult FacturationStore::issueRun(const std::string& month, const std::string& issueDate,
                                     const TenantProfile& seller, const std::string& communeName,
                                     const std::string& actor, std::int64_t now) {
  requireDate(issueDate, "issue_date");
  if (!validMonth(month)) throw Error(ErrorKind::kBadRequest, "month must be YYYY-MM");
  if (issueDate < month + "-01")
    throw Error(ErrorKind::kBadRequest, "a month cannot be invoiced before it starts");
  if (seller.legalName.empty() || seller.ordonnateurName.empty())
    throw Error(ErrorKind::kConflict,
                "the tenant profile needs the town hall's legal name and the ordonnateur "
                "before invoices are issued");
  // BEGIN IMMEDIATE first: the preview below then sees every run committed before ours,
  // and no other run can commit between our read and our numbering.
  sqlite::Transaction tx(db_);
  auto drafts = preview(month);
  std::vector<std::string> problems;
  for (const auto& d : drafts)
    for (const auto& p : d.problems) problems.push_back(p);
  if (!problems.empty()) {
    std::string list;
    for (size_t i = 0; i < problems.size() && i < 5; ++i) list += (i ? " ; " : "") + problems[i];
    throw Error(ErrorKind::kConflict, std::to_string(problems.size()) +
                                          " day(s) cannot be priced, nothing was issued: " + list);
  }
  std::erase_if(drafts, [](const DraftInvoice& d) { return d.lines.empty(); });
  if (drafts.empty()) throw Error(ErrorKind::kConflict, "nothing left to invoice for " + month);
  // EN 16931 ties the VAT categories to the seller's VAT identifier (BR-E-02, BR-O-02, …)
  // and forbids mixing O with anything else: refuse before anything is numbered.
  for (const auto& d : drafts)
    if (auto problem = vatRegimeProblem(d.lines, seller.vatId))
      throw Error(ErrorKind::kConflict, "facturation refusée, rien n'a été émis : " + *problem);

  sqlite::Statement tq(db_, "SELECT name, insee_code FROM tenants WHERE id = ?");
  tq.bind(1, tenant_);
  Json sellerJson{{"legal_name", seller.legalName},
                  {"siret", seller.siret},
                  {"vat_id", seller.vatId},
                  {"address_line1", seller.addressLine1},
                  {"address_line2", seller.addressLine2},
                  {"postcode", seller.postcode},
                  {"city", seller.city},
                  {"email", seller.email},
                  {"phone", seller.phone},
                  {"iban", seller.iban},
                  {"bic", seller.bic},
                  {"sepa_creditor_id", seller.sepaCreditorId},
                  {"ordonnateur_name", seller.ordonnateurName},
                  {"ordonnateur_title", seller.ordonnateurTitle},
                  {"commune", communeName}};
  if (tq.step()) sellerJson["insee_code"] = tq.text(1);

  Cents runTotal = 0;
  for (const auto& d : drafts) runTotal += d.totals.total;
  sqlite::Statement rq(db_,
                       "INSERT INTO mod_facturation_runs (tenant_id, month, issued_at, issued_by, "
                       "invoice_count, total_cents) VALUES (?,?,?,?,?,?)");
  rq.bind(1, tenant_).bind(2, month).bind(3, now).bind(4, actor);
  rq.bind(5, static_cast<std::int64_t>(drafts.size())).bind(6, runTotal).run();
  RunResult result;
  result.runId = db_.lastInsertId();

  std::map<Id, Family> families;
  for (auto& f : this->families()) families[f.id] = f;
  for (const auto& d : drafts) {
    const Family& f = families.at(d.familyId);
    Invoice inv;
    inv.number = nextNumber("FAC", issueDate);
    inv.typeCode = "380";
    inv.familyId = d.familyId;
    inv.runId = result.runId;
    inv.month = month;
    inv.issueDate = issueDate;
    inv.dueDate = addDays(issueDate, seller.paymentDays);
    inv.payer = payerJson(f, month);
    inv.seller = sellerJson;
    inv.notes = mandatoryNotes(seller, month, f);
    if (auto vat = vatStatement(d.totals.vat)) inv.notes.push_back(*vat);
    inv.totalLines = d.totals.lines;
    inv.totalTax = d.totals.tax;
    inv.total = d.totals.total;
    inv.issuedBy = actor;
    inv.createdAt = now;
    int pos = 0;
    for (const auto& l : d.lines) inv.lines.push_back({++pos, l, std::nullopt});
    inv.vat = d.totals.vat;
    requireValidFacturx(inv);
    inv.id = insertInvoice(inv);
    result.invoices.push_back(std::move(inv));
  }
  tx.commit();
  return result;
}

Invoice FacturationStore::issueCreditNote(Id invoiceId, const std::vector<CreditLine>& request,
                                          const std::string& reason, const std::string& issueDate,
                                          const std::string& actor, std::int64_t now) {
  requireDate(issueDate, "issue_date");
  if (reason.empty() || reason.size() > 500)
    throw Error(ErrorKind::kBadRequest, "a credit note needs a reason (at most 500 characters)");
  sqlite::Transaction tx(db_);
  auto original = invoice(invoiceId);
  if (!original) throw Error(ErrorKind::kNotFound, "no such invoice");
  if (original->typeCode != "380")
    throw Error(ErrorKind::kBadRequest, "a credit note corrects an invoice, not a credit note");
  if (issueDate < original->issueDate)
    throw Error(ErrorKind::kBadRequest, "a credit note cannot predate its invoice");
  // What earlier credit notes already took from each line.
  std::map<int, std::pair<QuantityE3, Cents>> credited;
  sqlite::Statement cq(db_,
                       "SELECT l.credited_position, SUM(l.quantity_e3), SUM(l.net_cents) FROM "
                       "mod_facturation_invoice_lines l JOIN mod_facturation_invoices i "
                       "ON i.id = l.invoice_id WHERE i.preceding_id = ? AND i.tenant_id = ? "
                       "GROUP BY l.credited_position");
  cq.bind(1, invoiceId).bind(2, tenant_);
  while (cq.step()) credited[static_cast<int>(cq.int64(0))] = {cq.int64(1), cq.int64(2)};

  std::vector<CreditLine> wanted = request;
  if (wanted.empty())  // the whole invoice, or what is left of it
    for (const auto& l : original->lines)
      wanted.push_back({l.position, l.line.quantity - credited[l.position].first});
  Invoice note;
  int pos = 0;
  std::set<int> seen;
  for (const auto& w : wanted) {
    auto it = std::find_if(original->lines.begin(), original->lines.end(),
                           [&](const InvoiceLine& l) { return l.position == w.position; });
    if (it == original->lines.end() || !seen.insert(w.position).second)
      throw Error(ErrorKind::kBadRequest,
                  "line " + std::to_string(w.position) + " is not a line of the invoice");
    QuantityE3 leftQty = it->line.quantity - credited[w.position].first;
    Cents leftNet = it->line.netAmount - credited[w.position].second;
    if (w.quantity == 0 && request.empty()) continue;  // fully credited already
    if (w.quantity <= 0 || w.quantity > leftQty)
      throw Error(ErrorKind::kBadRequest, "line " + std::to_string(w.position) +
                                              ": the quantity to credit must be between 0 and "
                                              "what is left uncredited");
    DraftLine d = it->line;
    d.quantity = w.quantity;
    // The last part of a line takes exactly what is left, so that crediting a line in
    // several notes never gives back more (or less) than was invoiced.
    d.netAmount = w.quantity == leftQty ? leftNet : lineAmount(w.quantity, d.unitPrice);
    note.lines.push_back({++pos, d, w.position});
  }
  if (note.lines.empty())
    throw Error(ErrorKind::kConflict, "this invoice is already entirely credited");
  std::vector<DraftLine> lines;
  for (const auto& l : note.lines) lines.push_back(l.line);
  Totals t = computeTotals(lines);
  // VAT is rounded per note: cap it so the notes never give back more than was charged.
  // A (category, rate) group is closed by this note when it leaves none of its lines
  // with anything uncredited.
  std::set<VatGroup> closing;
  for (const auto& v : t.vat) closing.insert({v.category, v.rate});
  for (const auto& l : original->lines) {
    QuantityE3 after = credited[l.position].first;
    for (const auto& n : note.lines)
      if (n.creditedPosition == l.position) after += n.line.quantity;
    if (after < l.line.quantity) closing.erase({l.line.vatCategory, l.line.vatRate});
  }
  const std::vector<VatLine> invoicedVat =
      original->vat.empty() ? computeTotals(draftLines(*original)).vat : original->vat;
  capCreditedVat(t, invoicedVat, creditedVat(original->id), closing);
  note.number = nextNumber("AV", issueDate);
  note.typeCode = "381";
  note.familyId = original->familyId;
  note.month = original->month;
  note.issueDate = issueDate;
  note.dueDate = issueDate;
  note.precedingId = original->id;
  note.precedingNumber = original->number;
  note.precedingDate = original->issueDate;
  note.payer = original->payer;
  note.seller = original->seller;
  note.notes = {"Avoir sur la facture " + original->number + " du " + original->issueDate +
                    " — motif : " + reason,
                "Ordonnateur : " + original->seller.value("ordonnateur_name", "") + ", " +
                    original->seller.value("ordonnateur_title", "") + "."};
  note.totalLines = t.lines;
  note.totalTax = t.tax;
  note.total = t.total;
  note.vat = t.vat;
  note.issuedBy = actor;
  note.createdAt = now;
  requireValidFacturx(note);
  note.id = insertInvoice(note);
  tx.commit();
  return note;
}

std::vector<VatLine> FacturationStore::creditedVat(Id invoiceId) {
  std::vector<Id> notes;
  sqlite::Statement q(db_,
                      "SELECT id FROM mod_facturation_invoices WHERE preceding_id = ? AND "
                      "tenant_id = ? AND type_code = '381'");
  q.bind(1, invoiceId).bind(2, tenant_);
  while (q.step()) notes.push_back(q.int64(0));
  std::vector<VatLine> out;
  for (Id id : notes) {
    auto n = invoice(id);
    auto vat = n->vat.empty() ? computeTotals(draftLines(*n)).vat : n->vat;
    out.insert(out.end(), vat.begin(), vat.end());
  }
  return out;
}

// ---- invoices ----

namespace {
constexpr const char* kInvoiceColumns =
    "i.id, i.number, i.type_code, i.family_id, i.run_id, i.month, i.issue_date, i.due_date, "
    "i.preceding_id, i.payer, i.seller, i.notes, i.total_lines, i.total_tax, i.total, "
    "i.issued_by, i.created_at, p.number, p.issue_date, i.vat_breakdown";
}

Invoice FacturationStore::readInvoice(sqlite::Statement& q) {
  Invoice inv;
  inv.id = q.int64(0);
  inv.number = q.text(1);
  inv.typeCode = q.text(2);
  inv.familyId = q.int64(3);
  inv.runId = q.optInt64(4);
  inv.month = q.text(5);
  inv.issueDate = q.text(6);
  inv.dueDate = q.text(7);
  inv.precedingId = q.optInt64(8);
  inv.payer = Json::parse(q.text(9));
  inv.seller = Json::parse(q.text(10));
  inv.notes = Json::parse(q.text(11)).get<std::vector<std::string>>();
  inv.totalLines = q.int64(12);
  inv.totalTax = q.int64(13);
  inv.total = q.int64(14);
  inv.issuedBy = q.text(15);
  inv.createdAt = q.int64(16);
  inv.precedingNumber = q.optText(17).value_or("");
  inv.precedingDate = q.optText(18).value_or("");
  if (auto vat = q.optText(19)) inv.vat = vatFromJson(Json::parse(*vat));
  return inv;
}

void FacturationStore::loadLines(Invoice& inv) {
  sqlite::Statement q(db_,
                      "SELECT position, child_id, service_id, label, description, quantity_e3, "
                      "unit_code, unit_price_e4, net_cents, vat_category, vat_rate, period_start, "
                      "period_end, credited_position FROM mod_facturation_invoice_lines "
                      "WHERE invoice_id = ? ORDER BY position");
  q.bind(1, inv.id);
  while (q.step()) {
    InvoiceLine l;
    l.position = static_cast<int>(q.int64(0));
    l.line.childId = q.optInt64(1).value_or(0);
    l.line.serviceId = q.optInt64(2).value_or(0);
    l.line.label = q.text(3);
    l.line.description = q.text(4);
    l.line.quantity = q.int64(5);
    l.line.unitCode = q.text(6);
    l.line.unitPrice = q.int64(7);
    l.line.netAmount = q.int64(8);
    l.line.vatCategory = vatFromCode(q.text(9)).value_or(VatCategory::kExempt);
    l.line.vatRate = static_cast<RateE2>(q.int64(10));
    l.line.periodStart = q.text(11);
    l.line.periodEnd = q.text(12);
    if (auto c = q.optInt64(13)) l.creditedPosition = static_cast<int>(*c);
    inv.lines.push_back(l);
  }
}

std::optional<Invoice> FacturationStore::invoice(Id id) {
  sqlite::Statement q(db_, std::string("SELECT ") + kInvoiceColumns +
                               " FROM mod_facturation_invoices i LEFT JOIN "
                               "mod_facturation_invoices p ON p.id = i.preceding_id "
                               "WHERE i.id = ? AND i.tenant_id = ?");
  q.bind(1, id).bind(2, tenant_);
  if (!q.step()) return std::nullopt;
  Invoice inv = readInvoice(q);
  loadLines(inv);
  return inv;
}

std::vector<Invoice> FacturationStore::invoices(const std::string& month,
                                                std::optional<Id> familyId) {
  sqlite::Statement q(db_, std::string("SELECT ") + kInvoiceColumns +
                               " FROM mod_facturation_invoices i LEFT JOIN "
                               "mod_facturation_invoices p ON p.id = i.preceding_id "
                               "WHERE i.tenant_id = ? AND (? = '' OR i.month = ?) "
                               "AND (? IS NULL OR i.family_id = ?) ORDER BY i.id");
  q.bind(1, tenant_).bind(2, month).bind(3, month).bind(4, familyId).bind(5, familyId);
  std::vector<Invoice> out;
  while (q.step()) out.push_back(readInvoice(q));
  for (auto& inv : out) loadLines(inv);
  return out;
}

InvoiceDue FacturationStore::due(const Invoice& inv) {
  InvoiceDue d;
  d.invoice = inv;
  sqlite::Statement c(db_,
                      "SELECT COALESCE(SUM(total), 0) FROM mod_facturation_invoices "
                      "WHERE preceding_id = ? AND tenant_id = ?");
  c.bind(1, inv.id).bind(2, tenant_);
  if (c.step()) d.credited = c.int64(0);
  sqlite::Statement p(db_,
                      "SELECT COALESCE(SUM(amount_cents), 0) FROM mod_facturation_payments "
                      "WHERE invoice_id = ? AND tenant_id = ?");
  p.bind(1, inv.id).bind(2, tenant_);
  if (p.step()) d.paid = p.int64(0);
  return d;
}

// ---- payments ----

Payment FacturationStore::recordPayment(const Payment& p, std::int64_t now) {
  static const std::set<std::string> kMethods = {"cash", "cheque", "card", "sepa_direct_debit",
                                                 "transfer"};
  if (!kMethods.count(p.method))
    throw Error(ErrorKind::kBadRequest,
                "method must be cash, cheque, card, sepa_direct_debit or transfer");
  requireDate(p.paidOn, "paid_on");
  if (p.amount <= 0 || p.amount > 100000000)
    throw Error(ErrorKind::kBadRequest, "amount must be positive");
  if (p.reference.size() > 140) throw Error(ErrorKind::kBadRequest, "reference is too long");
  sqlite::Transaction tx(db_);
  if (!family(p.familyId)) throw Error(ErrorKind::kBadRequest, "no such family");
  if (p.invoiceId) {
    auto inv = invoice(*p.invoiceId);
    if (!inv || inv->familyId != p.familyId || inv->typeCode != "380")
      throw Error(ErrorKind::kBadRequest, "the invoice is not an invoice of this family");
    if (p.amount > due(*inv).due())
      throw Error(ErrorKind::kConflict, "the payment exceeds what the invoice still owes (" +
                                            formatCents(due(*inv).due()) + " EUR)");
  }
  Payment out = p;
  out.id = insertPayment(p, now);
  tx.commit();
  return out;
}

Id FacturationStore::insertPayment(const Payment& p, std::int64_t now) {
  sqlite::Statement q(db_,
                      "INSERT INTO mod_facturation_payments (tenant_id, family_id, invoice_id, "
                      "paid_on, amount_cents, method, reference, recorded_by, created_at) "
                      "VALUES (?,?,?,?,?,?,?,?,?)");
  q.bind(1, tenant_).bind(2, p.familyId).bind(3, p.invoiceId).bind(4, p.paidOn);
  q.bind(5, p.amount).bind(6, p.method).bind(7, p.reference).bind(8, p.recordedBy);
  q.bind(9, now).run();
  return db_.lastInsertId();
}

std::vector<Payment> FacturationStore::payments(std::optional<Id> familyId) {
  sqlite::Statement q(db_,
                      "SELECT id, family_id, invoice_id, paid_on, amount_cents, method, reference, "
                      "recorded_by FROM mod_facturation_payments WHERE tenant_id = ? AND "
                      "(? IS NULL OR family_id = ?) ORDER BY paid_on, id");
  q.bind(1, tenant_).bind(2, familyId).bind(3, familyId);
  std::vector<Payment> out;
  while (q.step()) {
    Payment p;
    p.id = q.int64(0);
    p.familyId = q.int64(1);
    p.invoiceId = q.optInt64(2);
    p.paidOn = q.text(3);
    p.amount = q.int64(4);
    p.method = q.text(5);
    p.reference = q.text(6);
    p.recordedBy = q.text(7);
    out.push_back(p);
  }
  return out;
}

std::vector<Balance> FacturationStore::balances(std::optional<Id> familyId) {
  sqlite::Statement q(
      db_,
      "SELECT f.id, f.payer_name, "
      "(SELECT COALESCE(SUM(total),0) FROM mod_facturation_invoices WHERE family_id=f.id AND "
      "type_code='380'), "
      "(SELECT COALESCE(SUM(total),0) FROM mod_facturation_invoices WHERE family_id=f.id AND "
      "type_code='381'), "
      "(SELECT COALESCE(SUM(amount_cents),0) FROM mod_facturation_payments WHERE family_id=f.id), "
      "(SELECT COALESCE(SUM(amount_cents),0) FROM mod_facturation_refunds WHERE family_id=f.id) "
      "FROM mod_facturation_families f WHERE f.tenant_id = ? AND (? IS NULL OR f.id = ?) "
      "ORDER BY f.payer_name, f.id");
  q.bind(1, tenant_).bind(2, familyId).bind(3, familyId);
  std::vector<Balance> out;
  while (q.step())
    out.push_back({q.int64(0), q.text(1), q.int64(2), q.int64(3), q.int64(4), q.int64(5)});
  return out;
}

std::vector<InvoiceDue> FacturationStore::overdue(const std::string& today) {
  std::vector<InvoiceDue> out;
  for (const auto& inv : invoices("", std::nullopt)) {
    if (inv.typeCode != "380" || inv.dueDate >= today) continue;
    auto d = due(inv);
    if (d.due() > 0) out.push_back(std::move(d));
  }
  return out;
}

// ---- documents ----

std::optional<std::pair<std::string, std::vector<std::uint8_t>>> FacturationStore::document(
    Id invoiceId) {
  sqlite::Statement q(db_,
                      "SELECT d.xml, d.pdf FROM mod_facturation_documents d JOIN "
                      "mod_facturation_invoices i ON i.id = d.invoice_id WHERE d.invoice_id = ? "
                      "AND i.tenant_id = ?");
  q.bind(1, invoiceId).bind(2, tenant_);
  if (!q.step()) return std::nullopt;
  return std::make_pair(q.text(0), q.blob(1));
}

void FacturationStore::storeDocument(Id invoiceId, const std::string& xml,
                                     const std::vector<std::uint8_t>& pdf) {
  sqlite::Statement q(db_, "INSERT OR IGNORE INTO mod_facturation_documents VALUES (?,?,?)");
  q.bind(1, invoiceId).bind(2, xml);
  if (pdf.empty())
    q.bindNull(3);
  else
    q.bindBlob(3, pdf);
  q.run();
}

// ---- texts ----

std::vector<std::string> mandatoryNotes(const TenantProfile& seller, const std::string& month,
                                        const Family& family) {
  auto qf = quotientOn(family, month + "-" + std::to_string(daysInMonth(month)));
  std::string ordonnateur = seller.ordonnateurName +
                            (seller.ordonnateurTitle.empty() ? "" : ", " + seller.ordonnateurTitle);
  return {
      "Avis des sommes à payer émis par " + seller.legalName + " — ordonnateur : " + ordonnateur +
          ".",
      "Bases de liquidation : présences de " + monthLabel(month) +
          " relevées par enfant et par service, tarifs de la délibération en vigueur selon le "
          "quotient familial (" +
          (qf ? std::to_string(*qf) : std::string("non connu")) +
          ") ; chaque ligne = quantité × prix unitaire, arrondie au centime.",
      "Voies et délais de recours (article L1617-5 du CGCT) : dans le délai de deux mois "
      "suivant la réception du présent avis, vous pouvez contester la somme en saisissant "
      "directement le tribunal judiciaire ou le tribunal administratif compétent selon la "
      "nature de la créance.",
  };
}

std::string reminderText(const TenantProfile& seller, const std::string& payerName,
                         const std::vector<InvoiceDue>& overdue, const std::string& today) {
  std::string text = seller.legalName + "\n" + seller.addressLine1 + "\n" + seller.postcode + " " +
                     seller.city + "\n\nLe " + today + "\n\nÀ l'attention de " + payerName +
                     "\n\nObjet : rappel de sommes restant dues\n\nMadame, Monsieur,\n\n"
                     "Sauf erreur de notre part, les sommes suivantes restent dues à ce jour :\n";
  Cents total = 0;
  for (const auto& d : overdue) {
    text += "- facture " + d.invoice.number + " du " + d.invoice.issueDate + " (" +
            monthLabel(d.invoice.month) + "), échue le " + d.invoice.dueDate + " : " +
            formatCents(d.due()) + " €\n";
    total += d.due();
  }
  text += "\nTotal restant dû : " + formatCents(total) +
          " €.\n\nNous vous remercions de bien vouloir régler cette somme dans les meilleurs "
          "délais auprès de la régie ou par virement (IBAN " +
          seller.iban +
          "). Sans règlement, la créance sera transmise au comptable public pour recouvrement."
          "\n\n" +
          seller.ordonnateurName + "\n" + seller.ordonnateurTitle + "\n";
  return text;
}

// ---- JSON views ----

Json toJson(const Service& s) {
  return Json{{"id", s.id},
              {"code", s.code},
              {"name", s.name},
              {"unit_code", s.unitCode},
              {"vat_category", vatCode(s.vatCategory)},
              {"vat_rate", s.vatRate},
              {"bill_unjustified_absence", s.billUnjustifiedAbsence},
              {"active", s.active}};
}

Json toJson(const Price& p) {
  return Json{{"id", p.id},
              {"service_id", p.serviceId},
              {"valid_from", p.validFrom},
              {"valid_to", p.validTo.empty() ? Json() : Json(p.validTo)},
              {"qf_min", p.qfMin},
              {"qf_max", p.qfMax ? Json(*p.qfMax) : Json()},
              {"unit_price", formatPrice(p.unitPrice)}};
}

Json toJson(const Family& f) {
  Json q = Json::array();
  for (const auto& p : f.quotients)
    q.push_back({{"valid_from", p.validFrom}, {"quotient", p.quotient}});
  return Json{{"id", f.id},
              {"payer_name", f.payerName},
              {"address_line1", f.address.line1},
              {"address_line2", f.address.line2},
              {"postcode", f.address.postcode},
              {"city", f.address.city},
              {"country_code", f.address.countryCode},
              {"email", f.email},
              {"quotients", q},
              {"mandate_reference", f.mandateReference},
              {"mandate_date", f.mandateDate},
              {"iban", f.iban},
              {"bic", f.bic},
              {"siret", f.siret},
              {"service_code", f.serviceCode},
              {"engagement", f.engagement}};
}

Json toJson(const Child& c) {
  return Json{{"id", c.id},
              {"family_id", c.familyId},
              {"first_name", c.firstName},
              {"last_name", c.lastName}};
}

Json toJson(const Attendance& a) {
  return Json{{"child_id", a.childId},
              {"service_id", a.serviceId},
              {"date", a.date},
              {"presence", presenceName(a.presence)},
              {"quantity", static_cast<double>(a.quantity) / 1000.0}};
}

namespace {
Json lineJson(const DraftLine& l) {
  return Json{{"child_id", l.childId},
              {"service_id", l.serviceId},
              {"label", l.label},
              {"description", l.description},
              {"quantity", static_cast<double>(l.quantity) / 1000.0},
              {"unit_code", l.unitCode},
              {"unit_price", formatPrice(l.unitPrice)},
              {"net_amount", formatCents(l.netAmount)},
              {"vat_category", vatCode(l.vatCategory)},
              {"vat_rate", l.vatRate},
              {"period_start", l.periodStart},
              {"period_end", l.periodEnd}};
}
Json totalsJson(const Totals& t) {
  Json vat = Json::array();
  for (const auto& v : t.vat)
    vat.push_back({{"category", vatCode(v.category)},
                   {"rate", v.rate},
                   {"base", formatCents(v.base)},
                   {"tax", formatCents(v.tax)}});
  return Json{{"lines", formatCents(t.lines)},
              {"tax", formatCents(t.tax)},
              {"total", formatCents(t.total)},
              {"vat", vat}};
}
}  // namespace

Json toJson(const DraftInvoice& d) {
  Json lines = Json::array();
  for (const auto& l : d.lines) lines.push_back(lineJson(l));
  return Json{{"family_id", d.familyId},
              {"month", d.month},
              {"lines", lines},
              {"totals", totalsJson(d.totals)},
              {"problems", d.problems}};
}

Json toJson(const Invoice& i) {
  Json lines = Json::array();
  for (const auto& l : i.lines) {
    Json j = lineJson(l.line);
    j["position"] = l.position;
    if (l.creditedPosition) j["credited_position"] = *l.creditedPosition;
    lines.push_back(j);
  }
  return Json{{"id", i.id},
              {"number", i.number},
              {"type_code", i.typeCode},
              {"family_id", i.familyId},
              {"run_id", i.runId ? Json(*i.runId) : Json()},
              {"month", i.month},
              {"issue_date", i.issueDate},
              {"due_date", i.dueDate},
              {"preceding_id", i.precedingId ? Json(*i.precedingId) : Json()},
              {"preceding_number", i.precedingNumber},
              {"payer", i.payer},
              {"seller", i.seller},
              {"notes", i.notes},
              {"total_lines", formatCents(i.totalLines)},
              {"total_tax", formatCents(i.totalTax)},
              {"total", formatCents(i.total)},
              {"issued_by", i.issuedBy},
              {"lines", lines}};
}

Json toJson(const Payment& p) {
  return Json{{"id", p.id},
              {"family_id", p.familyId},
              {"invoice_id", p.invoiceId ? Json(*p.invoiceId) : Json()},
              {"paid_on", p.paidOn},
              {"amount", formatCents(p.amount)},
              {"method", p.method},
              {"reference", p.reference},
              {"recorded_by", p.recordedBy}};
}

Json toJson(const Balance& b) {
  return Json{{"family_id", b.familyId},
              {"payer_name", b.payerName},
              {"invoiced", formatCents(b.invoiced)},
              {"credited", formatCents(b.credited)},
              {"paid", formatCents(b.paid)},
              {"refunded", formatCents(b.refunded)},
              {"due", formatCents(b.due())}};
}

}  // namespace parc::modules::facturation
