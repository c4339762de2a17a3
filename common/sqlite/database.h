#pragma once
// RAII over sqlite3* and sqlite3_stmt*. Every failure throws parc::Error with
// SQLite's own message; SQLITE_CONSTRAINT becomes kConflict.
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parc::sqlite {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

class Database;

/// A prepared statement. Bind with 1-based indexes, step, read columns 0-based.
class Statement {
 public:
  Statement(Database& db, std::string_view sql);

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const std::string& text) {
    return bind(index, std::string_view(text));
  }
  Statement& bindBlob(int index, const std::vector<std::uint8_t>& blob);
  Statement& bindNull(int index);
  template <typename T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bindNull(index);
  }

  /// Advances to the next row: true when a row is available, false when done.
  bool step();
  /// Runs a statement that returns no rows.
  void run();
  void reset();

  bool isNull(int col) const;
  std::int64_t int64(int col) const;
  double real(int col) const;
  std::string text(int col) const;
  std::optional<std::string> optText(int col) const;
  std::optional<std::int64_t> optInt64(int col) const;
  std::vector<std::uint8_t> blob(int col) const;

 private:
  Database* db_;
  std::unique_ptr<sqlite3_stmt, StmtFinalizer> stmt_;
};

/// One connection. Not thread-safe: give each thread its own, or guard it.
class Database {
 public:
  /// Opens (creating if needed) a database file in WAL mode with foreign keys on.
  static Database open(const std::filesystem::path& path);
  static Database openMemory();

  void exec(std::string_view sql);
  std::int64_t lastInsertId() const;
  int changes() const;
  sqlite3* handle() const { return db_.get(); }

  /// Throws parc::Error built from the connection's last error.
  [[noreturn]] void fail(int rc, std::string_view what) const;

  /// Runs the WAL checkpoint that a commit had to put off because a statement of this
  /// connection was still reading (see database.cpp); nothing when none is owed.
  void checkpointIfOwed() noexcept;

  /// Leaves the WAL's checkpoints to another connection (on a thread of its own): this
  /// one's commits copy no pages into the database file. `afterCommit` runs after each of
  /// them with the pages the WAL then holds, and returns true when this commit must
  /// checkpoint all the same (what the other left: the WAL starts over only after that).
  void checkpointElsewhere(std::function<bool(int walPages)> afterCommit);
  /// A checkpoint of what the WAL holds, as far as readers allow (PASSIVE).
  void checkpoint();

  /// What the commit hook shares with the connection; on the heap so that it stays put
  /// when the Database is moved.
  struct WalState {
    bool checkpointOwed = false;
    std::function<bool(int)> elsewhere;  // checkpointElsewhere
  };

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  std::unique_ptr<WalState> wal_;  // before db_: freed after the connection is closed
  std::unique_ptr<sqlite3, DbCloser> db_;
};

/// BEGIN IMMEDIATE ... COMMIT, rolled back if not committed before destruction. Once
/// committed, its destruction runs a checkpoint the commit owed (the statements declared
/// after it, in its scope, have ended by then).
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

/// SAVEPOINT … RELEASE inside a transaction: what was written since it began is undone
/// when it is not released before destruction, and the transaction goes on.
class Savepoint {
 public:
  explicit Savepoint(Database& db);
  ~Savepoint();
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  void release();

 private:
  Database& db_;
  bool done_ = false;
};

/// A numbered schema change. Migrations run in order, each in its own transaction,
/// and the schema version is kept in PRAGMA user_version.
struct Migration {
  int version;
  std::string_view sql;
};

/// Applies the migrations newer than the database's version; returns the new version.
/// Refuses a database whose version is newer than the newest known migration.
int migrate(Database& db, const std::vector<Migration>& migrations);

int schemaVersion(Database& db);

}  // namespace parc::sqlite
