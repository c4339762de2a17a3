#include "server/modules/module_host.h"

#include <spdlog/spdlog.h>

#include <cctype>
#include <fstream>

#include "common/error.h"
#include "server/modules/registry.h"

namespace parc::modules {

namespace {

// The host's own tables, versioned like a module's (as "host" in mod_schema).
const std::vector<sqlite::Migration>& hostMigrations() {
  static const std::vector<sqlite::Migration> kMigrations = {
      {1, R"sql(
-- Which module is active for which tenant (a module's routes answer 404 elsewhere).
CREATE TABLE mod_host_activations (
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  module TEXT NOT NULL,
  activated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, module)
) WITHOUT ROWID;
-- Module roles of users, per tenant: "secretaire", "regisseur", "ordonnateur", …
CREATE TABLE user_module_roles (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  module TEXT NOT NULL,
  role TEXT NOT NULL,
  PRIMARY KEY (user_id, tenant_id, module, role)
) WITHOUT ROWID;
-- The town hall as a seller and a creditor: identifiers, address, bank details.
CREATE TABLE mod_host_tenant_profiles (
  tenant_id INTEGER PRIMARY KEY REFERENCES tenants(id),
  legal_name TEXT NOT NULL DEFAULT '',
  siret TEXT NOT NULL DEFAULT '',
  vat_id TEXT NOT NULL DEFAULT '',
  address_line1 TEXT NOT NULL DEFAULT '',
  address_line2 TEXT NOT NULL DEFAULT '',
  postcode TEXT NOT NULL DEFAULT '',
  city TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL DEFAULT '',
  iban TEXT NOT NULL DEFAULT '',
  bic TEXT NOT NULL DEFAULT '',
  sepa_creditor_id TEXT NOT NULL DEFAULT '',
  ordonnateur_name TEXT NOT NULL DEFAULT '',
  ordonnateur_title TEXT NOT NULL DEFAULT '',
  payment_days INTEGER NOT NULL DEFAULT 30
);
)sql"},
  };
  return kMigrations;
}

// Letters to numbers (A=10 … Z=35) and mod 97, on a string of digits and letters.
int mod97(const std::string& s) {
  int r = 0;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      r = (r * 10 + (c - '0')) % 97;
    } else if (std::isupper(static_cast<unsigned char>(c))) {
      int v = c - 'A' + 10;
      r = (r * 100 + v) % 97;
    } else {
      return -1;
    }
  }
  return r;
}

bool allDigits(const std::string& s) {
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return !s.empty();
}

bool alnumUpper(const std::string& s) {
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c)) &&
        !std::isupper(static_cast<unsigned char>(c)))
      return false;
  return true;
}

}  // namespace

bool validSiret(const std::string& s) {
  if (s.size() != 14 || !allDigits(s)) return false;
  if (s.rfind("356000000", 0) == 0) {  // La Poste: sum of digits multiple of 5
    int sum = 0;
    for (char c : s) sum += c - '0';
    return sum % 5 == 0;
  }
  int sum = 0;
  for (size_t i = 0; i < 14; ++i) {
    int d = s[13 - i] - '0';
    if (i % 2 == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 == 0;
}

bool validIban(const std::string& iban) {
  if (iban.size() < 15 || iban.size() > 34 || !alnumUpper(iban)) return false;
  if (!std::isupper(static_cast<unsigned char>(iban[0])) ||
      !std::isupper(static_cast<unsigned char>(iban[1])))
    return false;
  if (iban.substr(0, 2) == "FR" && iban.size() != 27) return false;
  return mod97(iban.substr(4) + iban.substr(0, 4)) == 1;
}

bool validBic(const std::string& bic) {
  if ((bic.size() != 8 && bic.size() != 11) || !alnumUpper(bic)) return false;
  for (size_t i = 0; i < 6; ++i)
    if (!std::isupper(static_cast<unsigned char>(bic[i]))) return false;
  return true;
}

bool validVatIdFr(const std::string& v) {
  if (v.size() != 13 || v.compare(0, 2, "FR") != 0 || !allDigits(v.substr(2))) return false;
  long long siren = std::stoll(v.substr(4));
  return std::stoi(v.substr(2, 2)) == (12 + 3 * (siren % 97)) % 97;
}

bool validCreditorId(const std::string& ics) {
  // CCkk + 3-character business code (ignored by the check) + national identifier.
  if (ics.size() < 8 || ics.size() > 35 || !alnumUpper(ics)) return false;
  return mod97(ics.substr(7) + ics.substr(0, 2) + ics.substr(2, 2)) == 1;
}

Communes::Communes(const std::filesystem::path& csv) {
  std::ifstream in(csv);
  if (!in) {
    spdlog::warn("INSEE commune list {} not found: commune codes will not be checked",
                 csv.string());
    return;
  }
  std::string line;
  std::getline(in, line);  // header: code,nom,type,…
  while (std::getline(in, line)) {
    size_t a = line.find(','), b = line.find(',', a + 1), c = line.find(',', b + 1);
    if (a == std::string::npos || b == std::string::npos || c == std::string::npos) continue;
    if (line.compare(b + 1, c - b - 1, "commune-actuelle") != 0) continue;
    names_[line.substr(0, a)] = line.substr(a + 1, b - a - 1);
  }
}

std::optional<std::string> Communes::name(const std::string& code) const {
  auto it = names_.find(code);
  if (it == names_.end()) return std::nullopt;
  return it->second;
}

ModuleHost::ModuleHost(const std::filesystem::path& database,
                       const std::filesystem::path& communesCsv)
    : db_(sqlite::Database::open(database)), communes_(communesCsv) {
  migrateAll(db_);
}

int ModuleHost::moduleVersion(sqlite::Database& db, const std::string& name) {
  sqlite::Statement q(db, "SELECT version FROM mod_schema WHERE module = ?");
  q.bind(1, name);
  return q.step() ? static_cast<int>(q.int64(0)) : 0;
}

void ModuleHost::migrateModule(sqlite::Database& db, const std::string& name,
                               const std::vector<sqlite::Migration>& migrations) {
  db.exec(
      "CREATE TABLE IF NOT EXISTS mod_schema (module TEXT PRIMARY KEY, version INTEGER NOT "
      "NULL)");
  int newest = migrations.empty() ? 0 : migrations.back().version;
  int current = moduleVersion(db, name);
  if (current > newest)
    throw Error(ErrorKind::kInternal, "the tables of module " + name + " are at version " +
                                          std::to_string(current) +
                                          ", newer than this server knows (" +
                                          std::to_string(newest) + "): upgrade parc-server");
  for (const auto& m : migrations) {
    if (m.version <= current) continue;
    // Checked again inside the write lock: two servers starting at once migrate once.
    sqlite::Transaction tx(db);
    if (moduleVersion(db, name) >= m.version) continue;
    db.exec(m.sql);
    sqlite::Statement up(db,
                         "INSERT INTO mod_schema(module, version) VALUES (?, ?) "
                         "ON CONFLICT(module) DO UPDATE SET version = excluded.version");
    up.bind(1, name).bind(2, m.version).run();
    tx.commit();
    spdlog::info("module {}: schema migrated to version {}", name, m.version);
  }
}

void ModuleHost::migrateAll(sqlite::Database& db) {
  migrateModule(db, "host", hostMigrations());
  for (const auto& m : registry()) migrateModule(db, m.name, m.migrations);
}

bool ModuleHost::isActive(sqlite::Database& db, std::int64_t tenantId, const std::string& module) {
  sqlite::Statement q(db, "SELECT 1 FROM mod_host_activations WHERE tenant_id = ? AND module = ?");
  q.bind(1, tenantId).bind(2, module);
  return q.step();
}

std::set<std::string> ModuleHost::activeModules(sqlite::Database& db, std::int64_t tenantId) {
  std::set<std::string> out;
  sqlite::Statement q(db, "SELECT module FROM mod_host_activations WHERE tenant_id = ?");
  q.bind(1, tenantId);
  while (q.step()) out.insert(q.text(0));
  return out;
}

void ModuleHost::setActive(sqlite::Database& db, std::int64_t tenantId, const std::string& module,
                           bool active, std::int64_t now) {
  if (!findModule(module)) throw Error(ErrorKind::kBadRequest, "no module named '" + module + "'");
  if (active) {
    sqlite::Statement q(db, "INSERT OR IGNORE INTO mod_host_activations VALUES (?, ?, ?)");
    q.bind(1, tenantId).bind(2, module).bind(3, now).run();
  } else {
    // Deactivation hides the module; its data stays (issued invoices are kept by law).
    sqlite::Statement q(db, "DELETE FROM mod_host_activations WHERE tenant_id = ? AND module = ?");
    q.bind(1, tenantId).bind(2, module).run();
  }
}

std::set<std::string> ModuleHost::rolesOf(sqlite::Database& db, std::int64_t userId,
                                          std::int64_t tenantId, const std::string& module) {
  std::set<std::string> out;
  sqlite::Statement q(db,
                      "SELECT role FROM user_module_roles WHERE user_id = ? AND tenant_id = ? "
                      "AND module = ?");
  q.bind(1, userId).bind(2, tenantId).bind(3, module);
  while (q.step()) out.insert(q.text(0));
  return out;
}

std::vector<RoleGrant> ModuleHost::grantsOf(sqlite::Database& db, std::int64_t userId) {
  std::vector<RoleGrant> out;
  sqlite::Statement q(db,
                      "SELECT tenant_id, module, role FROM user_module_roles WHERE user_id = ? "
                      "ORDER BY tenant_id, module, role");
  q.bind(1, userId);
  while (q.step()) out.push_back({q.int64(0), q.text(1), q.text(2)});
  return out;
}

void ModuleHost::setGrants(sqlite::Database& db, std::int64_t userId,
                           const std::vector<RoleGrant>& grants) {
  for (const auto& g : grants) {
    const Module* m = findModule(g.module);
    if (!m) throw Error(ErrorKind::kBadRequest, "no module named '" + g.module + "'");
    bool known = false;
    for (const auto& r : m->roles) known = known || r.name == g.role;
    if (!known)
      throw Error(ErrorKind::kBadRequest,
                  "module " + g.module + " has no role named '" + g.role + "'");
  }
  sqlite::Transaction tx(db);
  sqlite::Statement del(db, "DELETE FROM user_module_roles WHERE user_id = ?");
  del.bind(1, userId).run();
  for (const auto& g : grants) {
    sqlite::Statement ins(db, "INSERT OR IGNORE INTO user_module_roles VALUES (?, ?, ?, ?)");
    ins.bind(1, userId).bind(2, g.tenantId).bind(3, g.module).bind(4, g.role).run();
  }
  tx.commit();
}

TenantProfile ModuleHost::profile(sqlite::Database& db, std::int64_t tenantId) {
  TenantProfile p;
  p.tenantId = tenantId;
  sqlite::Statement q(
      db,
      "SELECT legal_name, siret, vat_id, address_line1, address_line2, postcode, city, "
      "email, phone, iban, bic, sepa_creditor_id, ordonnateur_name, "
      "ordonnateur_title, payment_days FROM mod_host_tenant_profiles "
      "WHERE tenant_id = ?");
  q.bind(1, tenantId);
  if (q.step()) {
    p.legalName = q.text(0);
    p.siret = q.text(1);
    p.vatId = q.text(2);
    p.addressLine1 = q.text(3);
    p.addressLine2 = q.text(4);
    p.postcode = q.text(5);
    p.city = q.text(6);
    p.email = q.text(7);
    p.phone = q.text(8);
    p.iban = q.text(9);
    p.bic = q.text(10);
    p.sepaCreditorId = q.text(11);
    p.ordonnateurName = q.text(12);
    p.ordonnateurTitle = q.text(13);
    p.paymentDays = static_cast<int>(q.int64(14));
  }
  return p;
}

void ModuleHost::saveProfile(sqlite::Database& db, const TenantProfile& p) {
  sqlite::Statement q(db,
                      "INSERT OR REPLACE INTO mod_host_tenant_profiles (tenant_id, legal_name, "
                      "siret, vat_id, address_line1, address_line2, postcode, city, email, phone, "
                      "iban, bic, sepa_creditor_id, ordonnateur_name, ordonnateur_title, "
                      "payment_days) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, p.tenantId)
      .bind(2, p.legalName)
      .bind(3, p.siret)
      .bind(4, p.vatId)
      .bind(5, p.addressLine1)
      .bind(6, p.addressLine2)
      .bind(7, p.postcode)
      .bind(8, p.city)
      .bind(9, p.email)
      .bind(10, p.phone)
      .bind(11, p.iban)
      .bind(12, p.bic)
      .bind(13, p.sepaCreditorId)
      .bind(14, p.ordonnateurName)
      .bind(15, p.ordonnateurTitle)
      .bind(16, p.paymentDays)
      .run();
}

}  // namespace parc::modules
