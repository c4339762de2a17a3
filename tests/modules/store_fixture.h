#pragma once
// A real main store (SqliteStore's schema) in a temporary file, migrated by the module
// host, with the golden town of billing_fixture.h loaded for one tenant.
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <random>

#include "server/modules/facturation/store.h"
#include "server/modules/module_host.h"
#include "server/store/sqlite/sqlite_store.h"
#include "tests/modules/billing_fixture.h"

namespace parc::modules::facturation::testing {

class TempFolder {
 public:
  TempFolder() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("parc-modules-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct Town {
  std::map<Id, Id> family, child, service;  // fixture id → stored id
};

inline TenantProfile profile(Id tenant) {
  TenantProfile p;
  p.tenantId = tenant;
  p.legalName = "Commune de Rodez";
  p.siret = "21120202300019";
  p.vatId = "FR44211202023";
  p.addressLine1 = "Place de l'Hôtel de Ville";
  p.postcode = "12000";
  p.city = "Rodez";
  p.iban = "FR7630001007941234567890185";
  p.bic = "BDFEFRPPCCT";
  p.sepaCreditorId = "FR72ZZZ123456";
  p.ordonnateurName = "Marie Dupont";
  p.ordonnateurTitle = "Maire";
  return p;
}

inline Town loadTown(FacturationStore& st, const std::vector<Case>& cs) {
  Town t;
  for (auto s : services()) {
    Id fixtureId = s.id;
    s.id = 0;
    t.service[fixtureId] = st.saveService(s).id;
  }
  for (auto p : grid()) {
    p.serviceId = t.service.at(p.serviceId);
    st.addPrice(p);
  }
  std::vector<FacturationStore::DayEntry> entries;
  for (const auto& k : cs) {
    Family f = k.family;
    f.id = 0;
    t.family[k.family.id] = st.saveFamily(f, 1000).id;
    for (auto c : k.children) {
      Id fixtureId = c.id;
      c.id = 0;
      c.familyId = t.family.at(k.family.id);
      t.child[fixtureId] = st.saveChild(c).id;
    }
    for (auto d : k.days) {
      d.childId = t.child.at(d.childId);
      d.serviceId = t.service.at(d.serviceId);
      entries.push_back({d, false});
    }
  }
  st.setAttendance(entries);
  return t;
}

/// The main store and the module tables in one file, with two tenants.
struct Database {
  TempFolder dir;
  std::filesystem::path file = dir.path() / "parc.db";
  std::unique_ptr<server::store::SqliteStore> core =
      std::make_unique<server::store::SqliteStore>(file);
  Id tenant1 = core->createTenant("Rodez", "12202", 1).id;
  Id tenant2 = core->createTenant("Millau", "12145", 1).id;
  sqlite::Database db = [this] {
    auto d = sqlite::Database::open(file);
    ModuleHost::migrateAll(d);
    return d;
  }();
};

}  // namespace parc::modules::facturation::testing
