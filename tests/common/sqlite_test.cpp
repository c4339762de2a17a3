#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "common/sqlite/background_checkpointer.h"
#include "common/sqlite/database.h"
#include "tests/common/wait.h"

namespace parc::sqlite {
namespace {

// Threads of this process named `name` (/proc/self/task/*/comm).
int threadNamed(const std::string& name) {
  int n = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string line;
    if (std::getline(comm, line) && line == name) ++n;
  }
  return n;
}

const std::vector<Migration> kTwoSteps = {
    {1, "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"},
    {2, "ALTER TABLE t ADD COLUMN note TEXT NOT NULL DEFAULT '';"},
};

TEST(Sqlite, MigrationsRunInOrderOnceEach) {
  auto db = Database::openMemory();
  EXPECT_EQ(migrate(db, {kTwoSteps[0]}), 1);
  EXPECT_EQ(migrate(db, kTwoSteps), 2);
  EXPECT_EQ(migrate(db, kTwoSteps), 2);  // nothing left to do
  Statement(db, "INSERT INTO t(name, note) VALUES('a', 'b')").run();
  EXPECT_EQ(schemaVersion(db), 2);
}

TEST(Sqlite, RefusesADatabaseNewerThanTheProgram) {
  auto db = Database::openMemory();
  migrate(db, kTwoSteps);
  try {
    migrate(db, {kTwoSteps[0]});
    FAIL() << "expected a refusal";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos);
  }
}

TEST(Sqlite, FailedMigrationLeavesVersionAndSchemaUnchanged) {
  auto db = Database::openMemory();
  migrate(db, {kTwoSteps[0]});
  std::vector<Migration> broken = {kTwoSteps[0],
                                   {2, "CREATE TABLE u(x); SELECT no_such_function();"}};
  EXPECT_THROW(migrate(db, broken), Error);
  EXPECT_EQ(schemaVersion(db), 1);
  Statement s(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'u'");
  s.step();
  EXPECT_EQ(s.int64(0), 0);
}

TEST(Sqlite, ConstraintViolationIsAConflict) {
  auto db = Database::openMemory();
  migrate(db, kTwoSteps);
  Statement(db, "INSERT INTO t(name) VALUES('x')").run();
  try {
    Statement(db, "INSERT INTO t(name) VALUES('x')").run();
    FAIL() << "expected a conflict";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
  }
}

TEST(Sqlite, TransactionRollsBackUnlessCommitted) {
  auto db = Database::openMemory();
  migrate(db, kTwoSteps);
  {
    Transaction tx(db);
    Statement(db, "INSERT INTO t(name) VALUES('gone')").run();
  }
  {
    Transaction tx(db);
    Statement(db, "INSERT INTO t(name) VALUES('kept')").run();
    tx.commit();
  }
  Statement s(db, "SELECT name FROM t");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), "kept");
  EXPECT_FALSE(s.step());
}

TEST(Sqlite, SavepointUndoesOnlyItsPartOfTheTransaction) {
  auto db = Database::openMemory();
  migrate(db, kTwoSteps);
  {
    Transaction tx(db);
    Statement(db, "INSERT INTO t(name) VALUES('before')").run();
    {
      Savepoint part(db);
      Statement(db, "INSERT INTO t(name) VALUES('undone')").run();
    }
    {
      Savepoint part(db);
      Statement(db, "INSERT INTO t(name) VALUES('released')").run();
      part.release();
    }
    tx.commit();
  }
  Statement s(db, "SELECT name FROM t ORDER BY id");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), "before");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), "released");
  EXPECT_FALSE(s.step());
}

TEST(Sqlite, BindsAndReadsEveryType) {
  auto db = Database::openMemory();
  db.exec("CREATE TABLE v(i INTEGER, r REAL, t TEXT, b BLOB, n TEXT)");
  std::optional<std::string> none;
  Statement(db, "INSERT INTO v VALUES(?,?,?,?,?)")
      .bind(1, std::int64_t{1} << 40)
      .bind(2, 2.5)
      .bind(3, std::string("é\0x", 4))
      .bindBlob(4, {0, 1, 255})
      .bind(5, none)
      .run();
  Statement s(db, "SELECT i, r, t, b, n FROM v");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.int64(0), std::int64_t{1} << 40);
  EXPECT_DOUBLE_EQ(s.real(1), 2.5);
  EXPECT_EQ(s.text(2), std::string("é\0x", 4));
  EXPECT_EQ(s.blob(3), (std::vector<std::uint8_t>{0, 1, 255}));
  EXPECT_FALSE(s.optText(4).has_value());
}

TEST(Sqlite, FileDatabaseUsesWalAndSurvivesReopen) {
  auto dir = std::filesystem::temp_directory_path() / ("parc-sqlite-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    auto db = Database::open(dir / "a.db");
    {
      Statement s(db, "PRAGMA journal_mode");
      s.step();
      EXPECT_EQ(s.text(0), "wal");
    }
    migrate(db, kTwoSteps);
    Statement(db, "INSERT INTO t(name) VALUES('persisted')").run();
  }
  auto db = Database::open(dir / "a.db");
  Statement s(db, "SELECT name FROM t");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), "persisted");
  std::filesystem::remove_all(dir);
}

// Transactions commit while a statement of theirs still reads (a SELECT stepped to its
// row, ended with its scope after the COMMIT). SQLite's own checkpoint after such a commit
// fails, so the WAL grew without bound under steady writes; it must stay near the
// checkpoint's threshold (1,000 pages).
TEST(Sqlite, TheWalIsCheckpointedThoughEachCommitHasAStatementStillReading) {
  auto dir =
      std::filesystem::temp_directory_path() / ("parc-sqlite-wal-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto db = Database::open(dir / "a.db");
  db.exec("PRAGMA synchronous=OFF; CREATE TABLE t(id INTEGER PRIMARY KEY, data BLOB NOT NULL)");
  std::uintmax_t largestWal = 0;
  for (int round = 0; round < 600; ++round) {
    Transaction tx(db);
    Statement last(db, "SELECT id FROM t ORDER BY id DESC LIMIT 1");
    last.step();  // left on its row until the scope ends
    Statement insert(db, "INSERT INTO t(data) VALUES(randomblob(1000))");
    for (int i = 0; i < 20; ++i) {
      insert.run();
      insert.reset();
    }
    tx.commit();
    largestWal = std::max(largestWal, std::filesystem::file_size(dir / "a.db-wal"));
  }
  Statement count(db, "SELECT COUNT(*) FROM t");
  count.step();
  EXPECT_EQ(count.int64(0), 600 * 20);
  // 600 commits wrote ~4,000 pages; a WAL checkpointed and restarted holds ~1,000.
  EXPECT_LT(largestWal, 1100u * (4096 + 24)) << "the WAL was never checkpointed";
  std::filesystem::remove_all(dir);
}

// Checkpoints on their own thread: the writer's commits copy nothing into the file, yet
// the WAL stays bounded under a writer that never pauses (a checkpoint beside it never
// catches up, so past the restart bound the writer's commit copies the tail itself).
TEST(Sqlite, ABackgroundCheckpointerKeepsTheWalBoundedUnderASteadyWriter) {
  auto dir =
      std::filesystem::temp_directory_path() / ("parc-sqlite-bg-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto db = Database::open(dir / "a.db");
  db.exec("PRAGMA synchronous=OFF; CREATE TABLE t(id INTEGER PRIMARY KEY, data BLOB NOT NULL)");
  std::uintmax_t largestWal = 0;
  {
    BackgroundCheckpointer checkpointer(db, dir / "a.db", 100, 400);
    for (int round = 0; round < 1500; ++round) {
      Transaction tx(db);
      Statement insert(db, "INSERT INTO t(data) VALUES(randomblob(1000))");
      for (int i = 0; i < 8; ++i) {
        insert.run();
        insert.reset();
      }
      tx.commit();
      largestWal = std::max(largestWal, std::filesystem::file_size(dir / "a.db-wal"));
    }
    EXPECT_EQ(threadNamed("wal-checkpoint"), 1);
  }
  // A joined thread may be listed for a moment more, until the kernel reaps it.
  parc::testing::waitFor([] { return threadNamed("wal-checkpoint") == 0; },
                         std::chrono::seconds(5));
  EXPECT_EQ(threadNamed("wal-checkpoint"), 0) << "stopped with its owner";
  Statement count(db, "SELECT COUNT(*) FROM t");
  count.step();
  EXPECT_EQ(count.int64(0), 1500 * 8);
  // ~6,100 pages written, all of them in the WAL without the restart. Started over past
  // 400 pages (its tail copied by the first commit that finds the checkpointer idle), it
  // peaked at 560–1,430 pages in 21 runs here, and at 2,940 in a CI run beside other
  // tests (the checkpointer, preempted mid-copy, was not idle for longer): the bound
  // tells "started over" from "never", not how fast a busy machine does it.
  EXPECT_LT(largestWal, 4500u * (4096 + 24)) << "the WAL was never started over";
  // Without checkpoints the file keeps its first 2 pages. A CI run under load had copied
  // 1,712 of the ~3,000 pages when the checkpointer stopped (2,000 was asked then).
  EXPECT_GT(std::filesystem::file_size(dir / "a.db"), 1000u * 4096) << "pages reached the file";
  std::filesystem::remove_all(dir);
}

TEST(Sqlite, UnopenableFileIsUnavailable) {
  try {
    Database::open("/nonexistent-dir/x/y.db");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnavailable);
  }
}

// A database held by another writer past the busy timeout is "unavailable" (retry later),
// through exec (BEGIN, PRAGMA, migrations) as through statements: never an internal error.
TEST(Sqlite, ADatabaseHeldByAnotherWriterIsUnavailableNotInternal) {
  auto dir =
      std::filesystem::temp_directory_path() / ("parc-sqlite-busy-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto holder = Database::open(dir / "a.db");
  migrate(holder, kTwoSteps);
  auto other = Database::open(dir / "a.db");
  sqlite3_busy_timeout(other.handle(), 100);  // the same outcome as after 5 s, sooner
  holder.exec("BEGIN EXCLUSIVE");
  auto kindOf = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.kind();
    }
    return ErrorKind::kInternal;  // did not throw: reported as a wrong kind below
  };
  EXPECT_EQ(kindOf([&] { other.exec("BEGIN IMMEDIATE"); }), ErrorKind::kUnavailable);
  EXPECT_EQ(kindOf([&] { Statement(other, "INSERT INTO t(name) VALUES('x')").run(); }),
            ErrorKind::kUnavailable);
  holder.exec("COMMIT");
  Statement(other, "INSERT INTO t(name) VALUES('x')").run();  // and passes once released
  std::filesystem::remove_all(dir);
}

// The agent's service and `parc-agent emit` may create the outbox at the same instant: the
// second switch to WAL met SQLITE_BUSY without the busy handler (CI failed on it once; two
// processes failed 132 times in 200 before the fix). Both must open, migrate and write.
TEST(Sqlite, TwoConnectionsCreatingTheSameFileAtOnceBothSucceed) {
  auto dir =
      std::filesystem::temp_directory_path() / ("parc-sqlite-race-" + std::to_string(::getpid()));
  for (int round = 0; round < 100; ++round) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::atomic<int> ready{0};
    std::vector<std::string> errors(2);
    auto openAndWrite = [&](int who) {
      ++ready;
      while (ready < 2) {
      }
      try {
        auto db = Database::open(dir / "a.db");
        migrate(db, kTwoSteps);
        Statement(db, "INSERT INTO t(name) VALUES(?)").bind(1, std::to_string(who)).run();
      } catch (const Error& e) {
        errors[who] = e.what();
      }
    };
    std::thread first(openAndWrite, 0), second(openAndWrite, 1);
    first.join();
    second.join();
    ASSERT_EQ(errors, std::vector<std::string>(2)) << "round " << round;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace parc::sqlite
