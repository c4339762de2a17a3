#pragma once
// The fleet's time series, in their own SQLite file (<data>/metrics.sqlite) so that
// metrics never contend with the main store's writes (docs/health.md, "Storage").
// Every point is kept raw for a while; its 5-minute bucket is marked pending and rolled up
// from raw into 5-minute and hourly aggregates (count, sum, min, max) once closed, by
// rollUp() each health round (a chart rolls up its host's open buckets when it asks).
// Each level has its own retention. Points older than the raw retention (an agent back
// from a long offline spell) are folded into the aggregates directly.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "common/json/json.h"
#include "common/sqlite/background_checkpointer.h"
#include "common/sqlite/database.h"
#include "common/sqlite/group_commit.h"

namespace parc::server::health {

using Id = std::int64_t;
using Time = std::int64_t;

struct Sample {
  std::string name;
  std::string subject;
  double value = 0;
};

/// A validated metrics batch (the agent's "metrics" payload).
struct MetricsBatch {
  Time collectedAt = 0;
  std::vector<Sample> samples;
};

/// Checks and reads an agent's metrics payload; kBadRequest with the reason when it is
/// malformed (nothing is stored then). A collection time in the future is clamped to
/// `receivedAt` (an agent's clock may run ahead).
MetricsBatch parseMetricsPayload(const Json& payload, Time receivedAt);

struct Retention {
  std::chrono::seconds raw = std::chrono::hours(48);
  std::chrono::seconds fiveMinutes = std::chrono::hours(24 * 10);
  std::chrono::seconds hourly = std::chrono::hours(24 * 400);
};

/// One point of a chart: the values of a bucket [t, t + step).
struct Point {
  Time t = 0;
  double avg = 0, min = 0, max = 0;
  std::int64_t count = 0;
};

struct SeriesPoints {
  std::string subject;
  std::vector<Point> points;
};

struct QueryResult {
  std::string resolution;  // "raw", "5m" or "1h": the table the points came from
  std::int64_t step = 0;
  std::vector<SeriesPoints> series;
};

/// The newest point of one series.
struct LatestValue {
  Id hostId = 0;
  Id tenantId = 0;
  std::string name;
  std::string subject;
  Time t = 0;
  double value = 0;
};

class MetricsStore {
 public:
  /// Opens or creates the file (WAL; synchronous=FULL: what a commit returned from
  /// survives a power cut, for the agents' metrics are acknowledged on it alone) and
  /// migrates it. Its checkpoints run on a thread of their own (BackgroundCheckpointer).
  explicit MetricsStore(const std::filesystem::path& file, Retention retention = {});
  /// An in-memory store, for tests and benchmarks.
  static std::unique_ptr<MetricsStore> inMemory(Retention retention = {});

  /// Stores a batch in one transaction; false (nothing changed) when this message id of
  /// this host was stored before: a resent batch is harmless.
  bool ingest(Id hostId, Id tenantId, const std::string& messageId, const MetricsBatch& batch,
              Time receivedAt);

  /// One batch of ingestMany.
  struct Incoming {
    Id hostId = 0;
    Id tenantId = 0;
    const std::string* messageId = nullptr;
    const MetricsBatch* batch = nullptr;
  };
  /// Stores several batches (of several hosts) in one transaction: a transaction per batch
  /// rewrote the same index pages once per report. Returns, in order, false for resends.
  /// Callers on other threads meanwhile share one transaction (group commit).
  std::vector<bool> ingestMany(const std::vector<Incoming>& batches, Time receivedAt);

  /// When the newest batch held was received (nullopt when none is): after a power cut,
  /// what this file lost is what came after it (docs/health.md, "Storage").
  std::optional<Time> lastIngestedAt();
  /// For each (host, message id), whether its batch is held.
  std::vector<bool> holds(const std::vector<std::pair<Id, std::string>>& messages);

  /// The points of one metric of a host in [from, to), in buckets of `step` seconds
  /// (60–86400), from the finest level that still covers `from`; `subject` narrows to
  /// one series. kBadRequest for a bad range or more than 2000 points per series.
  QueryResult query(Id hostId, const std::string& name, const std::optional<std::string>& subject,
                    Time from, Time to, std::int64_t step, Time now);

  /// Raw points of one series since `from`, oldest first.
  std::vector<std::pair<Time, double>> recent(Id hostId, const std::string& name,
                                              const std::string& subject, Time from);

  /// 5-minute means of one series since `from`, oldest first, from the rolled-up level
  /// (the open bucket is not there yet): a day's trend in 288 points instead of 1,440 raw
  /// ones, read in key order (the disk-full prediction, every round, for every disk).
  std::vector<std::pair<Time, double>> fiveMinuteMeans(Id hostId, const std::string& name,
                                                       const std::string& subject, Time from);

  /// The newest raw point of every series (of metric `name`, or of all) seen since
  /// `since`, ordered by name, host and subject: the fleet's current values.
  std::vector<LatestValue> latest(const std::optional<std::string>& name, Time since);

  struct RolledUp {
    std::size_t buckets = 0;
    std::size_t transactions = 0;
  };
  /// Rolls the closed pending buckets up into the 5-minute and hourly levels, a slice of
  /// them per transaction. Run each health round.
  RolledUp rollUp(Time now);
  /// How long one roll-up transaction should hold the store's lock, which the ingest
  /// waits for: slices shrink to fit it at once and grow back twofold at a time.
  void setRollUpBudget(std::chrono::nanoseconds budget) { rollUpBudget_ = budget; }

  /// Rolls up what is pending, deletes what is past each level's retention and forgets
  /// old message ids.
  void applyRetention(Time now);

  /// Bytes used by the database file (pages in use).
  std::int64_t sizeBytes();
  /// Rows of a level: "raw", "5m", "1h", or "pending" (buckets not rolled up yet).
  std::int64_t pointCount(const std::string& level);

 private:
  MetricsStore(sqlite::Database db, Retention retention);
  // One caller of ingestMany waiting for its group's commit.
  struct Pending {
    const std::vector<Incoming>* batches;
    Time receivedAt;
    std::vector<bool> stored;
    std::exception_ptr error;  // the group's transaction failed: nothing stored
    bool done;
  };
  void commitGroup(const std::vector<Pending*>& group);
  Id seriesId(Id hostId, Id tenantId, const std::string& name, const std::string& subject);
  void foldLate(const Incoming& in, Time t);
  void rollUpWhere(const std::string& where, const std::vector<std::int64_t>& args);
  void rollUpHost(Id hostId, Time now);
  void resizeRollUpSlice(std::chrono::nanoseconds took, std::size_t buckets);
  void letWaitingIngestsPass();
  /// (t, value) rows of `sql`, bound as ?1 from, ?2 host, ?3 name, ?4 subject.
  std::vector<std::pair<Time, double>> seriesPoints(const std::string& sql, Id hostId,
                                                    const std::string& name,
                                                    const std::string& subject, Time from);

  sqlite::GroupCommit<Pending> group_;

  std::mutex mutex_;
  sqlite::Database db_;
  // A file's checkpoints, off the ingest's path (after db_: it goes first).
  std::unique_ptr<sqlite::BackgroundCheckpointer> checkpointer_;
  Retention retention_;
  std::map<std::tuple<Id, std::string, std::string>, Id> seriesIds_;
  // A bucket holds 5 points per series from an agent reporting every minute, 300 from
  // one reporting every second: the slice follows the time its transactions take.
  std::chrono::nanoseconds rollUpBudget_ = std::chrono::milliseconds(10);
  int rollUpSlice_ = 1;
  std::atomic<int> ingestsWaiting_{0};  // for the store's lock, which slices let go to them
};

}  // namespace parc::server::health
