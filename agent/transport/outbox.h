#pragma once
// The agent's outbox: every outgoing message is written here first (SQLite, WAL,
// synchronous=FULL) and deleted only once the server has acknowledged its id. It holds
// a week of metrics at default rates; past its bounds it thins metrics before it ever
// drops an event, and counts what it evicted (docs/protocol.md, "Outbox").
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/json/json.h"
#include "common/sqlite/database.h"

namespace parc::agent::transport {

struct OutboxMessage {
  std::int64_t seq = 0;
  std::string id;
  std::string type;
  std::int64_t createdAt = 0;
  std::string payload;  // JSON text
};

struct OutboxLimits {
  /// Messages kept per type. Metrics: one batch a minute for 7 days.
  std::map<std::string, std::int64_t> maxPerType = {
      {"metrics", 7 * 24 * 60}, {"event", 50000}, {"action_result", 10000}, {"inventory", 4}};
  /// All payloads together.
  std::int64_t maxTotalBytes = 256LL * 1024 * 1024;
};

class Outbox {
 public:
  explicit Outbox(const std::filesystem::path& file, OutboxLimits limits = {});

  /// Writes a message durably and returns its id. An inventory supersedes unsent ones
  /// (only the newest state matters); other types are bounded as documented.
  std::string enqueue(const std::string& type, const Json& payload, std::int64_t createdAt);
  /// Several messages of one type in one transaction (one fsync).
  std::vector<std::string> enqueueMany(const std::string& type, const std::vector<Json>& payloads,
                                       std::int64_t createdAt);

  /// The oldest messages, in order, up to a count and a total payload size (at least one).
  std::vector<OutboxMessage> peek(std::size_t maxMessages, std::size_t maxBytes);
  /// Deletes acknowledged (or rejected) messages.
  void remove(const std::vector<std::string>& ids);

  std::int64_t count();
  /// Frees the connection's cached pages (an inventory's fill a few hundred KiB) once
  /// delivered: the agent idles until its next round.
  void releaseMemory();
  std::int64_t count(const std::string& type);
  /// Evicted messages per type not yet reported to the server.
  std::map<std::string, std::int64_t> evicted();
  /// Subtracts what the server has now been told about.
  void evictionReported(const std::map<std::string, std::int64_t>& reported);

 private:
  void enforceBounds(const std::string& type);
  std::int64_t totalBytes();
  std::string insert(const std::string& type, const Json& payload, std::int64_t createdAt);
  // Payload bytes held; recomputed (one SUM) only after deletions.
  std::int64_t bytes_ = -1;
  void countEviction(const std::string& type, std::int64_t n);
  std::int64_t thinMetrics();
  std::int64_t dropOldest(const std::string& type, std::int64_t n);

  std::mutex mutex_;
  sqlite::Database db_;
  OutboxLimits limits_;
};

}  // namespace parc::agent::transport
