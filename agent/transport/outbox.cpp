#include "agent/transport/outbox.h"

#include "common/crypto/hash.h"

namespace parc::agent::transport {

using sqlite::Statement;
using sqlite::Transaction;

namespace {
const std::vector<sqlite::Migration> kMigrations = {{1, R"sql(
CREATE TABLE messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  payload TEXT NOT NULL
);
CREATE INDEX messages_type ON messages(type, seq);
CREATE TABLE evictions (type TEXT PRIMARY KEY, count INTEGER NOT NULL);
)sql"}};
}  // namespace

Outbox::Outbox(const std::filesystem::path& file, OutboxLimits limits)
    : db_(sqlite::Database::open(file)), limits_(std::move(limits)) {
  sqlite::migrate(db_, kMigrations);
}

std::string Outbox::insert(const std::string& type, const Json& payload, std::int64_t createdAt) {
  std::string id = crypto::uuid4();
  std::string text = payload.dump(-1, ' ', false, Json::error_handler_t::replace);
  Statement(db_, "INSERT INTO messages(id, type, created_at, payload) VALUES(?,?,?,?)")
      .bind(1, id)
      .bind(2, type)
      .bind(3, createdAt)
      .bind(4, text)
      .run();
  if (bytes_ >= 0) bytes_ += static_cast<std::int64_t>(text.size());
  enforceBounds(type);
  return id;
}

std::string Outbox::enqueue(const std::string& type, const Json& payload, std::int64_t createdAt) {
  return enqueueMany(type, {payload}, createdAt).front();
}

std::vector<std::string> Outbox::enqueueMany(const std::string& type,
                                             const std::vector<Json>& payloads,
                                             std::int64_t createdAt) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  if (type == "inventory") {
    Statement(db_, "DELETE FROM messages WHERE type = 'inventory'").run();
    bytes_ = -1;
  }
  std::vector<std::string> ids;
  ids.reserve(payloads.size());
  for (const auto& p : payloads) ids.push_back(insert(type, p, createdAt));
  tx.commit();
  return ids;
}

std::int64_t Outbox::totalBytes() {
  if (bytes_ < 0) {
    Statement s(db_, "SELECT COALESCE(SUM(LENGTH(payload)), 0) FROM messages");
    s.step();
    bytes_ = s.int64(0);
  }
  return bytes_;
}

void Outbox::countEviction(const std::string& type, std::int64_t n) {
  if (n <= 0) return;
  Statement(db_,
            "INSERT INTO evictions(type, count) VALUES(?, ?) "
            "ON CONFLICT(type) DO UPDATE SET count = count + excluded.count")
      .bind(1, type)
      .bind(2, n)
      .run();
}

// Halves the resolution of the older half of the metrics: every other batch goes.
std::int64_t Outbox::thinMetrics() {
  std::int64_t n = 0;
  {
    Statement c(db_, "SELECT COUNT(*) FROM messages WHERE type = 'metrics'");
    c.step();
    n = c.int64(0);
  }
  if (n < 2) return dropOldest("metrics", n);
  Statement(db_,
            "DELETE FROM messages WHERE seq IN (SELECT seq FROM (SELECT seq, ROW_NUMBER() OVER "
            "(ORDER BY seq) AS r FROM messages WHERE type = 'metrics' ORDER BY seq LIMIT ?) "
            "WHERE r % 2 = 0)")
      .bind(1, std::max<std::int64_t>(2, (n + 1) / 2))
      .run();
  std::int64_t removed = db_.changes();
  bytes_ = -1;
  countEviction("metrics", removed);
  return removed;
}

std::int64_t Outbox::dropOldest(const std::string& type, std::int64_t n) {
  if (n <= 0) return 0;
  Statement(db_,
            "DELETE FROM messages WHERE seq IN (SELECT seq FROM messages WHERE type = ? ORDER BY "
            "seq LIMIT ?)")
      .bind(1, type)
      .bind(2, n)
      .run();
  std::int64_t removed = db_.changes();
  bytes_ = -1;
  countEviction(type, removed);
  return removed;
}

void Outbox::enforceBounds(const std::string& type) {
  auto limit = limits_.maxPerType.find(type);
  if (limit != limits_.maxPerType.end()) {
    Statement c(db_, "SELECT COUNT(*) FROM messages WHERE type = ?");
    c.bind(1, type);
    c.step();
    std::int64_t over = c.int64(0) - limit->second;
    if (over > 0) {
      // Metrics lose resolution; other types lose their oldest.
      if (type == "metrics") {
        thinMetrics();
      } else {
        dropOldest(type, over);
      }
    }
  }
  // The byte budget: thin metrics first; events go only when no metrics are left.
  while (totalBytes() > limits_.maxTotalBytes) {
    if (thinMetrics() > 0) continue;
    if (dropOldest("event", 1) > 0) continue;
    if (dropOldest("action_result", 1) > 0) continue;
    break;
  }
}

std::vector<OutboxMessage> Outbox::peek(std::size_t maxMessages, std::size_t maxBytes) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT seq, id, type, created_at, payload FROM messages ORDER BY seq LIMIT ?");
  s.bind(1, static_cast<std::int64_t>(maxMessages));
  std::vector<OutboxMessage> out;
  std::size_t bytes = 0;
  while (s.step()) {
    OutboxMessage m{s.int64(0), s.text(1), s.text(2), s.int64(3), s.text(4)};
    if (!out.empty() && bytes + m.payload.size() > maxBytes) break;
    bytes += m.payload.size();
    out.push_back(std::move(m));
  }
  return out;
}

void Outbox::remove(const std::vector<std::string>& ids) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  Statement s(db_, "DELETE FROM messages WHERE id = ?");
  for (const auto& id : ids) {
    s.reset();
    s.bind(1, id).run();
  }
  tx.commit();
  bytes_ = -1;
}

std::int64_t Outbox::count() {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT COUNT(*) FROM messages");
  s.step();
  return s.int64(0);
}

void Outbox::releaseMemory() {
  std::lock_guard lock(mutex_);
  sqlite3_db_release_memory(db_.handle());
}

std::int64_t Outbox::count(const std::string& type) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT COUNT(*) FROM messages WHERE type = ?");
  s.bind(1, type);
  s.step();
  return s.int64(0);
}

std::map<std::string, std::int64_t> Outbox::evicted() {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT type, count FROM evictions WHERE count > 0");
  std::map<std::string, std::int64_t> out;
  while (s.step()) out[s.text(0)] = s.int64(1);
  return out;
}

void Outbox::evictionReported(const std::map<std::string, std::int64_t>& reported) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  for (const auto& [type, n] : reported) {
    Statement(db_, "UPDATE evictions SET count = MAX(count - ?, 0) WHERE type = ?")
        .bind(1, n)
        .bind(2, type)
        .run();
  }
  tx.commit();
}

}  // namespace parc::agent::transport
