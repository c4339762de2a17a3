#include "server/store/message_retention.h"

#include <spdlog/spdlog.h>

#include <ctime>

namespace parc::server::store {

namespace {
// 0 days: nothing is ever before the cutoff.
Time cutoff(Time now, std::int64_t days) {
  return days > 0 ? now - days * 86400 : 0;
}
}  // namespace

Store::MessageCutoffs messageCutoffs(const MessageRetentionSettings& settings, Time now) {
  return {cutoff(now, settings.metricsCopyDays), cutoff(now, settings.logDays),
          cutoff(now, settings.idDays)};
}

MessageRetention::MessageRetention(Store& store, MessageRetentionSettings settings)
    : store_(store), settings_(settings) {
  if (settings_.metricsCopyDays > 0 || settings_.logDays > 0 || settings_.idDays > 0)
    thread_ = std::thread([this] { run(); });
}

MessageRetention::~MessageRetention() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool MessageRetention::stopping() {
  std::lock_guard lock(mutex_);
  return stopping_;
}

Store::MessagePurge MessageRetention::purgeOnce(Time now) {
  auto purged =
      store_.purgeMessages(messageCutoffs(settings_, now), [this] { return !stopping(); });
  if (purged.metricsCopies + purged.otherMessages + purged.receivedIds > 0) {
    spdlog::info(
        "message retention: {} metrics batch(es), {} other message(s) and {} remembered id(s) "
        "removed",
        purged.metricsCopies, purged.otherMessages, purged.receivedIds);
  }
  return purged;
}

void MessageRetention::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      purgeOnce(static_cast<Time>(std::time(nullptr)));
    } catch (const std::exception& e) {
      spdlog::error("message retention failed (tried again in an hour): {}", e.what());
    }
    lock.lock();
    wake_.wait_for(lock, std::chrono::hours(1), [this] { return stopping_; });
  }
}

}  // namespace parc::server::store
