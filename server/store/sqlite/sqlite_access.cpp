// Accounts, sessions and API tokens of the SQLite store.
#include "common/error.h"
#include "server/store/sqlite/sqlite_store.h"

namespace parc::server::store {

using sqlite::Statement;
using sqlite::Transaction;

namespace {

constexpr const char* kUserColumns =
    "id, username, password_hash, role, created_at, all_tenants, disabled, totp_secret, "
    "totp_pending, totp_last_step";

User readUser(const Statement& s) {
  User u;
  u.id = s.int64(0);
  u.username = s.text(1);
  u.passwordHash = s.text(2);
  // An unknown role in the database grants the least, never more.
  u.role = roleFromName(s.text(3)).value_or(Role::kReadOnly);
  u.createdAt = s.int64(4);
  u.allTenants = s.int64(5) != 0;
  u.disabled = s.int64(6) != 0;
  u.totpSecret = s.text(7);
  u.totpPending = s.text(8);
  u.totpLastStep = s.int64(9);
  return u;
}

constexpr const char* kApiTokenColumns =
    "id, user_id, name, prefix, role, created_at, expires_at, last_used_at, revoked";

ApiToken readApiToken(const Statement& s) {
  ApiToken t;
  t.id = s.int64(0);
  t.userId = s.int64(1);
  t.name = s.text(2);
  t.prefix = s.text(3);
  t.role = roleFromName(s.text(4)).value_or(Role::kReadOnly);
  t.createdAt = s.int64(5);
  t.expiresAt = s.int64(6);
  t.lastUsedAt = s.optInt64(7);
  t.revoked = s.int64(8) != 0;
  return t;
}

}  // namespace

std::vector<Id> SqliteStore::userTenants(Id userId) {
  Statement s(db_, "SELECT tenant_id FROM user_tenants WHERE user_id = ? ORDER BY tenant_id");
  s.bind(1, userId);
  std::vector<Id> out;
  while (s.step()) out.push_back(s.int64(0));
  return out;
}

std::optional<User> SqliteStore::findUserWhere(const char* where, const std::string& value) {
  std::lock_guard lock(mutex_);
  Statement s(db_, std::string("SELECT ") + kUserColumns + " FROM users WHERE " + where + " = ?");
  s.bind(1, value);
  if (!s.step()) return std::nullopt;
  User u = readUser(s);
  u.tenants = userTenants(u.id);
  return u;
}

std::int64_t SqliteStore::countUsers() {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT COUNT(*) FROM users");
  s.step();
  return s.int64(0);
}

User SqliteStore::createUser(const std::string& username, const std::string& passwordHash,
                             Role role, Time now) {
  std::lock_guard lock(mutex_);
  Statement exists(db_, "SELECT 1 FROM users WHERE username = ?");
  exists.bind(1, username);
  if (exists.step()) throw Error(ErrorKind::kConflict, "a user with this name exists");
  Statement(db_, "INSERT INTO users(username, password_hash, role, created_at) VALUES(?,?,?,?)")
      .bind(1, username)
      .bind(2, passwordHash)
      .bind(3, roleName(role))
      .bind(4, now)
      .run();
  User u;
  u.id = db_.lastInsertId();
  u.username = username;
  u.passwordHash = passwordHash;
  u.role = role;
  u.createdAt = now;
  return u;
}

std::optional<User> SqliteStore::findUserByName(const std::string& username) {
  return findUserWhere("username", username);
}

std::optional<User> SqliteStore::findUser(Id id) {
  return findUserWhere("id", std::to_string(id));
}

std::vector<User> SqliteStore::listUsers() {
  std::lock_guard lock(mutex_);
  Statement s(db_, std::string("SELECT ") + kUserColumns + " FROM users ORDER BY username");
  std::vector<User> out;
  while (s.step()) out.push_back(readUser(s));
  for (auto& u : out) u.tenants = userTenants(u.id);
  return out;
}

void SqliteStore::updateUser(const User& u) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  Statement clash(db_, "SELECT 1 FROM users WHERE username = ? AND id != ?");
  clash.bind(1, u.username).bind(2, u.id);
  if (clash.step()) throw Error(ErrorKind::kConflict, "a user with this name exists");
  Statement(db_,
            "UPDATE users SET username = ?, password_hash = ?, role = ?, all_tenants = ?, "
            "disabled = ?, totp_secret = ?, totp_pending = ?, totp_last_step = ? WHERE id = ?")
      .bind(1, u.username)
      .bind(2, u.passwordHash)
      .bind(3, roleName(u.role))
      .bind(4, u.allTenants ? 1 : 0)
      .bind(5, u.disabled ? 1 : 0)
      .bind(6, u.totpSecret)
      .bind(7, u.totpPending)
      .bind(8, u.totpLastStep)
      .bind(9, u.id)
      .run();
  Statement(db_, "DELETE FROM user_tenants WHERE user_id = ?").bind(1, u.id).run();
  for (Id t : u.tenants) {
    Statement(db_, "INSERT OR IGNORE INTO user_tenants(user_id, tenant_id) VALUES(?, ?)")
        .bind(1, u.id)
        .bind(2, t)
        .run();
  }
  tx.commit();
}

void SqliteStore::createSession(const Session& session) {
  std::lock_guard lock(mutex_);
  Statement(db_,
            "INSERT INTO sessions(token_hash, user_id, created_at, last_used_at, expires_at) "
            "VALUES(?,?,?,?,?)")
      .bind(1, session.tokenHash)
      .bind(2, session.userId)
      .bind(3, session.createdAt)
      .bind(4, session.lastUsedAt)
      .bind(5, session.expiresAt)
      .run();
}

std::optional<Session> SqliteStore::findSession(const std::string& tokenHash) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "SELECT token_hash, user_id, created_at, last_used_at, expires_at FROM sessions "
              "WHERE token_hash = ?");
  s.bind(1, tokenHash);
  if (!s.step()) return std::nullopt;
  return Session{s.text(0), s.int64(1), s.int64(2), s.int64(3), s.int64(4)};
}

void SqliteStore::touchSession(const std::string& tokenHash, Time now) {
  std::lock_guard lock(mutex_);
  Statement(db_, "UPDATE sessions SET last_used_at = ? WHERE token_hash = ?")
      .bind(1, now)
      .bind(2, tokenHash)
      .run();
}

void SqliteStore::deleteSession(const std::string& tokenHash) {
  std::lock_guard lock(mutex_);
  Statement(db_, "DELETE FROM sessions WHERE token_hash = ?").bind(1, tokenHash).run();
}

void SqliteStore::deleteSessionsOfUser(Id userId) {
  std::lock_guard lock(mutex_);
  Statement(db_, "DELETE FROM sessions WHERE user_id = ?").bind(1, userId).run();
}

ApiToken SqliteStore::createApiToken(const ApiToken& token, const std::string& secretHash) {
  std::lock_guard lock(mutex_);
  Statement(db_,
            "INSERT INTO api_tokens(user_id, name, prefix, token_hash, role, created_at, "
            "expires_at) VALUES(?,?,?,?,?,?,?)")
      .bind(1, token.userId)
      .bind(2, token.name)
      .bind(3, token.prefix)
      .bind(4, secretHash)
      .bind(5, roleName(token.role))
      .bind(6, token.createdAt)
      .bind(7, token.expiresAt)
      .run();
  ApiToken out = token;
  out.id = db_.lastInsertId();
  return out;
}

std::optional<ApiToken> SqliteStore::findApiTokenByHash(const std::string& secretHash) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              std::string("SELECT ") + kApiTokenColumns + " FROM api_tokens WHERE token_hash = ?");
  s.bind(1, secretHash);
  if (!s.step()) return std::nullopt;
  return readApiToken(s);
}

std::optional<ApiToken> SqliteStore::findApiToken(Id id) {
  std::lock_guard lock(mutex_);
  Statement s(db_, std::string("SELECT ") + kApiTokenColumns + " FROM api_tokens WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return readApiToken(s);
}

std::vector<ApiToken> SqliteStore::listApiTokens(std::optional<Id> userId) {
  std::lock_guard lock(mutex_);
  Statement s(db_, std::string("SELECT ") + kApiTokenColumns +
                       " FROM api_tokens WHERE ?1 IS NULL OR user_id = ?1 ORDER BY id");
  s.bind(1, userId);
  std::vector<ApiToken> out;
  while (s.step()) out.push_back(readApiToken(s));
  return out;
}

bool SqliteStore::revokeApiToken(Id id) {
  std::lock_guard lock(mutex_);
  Statement(db_, "UPDATE api_tokens SET revoked = 1 WHERE id = ?").bind(1, id).run();
  return db_.changes() > 0;
}

void SqliteStore::touchApiToken(Id id, Time now) {
  std::lock_guard lock(mutex_);
  Statement(db_, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?")
      .bind(1, now)
      .bind(2, id)
      .run();
}

}  // namespace parc::server::store
