#include "agent/service/clone_guard.h"

#include <spdlog/spdlog.h>

#include <ctime>

#include "agent/service/system_root.h"
#include "common/error.h"
#include "common/files/files.h"

namespace parc::agent::service {

using protocol::HardwareFingerprint;

CloneGuard::CloneGuard(const std::filesystem::path& dataDir,
                       const std::filesystem::path& systemRoot)
    : file_(dataDir / "hardware.json") {
  if (auto text = files::tryRead(file_)) {
    try {
      Json j = parseJson(*text);
      auto fp = HardwareFingerprint::fromJson(j.value("recorded", Json::object()));
      if (fp.comparable()) recorded_ = fp;
      fullDue_ = j.value("full_inventory_due", false);
    } catch (const Error& e) {
      // Left as is: a copy must not pass for the original by damaging this file.
      spdlog::warn("{} unreadable ({}): hardware not compared until it is replaced", file_.string(),
                   e.what());
      logged_ = true;
      return;
    }
  }
  check(systemSection(systemContext(systemRoot)));
}

Json CloneGuard::check(const Json& system) {
  HardwareFingerprint current = HardwareFingerprint::fromSystem(system);
  std::lock_guard lock(mutex_);
  if (!current.comparable()) return Json();  // not readable (the agent is not root)
  current_ = current;
  if (!recorded_) {
    if (files::tryRead(file_)) return Json();  // damaged: see the constructor
    recorded_ = current;
    save();
    spdlog::info("hardware recorded for this installation: {}", current.toJson().dump());
    return Json();
  }
  auto differences = protocol::hardwareDifferences(*recorded_, current);
  suspected_ = !differences.empty();
  if (!suspected_) {
    if (protocol::completeFingerprint(*recorded_, current)) save();
    return Json();
  }
  if (!logged_) {
    logged_ = true;
    std::string what;
    for (const auto& d : differences) {
      what += (what.empty() ? "" : ", ") + d.field + " " + d.recorded + " -> " + d.current;
    }
    spdlog::warn(
        "this machine is not the one this agent was enrolled on ({}): a copied installation "
        "(cloned disk image) or a replaced motherboard. Inventories are flagged and kept aside "
        "by the server until a technician accepts this hardware or re-enrols this PC / "
        "matériel différent de celui de l'enrôlement : clone ou carte mère remplacée",
        what);
  }
  return Json{{"recorded", recorded_->toJson()}, {"current", current.toJson()}};
}

void CloneGuard::annotate(Json& payload, const Json& inventory) {
  auto system = inventory.find("system");
  if (system == inventory.end() || !system->is_object()) return;
  if (Json flag = check(*system); !flag.is_null()) payload["clone_suspected"] = std::move(flag);
}

bool CloneGuard::configured(const Json& settings) {
  auto accepted = settings.find("accepted_hardware");
  if (accepted == settings.end() || !accepted->is_object()) return false;
  auto fp = HardwareFingerprint::fromJson(*accepted);
  std::lock_guard lock(mutex_);
  // The original PC hears the same settings when a copy's hardware was accepted: only
  // the machine whose hardware it is records it.
  if (!current_ || !fp.comparable() || !protocol::hardwareDifferences(fp, *current_).empty() ||
      (recorded_ && *recorded_ == *current_))
    return false;
  recorded_ = *current_;
  suspected_ = false;
  logged_ = false;
  fullDue_ = true;
  save();
  spdlog::info("the server accepted this machine's hardware: recorded as this installation's");
  return true;
}

bool CloneGuard::takeFullInventoryDue() {
  std::lock_guard lock(mutex_);
  if (!fullDue_) return false;
  fullDue_ = false;
  save();
  return true;
}

bool CloneGuard::suspected() const {
  std::lock_guard lock(mutex_);
  return suspected_;
}

void CloneGuard::save() const {
  Json j{{"recorded", recorded_ ? recorded_->toJson() : Json()},
         {"recorded_at", static_cast<std::int64_t>(std::time(nullptr))},
         {"full_inventory_due", fullDue_}};
  files::writeAtomic(file_, j.dump() + "\n", 0600);
}

}  // namespace parc::agent::service
