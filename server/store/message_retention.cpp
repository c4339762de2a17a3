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
  if (settings_.metricsCopyDays <= 0 && settings_.logDays <= 0 && settings_.idDays <= 0) return;
  thread_ = std::make_unique<PeriodicThread>(
      "message-purge", std::chrono::hours(1), [this](const auto& keepGoing) {
        try {
          purgeOnce(static_cast<Time>(std::time(nullptr)), keepGoing);
        } catch (const std::exception& e) {
          spdlog::error("message retention failed (tried again in an hour): {}", e.what());
        }
      });
}

Store::MessagePurge MessageRetention::purgeOnce(Time now, const std::function<bool()>& keepGoing) {
  auto purged = store_.purgeMessages(messageCutoffs(settings_, now), keepGoing);
  if (purged.metricsCopies + purged.otherMessages + purged.receivedIds > 0) {
    spdlog::info(
        "message retention: {} metrics batch(es), {} other message(s) and {} remembered id(s) "
        "removed",
        purged.metricsCopies, purged.otherMessages, purged.receivedIds);
  }
  return purged;
}

}  // namespace parc::server::store
