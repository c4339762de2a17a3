#include "server/health/metrics_store.h"

#include <algorithm>
#include <cmath>
#include <thread>
#include <tuple>

#include "common/error.h"

namespace parc::server::health {

namespace {

const std::vector<sqlite::Migration> kMigrations = {
    {1, R"sql(
CREATE TABLE series (
  id INTEGER PRIMARY KEY,
  host_id INTEGER NOT NULL,
  tenant_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  subject TEXT NOT NULL,
  UNIQUE (host_id, name, subject)
);
CREATE TABLE raw (
  series_id INTEGER NOT NULL,
  t INTEGER NOT NULL,
  v REAL NOT NULL,
  PRIMARY KEY (series_id, t)
) WITHOUT ROWID;
CREATE TABLE agg_5m (
  series_id INTEGER NOT NULL,
  t INTEGER NOT NULL,
  n INTEGER NOT NULL,
  sum REAL NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  PRIMARY KEY (series_id, t)
) WITHOUT ROWID;
CREATE TABLE agg_1h (
  series_id INTEGER NOT NULL,
  t INTEGER NOT NULL,
  n INTEGER NOT NULL,
  sum REAL NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  PRIMARY KEY (series_id, t)
) WITHOUT ROWID;
CREATE TABLE ingested (
  host_id INTEGER NOT NULL,
  message_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (host_id, message_id)
) WITHOUT ROWID;
CREATE INDEX ingested_at ON ingested (at);
)sql"},
    // Fleet-wide reads of one metric (dashboard, Prometheus) go by name.
    {2, "CREATE INDEX series_name ON series (name, host_id);"},
    // The 5-minute buckets of each host that got raw points since they were last rolled
    // up: one row per batch's bucket instead of two aggregate upserts per point. Rows
    // written before this migration folded at ingest already: nothing is pending.
    {3, R"sql(
CREATE TABLE rollup_pending (
  host_id INTEGER NOT NULL,
  t INTEGER NOT NULL,
  PRIMARY KEY (host_id, t)
) WITHOUT ROWID;
)sql"},
    // Raw points keyed by their 5-minute bucket first: a report's points land next to one
    // another (its host's series have neighbouring ids) instead of at the tails of 30
    // series spread over two days of history, so a group of reports dirties a few pages
    // per host instead of one per point (docs/health.md, "Storage"). Copied in the new
    // key's order: appending is 2.7 times as fast as inserting in the old order.
    {4, R"sql(
CREATE TABLE raw_by_bucket (
  b INTEGER NOT NULL,
  series_id INTEGER NOT NULL,
  t INTEGER NOT NULL,
  v REAL NOT NULL,
  PRIMARY KEY (b, series_id, t)
) WITHOUT ROWID;
INSERT INTO raw_by_bucket (b, series_id, t, v) SELECT t - t % 300, series_id, t, v FROM raw
  ORDER BY 1, 2, 3;
DROP TABLE raw;
ALTER TABLE raw_by_bucket RENAME TO raw;
)sql"},
    // Raw points keyed by bucket, then host, then time: a report's points sit side by side
    // in its host's run of the bucket, so a report fills one page or two however many points
    // its series already hold in the bucket. Keyed by series within the bucket, its 30
    // points went to the ends of 30 series: 30 pages apart once each series held hundreds
    // of points (an agent reporting every second or ten; docs/health.md, "Storage").
    {5, R"sql(
CREATE TABLE raw_by_host (
  b INTEGER NOT NULL,
  host_id INTEGER NOT NULL,
  t INTEGER NOT NULL,
  series_id INTEGER NOT NULL,
  v REAL NOT NULL,
  PRIMARY KEY (b, host_id, t, series_id)
) WITHOUT ROWID;
INSERT INTO raw_by_host (b, host_id, t, series_id, v)
  SELECT r.b, s.host_id, r.t, r.series_id, r.v FROM raw r JOIN series s ON s.id = r.series_id
  ORDER BY 1, 2, 3, 4;
DROP TABLE raw;
ALTER TABLE raw_by_host RENAME TO raw;
)sql"},
};

constexpr std::size_t kMaxSamples = 5000;
// Values are stored in thousandths, rounded: whole numbers in REAL columns take SQLite's
// integer encoding on disk (1–6 bytes instead of 8), a third less storage per point.
// Agents send three decimals anyway; magnitudes up to 9e12 stay exact.
constexpr double kScale = 1000.0;
constexpr std::size_t kMaxName = 64;
constexpr std::size_t kMaxSubject = 256;
constexpr std::int64_t kMaxPoints = 2000;
// Message ids are remembered longer than the agent's outbox keeps a batch (7 days).
constexpr Time kIdMemory = 9 * 24 * 3600;
constexpr Time kFiveMinutes = 300;
// Pending buckets rolled up per transaction at most: the ingest waits for the store's
// lock meanwhile, so a fleet's worth (50,000 hosts) is done in short slices.
constexpr int kMaxRollUpSlice = 200;

// Recomputes, from raw, the 5-minute aggregates of the pending buckets selected by
// `where` (a condition on p), then the hourly aggregates of their hours from the 5-minute
// level. Idempotent: a bucket rolled up twice holds the same values. CROSS JOIN keeps the
// order pending → its host's points in the bucket (one key range). "+p.host_id": without
// it the planner carried the slice's range of hosts over to raw and walked every host of
// the range in the bucket for each pending row, instead of probing the row's own host.
const char* const kRollUpFive =
    "INSERT OR REPLACE INTO agg_5m (series_id, t, n, sum, min, max) "
    "SELECT r.series_id, p.t, COUNT(*), SUM(r.v), MIN(r.v), MAX(r.v) "
    "FROM rollup_pending p CROSS JOIN raw r ON r.b = p.t AND r.host_id = +p.host_id "
    "WHERE %s GROUP BY r.series_id, p.t";
const char* const kRollUpHour =
    "INSERT OR REPLACE INTO agg_1h (series_id, t, n, sum, min, max) "
    "SELECT a.series_id, h.t, SUM(a.n), SUM(a.sum), MIN(a.min), MAX(a.max) "
    "FROM (SELECT DISTINCT host_id, t - t % 3600 AS t FROM rollup_pending p WHERE %s) h "
    "JOIN series s ON s.host_id = h.host_id "
    "JOIN agg_5m a ON a.series_id = s.id AND a.t >= h.t AND a.t < h.t + 3600 "
    "GROUP BY a.series_id, h.t";

// The 5-minute buckets from that of `from` (an SQL parameter, "?1") up to the newest
// stored, never before the oldest stored: raw is read one (bucket, host) key range at a
// time, not scanned through every host's points. MIN(b) and MAX(b) stand alone in their
// subqueries: SQLite answers a bare MIN or MAX of an index's first column with one probe,
// but scans the table when it is wrapped (IFNULL).
std::string bucketsFrom(const std::string& from) {
  return "WITH RECURSIVE buckets (b) AS (SELECT MAX(" + from + " - " + from +
         " % 300, IFNULL((SELECT MIN(b) FROM raw), 0)) "
         "UNION ALL SELECT b + 300 FROM buckets WHERE b < IFNULL((SELECT MAX(b) FROM raw), 0)) ";
}

// `sql` with its %s replaced by `text` (a condition or a table name, never input).
std::string substituted(const char* sql, const std::string& text) {
  char out[1024];
  std::snprintf(out, sizeof out, sql, text.c_str());
  return out;
}

bool validName(const std::string& n) {
  if (n.empty() || n.size() > kMaxName) return false;
  for (char c : n) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) return false;
  }
  return true;
}

[[noreturn]] void bad(const std::string& why) {
  throw Error(ErrorKind::kBadRequest, "metrics payload: " + why);
}

}  // namespace

MetricsBatch parseMetricsPayload(const Json& payload, Time receivedAt) {
  if (!payload.is_object()) bad("not an object");
  auto at = payload.find("collected_at");
  if (at == payload.end() || !at->is_number_integer()) bad("collected_at missing");
  MetricsBatch batch;
  batch.collectedAt = std::min(at->get<Time>(), receivedAt);
  if (batch.collectedAt <= 0) bad("collected_at out of range");
  auto list = payload.find("metrics");
  if (list == payload.end() || !list->is_array()) bad("metrics is not an array");
  if (list->size() > kMaxSamples) bad("more than 5000 metrics in one batch");
  batch.samples.reserve(list->size());
  for (const Json& m : *list) {
    if (!m.is_object()) bad("a metric is not an object");
    auto name = m.find("name");
    auto value = m.find("value");
    if (name == m.end() || !name->is_string() || !validName(name->get<std::string>())) {
      bad("metric name missing or not [a-z0-9_.]{1,64}");
    }
    if (value == m.end() || !value->is_number() || !std::isfinite(value->get<double>())) {
      bad("metric " + name->get<std::string>() + " has no finite value");
    }
    Sample s{name->get<std::string>(), "", value->get<double>()};
    if (auto subject = m.find("subject"); subject != m.end()) {
      if (!subject->is_string() || subject->get<std::string>().size() > kMaxSubject) {
        bad("subject of " + s.name + " is not a string of at most 256 bytes");
      }
      s.subject = subject->get<std::string>();
    }
    batch.samples.push_back(std::move(s));
  }
  return batch;
}

MetricsStore::MetricsStore(sqlite::Database db, Retention retention)
    : db_(std::move(db)), retention_(retention) {
  // Hours are rolled up from the 5-minute level, buckets from raw points.
  if (retention.fiveMinutes < retention.raw || retention.hourly < retention.fiveMinutes) {
    throw Error(ErrorKind::kBadRequest, "metrics retention must grow from raw to hourly");
  }
  sqlite::migrate(db_, kMigrations);
}

MetricsStore::MetricsStore(const std::filesystem::path& file, Retention retention)
    : MetricsStore(sqlite::Database::open(file), retention) {
  checkpointer_ = std::make_unique<sqlite::BackgroundCheckpointer>(db_, file);
}

std::unique_ptr<MetricsStore> MetricsStore::inMemory(Retention retention) {
  return std::unique_ptr<MetricsStore>(new MetricsStore(sqlite::Database::openMemory(), retention));
}

Id MetricsStore::seriesId(Id hostId, Id tenantId, const std::string& name,
                          const std::string& subject) {
  auto key = std::make_tuple(hostId, name, subject);
  if (auto it = seriesIds_.find(key); it != seriesIds_.end()) return it->second;
  sqlite::Statement(db_,
                    "INSERT INTO series (host_id, tenant_id, name, subject) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (host_id, name, subject) DO NOTHING")
      .bind(1, hostId)
      .bind(2, tenantId)
      .bind(3, name)
      .bind(4, subject)
      .run();
  sqlite::Statement q(db_, "SELECT id FROM series WHERE host_id = ? AND name = ? AND subject = ?");
  q.bind(1, hostId).bind(2, name).bind(3, subject);
  if (!q.step()) throw Error(ErrorKind::kInternal, "metrics: series vanished");
  Id id = q.int64(0);
  seriesIds_[key] = id;
  return id;
}

bool MetricsStore::ingest(Id hostId, Id tenantId, const std::string& messageId,
                          const MetricsBatch& batch, Time receivedAt) {
  return ingestMany({{hostId, tenantId, &messageId, &batch}}, receivedAt).front();
}

// Group commit (sqlite::GroupCommit), as parc.db's: each commit waits for the disk
// (synchronous=FULL: agents are answered on it), so the report workers would otherwise
// queue one flush each behind the store's lock.
std::vector<bool> MetricsStore::ingestMany(const std::vector<Incoming>& batches, Time receivedAt) {
  Pending mine{&batches, receivedAt, {}, {}, false};
  group_.submit(std::span(&mine, 1),
                [this](const std::vector<Pending*>& taken) { commitGroup(taken); });
  if (mine.error) std::rethrow_exception(mine.error);
  return std::move(mine.stored);
}

void MetricsStore::commitGroup(const std::vector<Pending*>& group) {
  ++ingestsWaiting_;
  std::lock_guard lock(mutex_);
  --ingestsWaiting_;
  try {
    sqlite::Transaction tx(db_);
    sqlite::Statement seen(db_,
                           "INSERT INTO ingested (host_id, message_id, at) VALUES (?, ?, ?) "
                           "ON CONFLICT DO NOTHING");
    sqlite::Statement raw(
        db_, "INSERT OR REPLACE INTO raw (b, host_id, t, series_id, v) VALUES (?, ?, ?, ?, ?)");
    sqlite::Statement pending(db_,
                              "INSERT OR IGNORE INTO rollup_pending (host_id, t) VALUES (?, ?)");
    struct RawPoint {
      Time bucket;
      Id host;
      Time t;
      Id series;
      double value;
    };
    std::vector<RawPoint> points;
    for (Pending* caller : group) {
      const Time receivedAt = caller->receivedAt;
      auto& stored = caller->stored;
      stored.reserve(caller->batches->size());
      for (const auto& in : *caller->batches) {
        seen.bind(1, in.hostId).bind(2, *in.messageId).bind(3, receivedAt).run();
        seen.reset();
        stored.push_back(db_.changes() > 0);
        if (!stored.back()) continue;  // a resend: already stored
        Time t = in.batch->collectedAt;
        Time bucket = t - t % kFiveMinutes;
        // Kept raw, and rolled up later, only when retention cut nothing of its bucket yet
        // (a later cut rolls up first): a bucket is never recomputed from half its points.
        if (bucket < receivedAt - retention_.raw.count()) {
          foldLate(in, t);
          continue;
        }
        for (const auto& s : in.batch->samples) {
          points.push_back({bucket, in.hostId, t,
                            seriesId(in.hostId, in.tenantId, s.name, s.subject),
                            std::round(s.value * kScale)});
        }
        pending.bind(1, in.hostId).bind(2, bucket).run();
        pending.reset();
      }
    }
    // In key order: the group's points go into the B-tree in one pass from left to right
    // instead of jumping between the hosts' pages in the order the reports came (+6 % at
    // saturation, docs/benchmarks.md). Stable: of two points with one key, the later one
    // is kept, as when they were written in arrival order.
    std::stable_sort(points.begin(), points.end(), [](const RawPoint& a, const RawPoint& b) {
      return std::tie(a.bucket, a.host, a.t, a.series) < std::tie(b.bucket, b.host, b.t, b.series);
    });
    for (const auto& p : points) {
      raw.bind(1, p.bucket).bind(2, p.host).bind(3, p.t).bind(4, p.series).bind(5, p.value).run();
      raw.reset();
    }
    tx.commit();
  } catch (...) {
    // Series created in the rolled-back transaction do not exist: forget their ids.
    seriesIds_.clear();
    // Nothing of the group was written: every caller gets the error (their agents resend).
    for (Pending* caller : group) {
      caller->stored.clear();
      caller->error = std::current_exception();
    }
  }
}

std::optional<Time> MetricsStore::lastIngestedAt() {
  std::lock_guard lock(mutex_);
  sqlite::Statement q(db_, "SELECT MAX(at) FROM ingested");
  if (!q.step() || q.isNull(0)) return std::nullopt;
  return q.int64(0);
}

std::vector<bool> MetricsStore::holds(const std::vector<std::pair<Id, std::string>>& messages) {
  std::lock_guard lock(mutex_);
  sqlite::Statement q(db_, "SELECT 1 FROM ingested WHERE host_id = ? AND message_id = ?");
  std::vector<bool> held;
  held.reserve(messages.size());
  for (const auto& [hostId, messageId] : messages) {
    q.bind(1, hostId).bind(2, messageId);
    held.push_back(q.step());
    q.reset();
  }
  return held;
}

void MetricsStore::foldLate(const Incoming& in, Time t) {
  const char* fold =
      "INSERT INTO %s (series_id, t, n, sum, min, max) VALUES (?, ?, 1, ?, ?, ?) "
      "ON CONFLICT (series_id, t) DO UPDATE SET n = n + 1, sum = sum + excluded.sum, "
      "min = MIN(min, excluded.min), max = MAX(max, excluded.max)";
  sqlite::Statement five(db_, substituted(fold, "agg_5m"));
  sqlite::Statement hour(db_, substituted(fold, "agg_1h"));
  for (const auto& s : in.batch->samples) {
    Id id = seriesId(in.hostId, in.tenantId, s.name, s.subject);
    double v = std::round(s.value * kScale);
    five.bind(1, id).bind(2, t - t % kFiveMinutes).bind(3, v).bind(4, v).bind(5, v).run();
    five.reset();
    hour.bind(1, id).bind(2, t - t % 3600).bind(3, v).bind(4, v).bind(5, v).run();
    hour.reset();
  }
}

void MetricsStore::rollUpWhere(const std::string& where, const std::vector<std::int64_t>& args) {
  for (const char* sql : {kRollUpFive, kRollUpHour}) {
    sqlite::Statement q(db_, substituted(sql, where));
    for (std::size_t i = 0; i < args.size(); ++i) q.bind(int(i) + 1, args[i]);
    q.run();
  }
}

MetricsStore::RolledUp MetricsStore::rollUp(Time now) {
  // Buckets still open stay pending (they would be recomputed at every round); charts
  // roll up their host's open buckets when they ask (query()).
  RolledUp done;
  std::pair<Id, Time> after{-1, 0};  // open buckets stay behind: go on past the last slice
  for (;;) {
    if (done.transactions > 0) letWaitingIngestsPass();  // between two slices
    std::lock_guard lock(mutex_);
    auto started = std::chrono::steady_clock::now();
    sqlite::Transaction tx(db_);
    sqlite::Statement slice(db_,
                            "SELECT host_id, t FROM rollup_pending WHERE (host_id, t) > (?, ?) "
                            "AND t + 300 <= ? ORDER BY host_id, t LIMIT ?");
    slice.bind(1, after.first).bind(2, after.second).bind(3, now).bind(4, rollUpSlice_);
    std::vector<std::pair<Id, Time>> rows;
    while (slice.step()) rows.emplace_back(slice.int64(0), slice.int64(1));
    if (rows.empty()) return done;
    after = rows.back();
    // The slice is the key range [first, last] of (host_id, t) among closed buckets.
    std::string where =
        "(p.host_id, p.t) >= (?1, ?2) AND (p.host_id, p.t) <= (?3, ?4) AND p.t + 300 <= ?5";
    std::vector<std::int64_t> args{rows.front().first, rows.front().second, rows.back().first,
                                   rows.back().second, now};
    rollUpWhere(where, args);
    sqlite::Statement drop(db_, "DELETE FROM rollup_pending AS p WHERE " + where);
    for (std::size_t i = 0; i < args.size(); ++i) drop.bind(int(i) + 1, args[i]);
    drop.run();
    tx.commit();
    done.buckets += rows.size();
    ++done.transactions;
    resizeRollUpSlice(std::chrono::steady_clock::now() - started, rows.size());
  }
}

void MetricsStore::letWaitingIngestsPass() {
  // A mutex goes back to the thread that released it more often than not: an ingest would
  // sit out slice after slice. It goes first (for 10 ms at most: the roll-up goes on at
  // saturation too).
  for (int i = 0; i < 100 && ingestsWaiting_.load() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::microseconds(100));
}

void MetricsStore::resizeRollUpSlice(std::chrono::nanoseconds took, std::size_t buckets) {
  double fit = double(rollUpBudget_.count()) / double(std::max<std::int64_t>(took.count(), 1));
  double next;
  if (took > rollUpBudget_) {
    next = double(buckets) * fit;  // what would have fitted
  } else if (static_cast<int>(buckets) == rollUpSlice_) {
    next = rollUpSlice_ * std::min(fit, 2.0);  // full and quick: grow, twofold at most
  } else {
    return;  // a short last slice says nothing of larger ones
  }
  rollUpSlice_ = std::clamp(static_cast<int>(next), 1, kMaxRollUpSlice);
}

QueryResult MetricsStore::query(Id hostId, const std::string& name,
                                const std::optional<std::string>& subject, Time from, Time to,
                                std::int64_t step, Time now) {
  if (step < 60 || step > 86400) {
    throw Error(ErrorKind::kBadRequest, "step must be between 60 and 86400 seconds");
  }
  if (from >= to) throw Error(ErrorKind::kBadRequest, "from must be before to");
  if ((to - from) / step > kMaxPoints) {
    throw Error(ErrorKind::kBadRequest, "too many points: at most 2000 per series (raise step)");
  }
  QueryResult result;
  result.step = step;
  // The finest level that covers `from` and is not finer than needed.
  const char* table;
  if (step < 300 && from >= now - retention_.raw.count()) {
    table = "raw";
    result.resolution = "raw";
  } else if (step < 3600 && from >= now - retention_.fiveMinutes.count()) {
    table = "agg_5m";
    result.resolution = "5m";
  } else {
    table = "agg_1h";
    result.resolution = "1h";
  }
  bool raw = result.resolution == "raw";
  std::string cols = raw ? "COUNT(*), SUM(d.v), MIN(d.v), MAX(d.v)"
                         : "SUM(d.n), SUM(d.sum), MIN(d.min), MAX(d.max)";
  // Raw points are reached bucket by bucket from `from`'s (their key starts with the bucket,
  // then the host): the host's points of each bucket, those of other series passed over.
  std::string sql =
      (raw ? bucketsFrom("?4") : std::string()) + "SELECT s.subject, (d.t / ?1) * ?1 AS k, " +
      cols +
      (raw ? " FROM buckets c CROSS JOIN raw d ON d.b = c.b AND d.host_id = ?2 AND c.b < ?5 "
             "CROSS JOIN series s ON s.id = d.series_id"
           : std::string(" FROM series s JOIN ") + table + " d ON d.series_id = s.id") +
      " WHERE s.host_id = ?2 AND s.name = ?3 AND d.t >= ?4 AND d.t < ?5" +
      (subject ? " AND s.subject = ?6" : "") + " GROUP BY s.subject, k ORDER BY s.subject, k";
  std::lock_guard lock(mutex_);
  if (!raw) rollUpHost(hostId, now);
  sqlite::Statement q(db_, sql);
  q.bind(1, step).bind(2, hostId).bind(3, name).bind(4, from).bind(5, to);
  if (subject) q.bind(6, *subject);
  while (q.step()) {
    std::string subj = q.text(0);
    if (result.series.empty() || result.series.back().subject != subj) {
      result.series.push_back({subj, {}});
    }
    Point p;
    p.t = q.int64(1);
    p.count = q.int64(2);
    p.avg = p.count > 0 ? q.real(3) / double(p.count) / kScale : 0;
    p.min = q.real(4) / kScale;
    p.max = q.real(5) / kScale;
    result.series.back().points.push_back(p);
  }
  return result;
}

std::vector<std::pair<Time, double>> MetricsStore::recent(Id hostId, const std::string& name,
                                                          const std::string& subject, Time from) {
  return seriesPoints(bucketsFrom("?1") +
                          "SELECT d.t, d.v FROM buckets c CROSS JOIN raw d "
                          "ON d.b = c.b AND d.host_id = ?2 AND d.t >= ?1 "
                          "CROSS JOIN series s ON s.id = d.series_id "
                          "WHERE s.name = ?3 AND s.subject = ?4 ORDER BY d.t",
                      hostId, name, subject, from);
}

std::vector<std::pair<Time, double>> MetricsStore::fiveMinuteMeans(Id hostId,
                                                                   const std::string& name,
                                                                   const std::string& subject,
                                                                   Time from) {
  return seriesPoints(
      "SELECT a.t, a.sum / a.n FROM series s JOIN agg_5m a ON a.series_id = s.id "
      "WHERE s.host_id = ?2 AND s.name = ?3 AND s.subject = ?4 AND a.t >= ?1 ORDER BY a.t",
      hostId, name, subject, from);
}

std::vector<std::pair<Time, double>> MetricsStore::seriesPoints(const std::string& sql, Id hostId,
                                                                const std::string& name,
                                                                const std::string& subject,
                                                                Time from) {
  std::lock_guard lock(mutex_);
  sqlite::Statement q(db_, sql);
  q.bind(1, from).bind(2, hostId).bind(3, name).bind(4, subject);
  std::vector<std::pair<Time, double>> out;
  while (q.step()) out.emplace_back(q.int64(0), q.real(1) / kScale);
  return out;
}

std::vector<LatestValue> MetricsStore::latest(const std::optional<std::string>& name, Time since) {
  std::lock_guard lock(mutex_);
  // A key range per host and bucket since `since` (a few buckets: "current" values): the
  // host's points from `since` on; the row of MAX(d.t) gives d.v (SQLite's bare column of
  // a MAX aggregate). The hosts come from the series' indexes (by name when one is asked).
  std::string hosts = name ? "SELECT DISTINCT host_id FROM series WHERE name = ?2"
                           : "SELECT DISTINCT host_id FROM series";
  std::string sql = bucketsFrom("?1") +
                    "SELECT s.host_id, s.tenant_id, s.name, s.subject, MAX(d.t), d.v FROM (" +
                    hosts +
                    ") h CROSS JOIN buckets c CROSS JOIN raw d "
                    "ON d.b = c.b AND d.host_id = h.host_id AND d.t >= ?1 "
                    "CROSS JOIN series s ON s.id = d.series_id";
  if (name) sql += " WHERE s.name = ?2";
  // Grouped by the series' key (not its id) so that a name is found through its index.
  sql += " GROUP BY s.name, s.host_id, s.subject ORDER BY s.name, s.host_id, s.subject";
  sqlite::Statement q(db_, sql);
  q.bind(1, since);
  if (name) q.bind(2, *name);
  std::vector<LatestValue> out;
  while (q.step()) {
    out.push_back({q.int64(0), q.int64(1), q.text(2), q.text(3), q.int64(4), q.real(5) / kScale});
  }
  return out;
}

void MetricsStore::rollUpHost(Id hostId, Time now) {
  sqlite::Transaction tx(db_);
  rollUpWhere("p.host_id = ?1", {hostId});
  sqlite::Statement(db_, "DELETE FROM rollup_pending WHERE host_id = ? AND t + 300 <= ?")
      .bind(1, hostId)
      .bind(2, now)
      .run();
  tx.commit();
}

void MetricsStore::applyRetention(Time now) {
  rollUp(now);
  std::lock_guard lock(mutex_);
  sqlite::Transaction tx(db_);
  // Whatever the cut reaches must be in the aggregates before its raw points go.
  Time cut = now - retention_.raw.count();
  rollUpWhere("p.t < ?1 + 300", {cut});
  sqlite::Statement(db_, "DELETE FROM rollup_pending WHERE t < ? + 300").bind(1, cut).run();
  sqlite::Statement(db_, "DELETE FROM raw WHERE b <= ?1 AND t < ?1").bind(1, cut).run();
  sqlite::Statement(db_, "DELETE FROM agg_5m WHERE t < ?")
      .bind(1, now - retention_.fiveMinutes.count())
      .run();
  sqlite::Statement(db_, "DELETE FROM agg_1h WHERE t < ?")
      .bind(1, now - retention_.hourly.count())
      .run();
  sqlite::Statement(db_, "DELETE FROM ingested WHERE at < ?").bind(1, now - kIdMemory).run();
  tx.commit();
}

std::int64_t MetricsStore::sizeBytes() {
  std::lock_guard lock(mutex_);
  sqlite::Statement pages(db_, "PRAGMA page_count");
  sqlite::Statement freel(db_, "PRAGMA freelist_count");
  sqlite::Statement size(db_, "PRAGMA page_size");
  pages.step();
  freel.step();
  size.step();
  return (pages.int64(0) - freel.int64(0)) * size.int64(0);
}

std::int64_t MetricsStore::pointCount(const std::string& level) {
  std::string table = level == "raw"  ? "raw"
                      : level == "5m" ? "agg_5m"
                      : level == "1h" ? "agg_1h"
                                      : "rollup_pending";
  std::lock_guard lock(mutex_);
  sqlite::Statement q(db_, "SELECT COUNT(*) FROM " + table);
  q.step();
  return q.int64(0);
}

}  // namespace parc::server::health
