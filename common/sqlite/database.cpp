#include "common/sqlite/database.h"

#include <chrono>
#include <thread>

#include "common/error.h"

namespace parc::sqlite {

namespace {
constexpr int kBusyTimeoutMs = 5000;

// Busy, locked, full or failing storage may pass: callers retry kUnavailable.
ErrorKind errorKind(int rc) {
  int primary = rc & 0xff;
  if (primary == SQLITE_CONSTRAINT) return ErrorKind::kConflict;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_FULL ||
      primary == SQLITE_IOERR)
    return ErrorKind::kUnavailable;
  return ErrorKind::kInternal;
}

// Two processes opening a new file at once (the agent's service and `parc-agent emit`):
// SQLite answers the second one's switch to WAL with SQLITE_BUSY at once, without its
// busy handler (waiting could deadlock), so the wait is ours, as long as the handler's.
void enterWalMode(Database& db) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (;;) {
    int rc = sqlite3_exec(db.handle(), "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) return;
    if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() > deadline)
      db.fail(rc, "exec PRAGMA journal_mode=WAL");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}
// SQLite's default commit hook checkpoints once the WAL holds 1,000 pages, but the
// checkpoint fails (SQLITE_LOCKED) while any statement of the connection still reads: a
// SELECT stepped to its row and not reset yet, as transactions hold when they commit
// (the statement objects end with their scope, after the COMMIT). The next commit meets
// the same, so under steady load the WAL was never checkpointed: parc.db's grew to
// 270 MB in 40 s at saturation (docs/benchmarks.md). Ours keeps the checkpoint owed
// until the transaction's scope has ended (Transaction's destructor) or a later commit.
constexpr int kCheckpointPages = 1000;

// Checkpoints what it can; true when a reading statement put it off (it stays owed). A
// checkpoint that fails otherwise (busy) is tried again at the next commit.
bool checkpointPutOff(sqlite3* db, const char* schema) {
  int rc = sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  return (rc & 0xff) == SQLITE_LOCKED;
}

int checkpointAfterCommit(void* state, sqlite3* db, const char* schema, int pagesInWal) {
  auto* wal = static_cast<Database::WalState*>(state);
  bool due = wal->elsewhere ? wal->elsewhere(pagesInWal) : pagesInWal >= kCheckpointPages;
  if (due || wal->checkpointOwed) wal->checkpointOwed = checkpointPutOff(db, schema);
  return SQLITE_OK;
}
}  // namespace

Statement::Statement(Database& db, std::string_view sql) : db_(&db) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  stmt_.reset(raw);
  if (rc != SQLITE_OK) db.fail(rc, "prepare");
}

Statement& Statement::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_.get(), index, value);
  if (rc != SQLITE_OK) db_->fail(rc, "bind");
  return *this;
}

Statement& Statement::bind(int index, double value) {
  int rc = sqlite3_bind_double(stmt_.get(), index, value);
  if (rc != SQLITE_OK) db_->fail(rc, "bind");
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  int rc = sqlite3_bind_text(stmt_.get(), index, text.data(), static_cast<int>(text.size()),
                             SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) db_->fail(rc, "bind");
  return *this;
}

Statement& Statement::bindBlob(int index, const std::vector<std::uint8_t>& blob) {
  int rc = sqlite3_bind_blob(stmt_.get(), index, blob.data(), static_cast<int>(blob.size()),
                             SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) db_->fail(rc, "bind");
  return *this;
}

Statement& Statement::bindNull(int index) {
  int rc = sqlite3_bind_null(stmt_.get(), index);
  if (rc != SQLITE_OK) db_->fail(rc, "bind");
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_->fail(rc, "step");
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

bool Statement::isNull(int col) const {
  return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL;
}

std::int64_t Statement::int64(int col) const {
  return sqlite3_column_int64(stmt_.get(), col);
}

double Statement::real(int col) const {
  return sqlite3_column_double(stmt_.get(), col);
}

std::string Statement::text(int col) const {
  const auto* p = sqlite3_column_text(stmt_.get(), col);
  int n = sqlite3_column_bytes(stmt_.get(), col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

std::optional<std::string> Statement::optText(int col) const {
  if (isNull(col)) return std::nullopt;
  return text(col);
}

std::optional<std::int64_t> Statement::optInt64(int col) const {
  if (isNull(col)) return std::nullopt;
  return int64(col);
}

std::vector<std::uint8_t> Statement::blob(int col) const {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_.get(), col));
  int n = sqlite3_column_bytes(stmt_.get(), col);
  return p ? std::vector<std::uint8_t>(p, p + n) : std::vector<std::uint8_t>();
}

Database Database::open(const std::filesystem::path& path) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  Database db(raw);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    throw Error(ErrorKind::kUnavailable, "cannot open database " + path.string() + ": " + msg);
  }
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  sqlite3_extended_result_codes(raw, 1);
  enterWalMode(db);
  db.wal_ = std::make_unique<WalState>();
  sqlite3_wal_hook(raw, checkpointAfterCommit, db.wal_.get());
  db.exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
  return db;
}

Database Database::openMemory() {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open(":memory:", &raw);
  Database db(raw);
  if (rc != SQLITE_OK) throw Error(ErrorKind::kInternal, "cannot open in-memory database");
  db.exec("PRAGMA foreign_keys=ON;");
  return db;
}

void Database::exec(std::string_view sql) {
  std::string copy(sql);  // sqlite3_exec needs a NUL-terminated string
  char* err = nullptr;
  int rc = sqlite3_exec(db_.get(), copy.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw Error(errorKind(rc), "sqlite exec: " + msg);
  }
}

std::int64_t Database::lastInsertId() const {
  return sqlite3_last_insert_rowid(db_.get());
}

int Database::changes() const {
  return sqlite3_changes(db_.get());
}

void Database::checkpointIfOwed() noexcept {
  if (wal_ && wal_->checkpointOwed) wal_->checkpointOwed = checkpointPutOff(db_.get(), nullptr);
}

void Database::checkpointElsewhere(std::function<bool(int walPages)> afterCommit) {
  if (!wal_) throw Error(ErrorKind::kInternal, "sqlite: no WAL to checkpoint elsewhere");
  wal_->elsewhere = std::move(afterCommit);
}

void Database::checkpoint() {
  int rc =
      sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY) fail(rc, "checkpoint");
}

void Database::fail(int rc, std::string_view what) const {
  std::string msg = std::string("sqlite ") + std::string(what) + ": " + sqlite3_errmsg(db_.get());
  throw Error(errorKind(rc), msg);
}

Transaction::Transaction(Database& db) : db_(db) {
  db_.exec("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (!done_) {
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    return;
  }
  db_.checkpointIfOwed();
}

void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

Savepoint::Savepoint(Database& db) : db_(db) {
  db_.exec("SAVEPOINT parc_part");
}

Savepoint::~Savepoint() {
  if (!done_) {
    sqlite3_exec(db_.handle(), "ROLLBACK TO parc_part; RELEASE parc_part", nullptr, nullptr,
                 nullptr);
  }
}

void Savepoint::release() {
  db_.exec("RELEASE parc_part");
  done_ = true;
}

int schemaVersion(Database& db) {
  Statement s(db, "PRAGMA user_version");
  s.step();
  return static_cast<int>(s.int64(0));
}

int migrate(Database& db, const std::vector<Migration>& migrations) {
  int newest = migrations.empty() ? 0 : migrations.back().version;
  for (const auto& m : migrations) {
    // The version is read under the write lock: two processes opening the same file
    // (the agent's service and `parc-agent emit`) must not both apply a step.
    Transaction tx(db);
    int current = schemaVersion(db);
    if (current > newest) {
      throw Error(ErrorKind::kConflict, "database schema version " + std::to_string(current) +
                                            " is newer than this program knows (" +
                                            std::to_string(newest) + "); refusing to downgrade");
    }
    if (m.version <= current) continue;
    db.exec(m.sql);
    db.exec("PRAGMA user_version = " + std::to_string(m.version));
    tx.commit();
  }
  return schemaVersion(db);
}

}  // namespace parc::sqlite
