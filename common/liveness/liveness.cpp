#include "common/liveness/liveness.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace parc {

Liveness::Watch::Watch(Watch&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), id_(other.id_) {}

Liveness::Watch& Liveness::Watch::operator=(Watch&& other) noexcept {
  if (this != &other) {
    Watch old(std::move(*this));
    owner_ = std::exchange(other.owner_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

Liveness::Watch::~Watch() {
  if (!owner_) return;
  std::lock_guard lock(owner_->mutex_);
  owner_->parts_.erase(id_);
}

Liveness::Watch Liveness::watch(std::string name, Overdue overdue) {
  std::lock_guard lock(mutex_);
  int id = nextId_++;
  parts_.emplace(id, Part{std::move(name), std::move(overdue)});
  return Watch(this, id);
}

bool Liveness::healthy() const {
  std::lock_guard lock(mutex_);
  bool ok = true;
  for (const auto& [id, part] : parts_) {
    auto late = part.overdue();
    if (late <= Clock::duration::zero()) continue;
    ok = false;
    spdlog::error("{} is {} ms overdue: withholding the watchdog keep-alive", part.name,
                  std::chrono::duration_cast<std::chrono::milliseconds>(late).count());
  }
  return ok;
}

Liveness& Liveness::process() {
  static Liveness instance;
  return instance;
}

Heartbeat::Heartbeat(Liveness& liveness, std::string name, Liveness::Clock::duration work)
    : work_(work),
      due_((Liveness::Clock::now() + work).time_since_epoch().count()),
      watch_(liveness.watch(std::move(name), [this] {
        return Liveness::Clock::now() -
               Liveness::Clock::time_point(Liveness::Clock::duration(due_.load()));
      })) {}

}  // namespace parc
