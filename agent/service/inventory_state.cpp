#include "agent/service/inventory_state.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/error.h"
#include "common/files/files.h"

namespace parc::agent::service {

namespace {

// A full inventory also refreshes what deltas leave out (readings of unchanged sections,
// processes), so one goes out at least daily even when runs are rare.
constexpr std::int64_t kFullAtLeastEverySeconds = 24 * 3600;

bool contains(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

InventoryState::InventoryState(std::filesystem::path file, std::int64_t hostId, std::string server)
    : file_(std::move(file)), hostId_(hostId), server_(std::move(server)) {
  auto text = files::tryRead(file_);
  if (!text) return;
  try {
    Json j = parseJson(*text);
    // Another enrolment's state says nothing of what this host's server holds.
    if (j.value("host_id", std::int64_t{0}) != hostId_ || j.value("server", "") != server_) return;
    acknowledged_ = j.value("acknowledged", Json());
    pending_ = j.value("pending", Json());
    runsSinceFull_ = j.value("runs_since_full", 0);
    lastFullAt_ = j.value("last_full_at", std::int64_t{0});
  } catch (const std::exception& e) {
    // Starting over costs one full inventory; refusing to start would cost the service.
    spdlog::warn("ignoring {}: {} (the next inventory is full)", file_.string(), e.what());
    acknowledged_ = Json();
    pending_ = Json();
  }
}

InventoryBase InventoryState::next(int every, std::int64_t now) const {
  std::lock_guard lock(mutex_);
  InventoryBase base;
  bool known = acknowledged_.is_object() && acknowledged_.value("hash", "") != "";
  // A full one superseded in the outbox before it was stored must still reach the server.
  bool fullPending = pending_.is_object() && pending_.value("full", false);
  base.full = !known || fullPending || runsSinceFull_ + 1 >= every ||
              now - lastFullAt_ >= kFullAtLeastEverySeconds;
  if (known) {
    base.hash = acknowledged_["hash"].get<std::string>();
    base.sections = acknowledged_.value("sections", Json::object());
  }
  return base;
}

void InventoryState::recordRun(const std::function<std::string()>& enqueue, const std::string& hash,
                               const Json& sections, bool full, std::int64_t now) {
  std::lock_guard lock(mutex_);
  std::string id = enqueue();
  if (!id.empty()) {
    pending_ = Json{{"id", id}, {"hash", hash}, {"sections", sections}, {"full", full}};
  }
  if (!id.empty() && full) {
    runsSinceFull_ = 0;
    lastFullAt_ = now;
  } else {
    ++runsSinceFull_;
  }
  save();
}

bool InventoryState::delivered(const std::vector<std::string>& done,
                               const std::vector<std::pair<std::string, std::string>>& rejected) {
  std::lock_guard lock(mutex_);
  if (!pending_.is_object()) return false;
  std::string id = pending_.value("id", "");
  bool wasDelta = !pending_.value("full", true);
  auto refused =
      std::find_if(rejected.begin(), rejected.end(), [&](const auto& r) { return r.first == id; });
  if (refused != rejected.end()) {
    spdlog::warn("inventory {} refused by the server ({}): the next one is full", id,
                 refused->second);
    acknowledged_ = Json();
    pending_ = Json();
    save();
    return wasDelta;
  }
  if (!contains(done, id)) return false;
  acknowledged_ = Json{{"hash", pending_["hash"]}, {"sections", pending_["sections"]}};
  pending_ = Json();
  save();
  return false;
}

void InventoryState::save() const {
  Json j{{"host_id", hostId_},
         {"server", server_},
         {"acknowledged", acknowledged_},
         {"pending", pending_},
         {"runs_since_full", runsSinceFull_},
         {"last_full_at", lastFullAt_}};
  files::writeAtomic(file_, j.dump() + "\n", 0600);
}

}  // namespace parc::agent::service
