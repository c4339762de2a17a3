#include "server/store/sqlite/host_groups_store.h"

#include "common/error.h"

namespace parc::server::store {

HostGroupStore::HostGroupStore(const std::filesystem::path& database)
    : db_(sqlite::Database::open(database)) {}

HostGroup HostGroupStore::create(Id tenantId, const std::string& name, Time now) {
  std::lock_guard lock(mutex_);
  sqlite::Transaction tx(db_);
  sqlite::Statement clash(db_, "SELECT 1 FROM host_groups WHERE tenant_id = ? AND name = ?");
  clash.bind(1, tenantId).bind(2, name);
  if (clash.step())
    throw Error(ErrorKind::kConflict, "the tenant already has a group of this name");
  sqlite::Statement s(db_,
                      "INSERT INTO host_groups (tenant_id, name, created_at) VALUES (?, ?, ?)");
  s.bind(1, tenantId).bind(2, name).bind(3, now);
  s.run();
  HostGroup g{db_.lastInsertId(), tenantId, name, now, {}};
  tx.commit();
  return g;
}

std::vector<Id> HostGroupStore::membersOf(Id groupId) {
  sqlite::Statement s(db_,
                      "SELECT host_id FROM host_group_members WHERE group_id = ? ORDER BY host_id");
  s.bind(1, groupId);
  std::vector<Id> out;
  while (s.step()) out.push_back(s.int64(0));
  return out;
}

std::optional<HostGroup> HostGroupStore::find(Id id) {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(db_, "SELECT id, tenant_id, name, created_at FROM host_groups WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  HostGroup g{s.int64(0), s.int64(1), s.text(2), s.int64(3), {}};
  g.hosts = membersOf(g.id);
  return g;
}

std::vector<HostGroup> HostGroupStore::list(const TenantScope& scope) {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(
      db_, "SELECT id, tenant_id, name, created_at FROM host_groups ORDER BY tenant_id, name");
  std::vector<HostGroup> out;
  while (s.step()) {
    if (!scope.allows(s.int64(1))) continue;
    out.push_back({s.int64(0), s.int64(1), s.text(2), s.int64(3), {}});
  }
  for (auto& g : out) g.hosts = membersOf(g.id);
  return out;
}

bool HostGroupStore::remove(Id id) {
  std::lock_guard lock(mutex_);
  sqlite::Transaction tx(db_);
  sqlite::Statement members(db_, "DELETE FROM host_group_members WHERE group_id = ?");
  members.bind(1, id);
  members.run();
  sqlite::Statement s(db_, "DELETE FROM host_groups WHERE id = ?");
  s.bind(1, id);
  s.run();
  bool removed = db_.changes() > 0;
  tx.commit();
  return removed;
}

void HostGroupStore::setHostGroups(Id hostId, const std::vector<Id>& groups) {
  std::lock_guard lock(mutex_);
  sqlite::Transaction tx(db_);
  sqlite::Statement clear(db_, "DELETE FROM host_group_members WHERE host_id = ?");
  clear.bind(1, hostId);
  clear.run();
  for (Id g : groups) {
    sqlite::Statement s(
        db_, "INSERT OR IGNORE INTO host_group_members (group_id, host_id) VALUES (?, ?)");
    s.bind(1, g).bind(2, hostId);
    s.run();
  }
  tx.commit();
}

std::vector<Id> HostGroupStore::groupsOf(Id hostId) {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(
      db_, "SELECT group_id FROM host_group_members WHERE host_id = ? ORDER BY group_id");
  s.bind(1, hostId);
  std::vector<Id> out;
  while (s.step()) out.push_back(s.int64(0));
  return out;
}

std::map<Id, std::vector<Id>> HostGroupStore::memberships() {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(
      db_, "SELECT host_id, group_id FROM host_group_members ORDER BY host_id, group_id");
  std::map<Id, std::vector<Id>> out;
  while (s.step()) out[s.int64(0)].push_back(s.int64(1));
  return out;
}

}  // namespace parc::server::store
