#pragma once
// Outbox batches that agents send over their open control channel ("report", docs/
// protocol.md): stored on a pool of threads of their own, so a commit's fsync never
// stalls the network threads, and answered ("report_ack") once durable. Many workers
// waiting on the store's group commit is what makes one fsync cover many reports.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "server/control/control_hub.h"

namespace parc::server::control {

class ReportWorkers : public ReportSink {
 public:
  /// Stores one batch for `host` and returns its per-message results; throws
  /// parc::Error when the whole batch is refused.
  using Ingest = std::function<Json(const store::Host& host, const Json& batch,
                                    const std::string& source)>;

  ReportWorkers(store::Store& store, Ingest ingest, std::size_t threads, std::size_t maxQueued);
  ~ReportWorkers() override;
  /// Stops taking reports (later ones get 503) and joins the workers once the batches
  /// they hold are answered. Call it while the network still runs: answers go out on
  /// its connections. Queued reports are dropped unanswered (agents resend them).
  void stop();
  ReportWorkers(const ReportWorkers&) = delete;
  ReportWorkers& operator=(const ReportWorkers&) = delete;

  /// Queues the batch; `answer` runs on a worker once it is stored or refused, or at
  /// once with 503 when the queue is full (the agent backs off and resends).
  void report(store::Id hostId, const std::string& source, protocol::Report report,
              Answer answer) override;

 private:
  struct Job {
    store::Id hostId;
    std::string source;
    protocol::Report report;
    Answer answer;
  };
  void work();
  protocol::ReportAck handle(const Job& job);
  /// The host's row, re-read at most every few seconds (a lookup per batch would queue
  /// every worker behind the commit in progress).
  std::optional<store::Host> host(store::Id hostId);

  store::Store& store_;
  Ingest ingest_;
  std::size_t maxQueued_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::mutex hostsMutex_;
  std::unordered_map<store::Id, std::pair<store::Host, std::chrono::steady_clock::time_point>>
      hosts_;
};

}  // namespace parc::server::control
