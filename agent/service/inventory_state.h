#pragma once
// What the agent knows of the server's view of its inventory, so that it can send only
// the sections that changed (docs/protocol.md, "Inventory deltas"). Kept in
// <data>/inventory-state.json: a restart goes on sending deltas, a new enrolment starts
// with a full inventory. Thread-safe: the inventory loop queues, the sender acknowledges.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/json/json.h"

namespace parc::agent::service {

/// What the next inventory is computed against.
struct InventoryBase {
  bool full = true;                // send the whole inventory
  std::string hash;                // for a delta: the agent hash of the view the server holds
  Json sections = Json::object();  // and its section hashes (collectors::sectionHashes)
};

class InventoryState {
 public:
  /// Loads the state of `file` when it belongs to this enrolment (host id and server),
  /// else starts empty (the first inventory is then full).
  InventoryState(std::filesystem::path file, std::int64_t hostId, std::string server);

  /// Full when nothing is acknowledged (first run, new enrolment, a rejected delta), when
  /// `every` runs have passed since the last full one, or a day.
  InventoryBase next(int every, std::int64_t now) const;

  /// Records one run. `enqueue` writes the message to the outbox and returns its id, or
  /// "" when nothing was queued; it runs under the state's lock, so that an
  /// acknowledgement cannot arrive before the message is known as pending.
  void recordRun(const std::function<std::string()>& enqueue, const std::string& hash,
                 const Json& sections, bool full, std::int64_t now);

  /// The sender's outcome for a batch. The pending inventory stored → it becomes the
  /// acknowledged view; rejected → nothing is acknowledged any more. Returns true when a
  /// rejected delta calls for a full inventory right away.
  bool delivered(const std::vector<std::string>& done,
                 const std::vector<std::pair<std::string, std::string>>& rejected);

 private:
  void save() const;

  mutable std::mutex mutex_;
  std::filesystem::path file_;
  std::int64_t hostId_;
  std::string server_;
  Json acknowledged_;  // {"hash", "sections"} of the last inventory stored by the server
  Json pending_;       // {"id", "hash", "sections", "full"} of the queued one
  int runsSinceFull_ = 0;
  std::int64_t lastFullAt_ = 0;
};

}  // namespace parc::agent::service
