#pragma once
// The module host: one connection to the main SQLite store (its own, beside the core
// store's: WAL lets both work), the modules' migrations, per-tenant activation, module
// roles of users, the tenant profile shared by modules, and the INSEE commune list.
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/sqlite/database.h"
#include "server/modules/module.h"

namespace parc::modules {

/// The INSEE commune codes (COG), loaded once from the Etalab CSV.
class Communes {
 public:
  /// Reads the file; an absent file gives an empty list (`available()` false).
  explicit Communes(const std::filesystem::path& csv);
  bool available() const { return !names_.empty(); }
  /// The name of a current commune ("12202" → "Rodez"); nullopt when unknown.
  std::optional<std::string> name(const std::string& code) const;
  size_t size() const { return names_.size(); }

 private:
  std::map<std::string, std::string> names_;
};

/// Shared reference data of a tenant (the town hall as a seller and creditor).
struct TenantProfile {
  std::int64_t tenantId = 0;
  std::string legalName;  // "Commune de Rodez"
  std::string siret;      // 14 digits; the SIREN is its first 9
  std::string vatId;      // FR + key + SIREN (BT-31), needed for VAT categories E, S, Z
  std::string addressLine1, addressLine2, postcode, city;
  std::string email, phone;
  std::string iban, bic;
  std::string sepaCreditorId;                     // ICS, e.g. FR12ZZZ123456
  std::string ordonnateurName, ordonnateurTitle;  // "Marie Dupont", "Maire"
  int paymentDays = 30;
};

struct RoleGrant {
  std::int64_t tenantId = 0;
  std::string module;
  std::string role;
};

bool validSiret(const std::string& siret);  // 14 digits, Luhn (La Poste's 356000000 aside)
bool validIban(const std::string& iban);    // ISO 13616 mod-97, no spaces
bool validBic(const std::string& bic);
/// French VAT identifier: FR, 2-digit key = (12 + 3 × (SIREN mod 97)) mod 97, SIREN.
bool validVatIdFr(const std::string& vatId);
bool validCreditorId(const std::string& ics);  // SEPA creditor identifier, mod-97

class ModuleHost {
 public:
  /// Opens the main store's file and migrates the host's tables and every module's.
  ModuleHost(const std::filesystem::path& database, const std::filesystem::path& communesCsv);

  /// Applies the host's and every registered module's migrations (versions kept per
  /// module in mod_schema); refuses a module schema newer than this program knows.
  static void migrateAll(sqlite::Database& db);
  static void migrateModule(sqlite::Database& db, const std::string& name,
                            const std::vector<sqlite::Migration>& migrations);
  static int moduleVersion(sqlite::Database& db, const std::string& name);

  /// The connection, locked: module handlers run one at a time (one SQLite writer anyway).
  std::unique_lock<std::mutex> lock() { return std::unique_lock<std::mutex>(mutex_); }
  sqlite::Database& db() { return db_; }
  const Communes& communes() const { return communes_; }

  // All below: call with the lock held.
  static bool isActive(sqlite::Database& db, std::int64_t tenantId, const std::string& module);
  static std::set<std::string> activeModules(sqlite::Database& db, std::int64_t tenantId);
  static void setActive(sqlite::Database& db, std::int64_t tenantId, const std::string& module,
                        bool active, std::int64_t now);
  static std::set<std::string> rolesOf(sqlite::Database& db, std::int64_t userId,
                                       std::int64_t tenantId, const std::string& module);
  static std::vector<RoleGrant> grantsOf(sqlite::Database& db, std::int64_t userId);
  /// Replaces every module role of the user (kBadRequest for an unknown module or role).
  static void setGrants(sqlite::Database& db, std::int64_t userId,
                        const std::vector<RoleGrant>& grants);
  static TenantProfile profile(sqlite::Database& db, std::int64_t tenantId);
  static void saveProfile(sqlite::Database& db, const TenantProfile& p);

 private:
  sqlite::Database db_;
  std::mutex mutex_;
  Communes communes_;
};

}  // namespace parc::modules
