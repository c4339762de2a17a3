#pragma once
// Outbox batches that agents send over their open control channel ("report", docs/
// protocol.md): stored on a few threads of their own, so a commit's fsync never stalls
// the network threads, and answered ("report_ack") once durable. Each worker takes what
// is queued (up to a bound) and stores it in one transaction: one fsync and one pass
// over the index pages for many reports.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "server/api/agent_routes.h"
#include "server/control/control_hub.h"
#include "server/control/report_latency.h"
#include "server/control/report_turns.h"

namespace parc::server::control {

class ReportWorkers : public ReportSink {
 public:
  /// Stores the batches of several hosts (one transaction) and fills in each outcome
  /// (api::ingestBatches).
  using Ingest = std::function<api::IngestTimings(std::vector<api::IngestReport>& reports)>;

  /// `maxQueued` and `maxQueuedBytes`: how many reports, and how many bytes of them as they
  /// arrived, may be queued or in the workers' hands; past either, 503. A report alone
  /// is always taken, whatever its size (the channel bounds a message at 1 MiB).
  /// `group`: the most reports one worker stores in one transaction. `gather`: how long a
  /// worker lets a report wait for others to share its commit (a commit's cost is mostly
  /// the pages every commit rewrites, whatever it holds: docs/protocol.md).
  ReportWorkers(store::Store& store, Ingest ingest, std::size_t threads, std::size_t maxQueued,
                std::size_t maxQueuedBytes, std::size_t group = 256,
                std::chrono::milliseconds gather = std::chrono::milliseconds(5));
  ~ReportWorkers() override;
  /// Stops taking reports (later ones get 503) and joins the workers once the batches
  /// they hold are answered. Call it while the network still runs: answers go out on
  /// its connections. Queued reports are dropped unanswered (agents resend them).
  void stop();
  ReportWorkers(const ReportWorkers&) = delete;
  ReportWorkers& operator=(const ReportWorkers&) = delete;

  /// Queues the batch; `answer` runs on a worker once it is stored or refused, or at
  /// once with 503 when the queue is full, naming the report's turn to come back
  /// (retryAfter, report_turns.h).
  void report(store::Id hostId, const std::string& source, protocol::Report report,
              std::size_t bytes, Answer answer) override;

  /// The workers' own figures in Prometheus text: reports waiting, and arrival-to-answer
  /// latency over the last minute logged (docs/health.md, "The server watches itself").
  std::string prometheusText();

 private:
  struct Job {
    store::Id hostId;
    std::string source;
    protocol::Report report;
    std::size_t bytes;
    Answer answer;
    ReportLatency::Clock::time_point received;
  };
  void work();
  void handle(std::vector<Job>& jobs);
  /// The host's row, re-read at most every few seconds (a lookup per batch would queue
  /// every worker behind the commit in progress).
  std::optional<store::Host> host(store::Id hostId);

  store::Store& store_;
  Ingest ingest_;
  std::size_t maxQueued_;
  std::size_t maxQueuedBytes_;
  std::size_t group_;
  std::chrono::milliseconds gather_;
  ReportLatency latency_;
  std::mutex mutex_;
  std::condition_variable wake_;        // reports queued and no worker gathering
  std::condition_variable groupReady_;  // for the gathering worker: a full group
  std::deque<Job> queue_;
  // Of the reports queued or in a worker's hands: a 350 KB inventory, parsed, holds
  // megabytes; the count alone would let 50,000 of them in (docs/benchmarks.md).
  std::size_t heldBytes_ = 0;
  ReportTurns turns_;  // when each refused report should come back (guarded by mutex_)
  std::size_t refused_ = 0;
  bool gathering_ = false;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::mutex hostsMutex_;
  std::unordered_map<store::Id, std::pair<store::Host, std::chrono::steady_clock::time_point>>
      hosts_;
};

}  // namespace parc::server::control
