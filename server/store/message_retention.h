#pragma once
// Applies the retention of what agents sent (parc.db's agent_messages and
// received_messages): at start, then every hour, in short slices (docs/protocol.md,
// "Retention of received messages").
#include <cstdint>
#include <memory>

#include "common/thread/periodic_thread.h"
#include "server/store/store.h"

namespace parc::server::store {

/// `[messages]` in the server's configuration; 0 days keeps that kind forever.
struct MessageRetentionSettings {
  /// Metrics batches as received: their series are in metrics.sqlite, this copy is for
  /// looking at what a PC sent lately.
  std::int64_t metricsCopyDays = 1;
  /// Events and action results as received.
  std::int64_t logDays = 365;
  /// Ids of stored messages, so that a resend is answered "duplicate": as long as the
  /// metrics store remembers its batches' ids, past the agent's 7-day outbox bound.
  std::int64_t idDays = 9;
};

/// The settings' days as cutoffs at `now` (0 days: 0, before which nothing is).
Store::MessageCutoffs messageCutoffs(const MessageRetentionSettings& settings, Time now);

class MessageRetention {
 public:
  /// Starts the hourly thread unless every setting is 0.
  MessageRetention(Store& store, MessageRetentionSettings settings);

  /// One pass now (what the thread runs, ending early once the server stops).
  Store::MessagePurge purgeOnce(
      Time now, const std::function<bool()>& keepGoing = [] { return true; });

 private:
  Store& store_;
  MessageRetentionSettings settings_;
  std::unique_ptr<PeriodicThread> thread_;  // last: stopped before the members it uses
};

}  // namespace parc::server::store
