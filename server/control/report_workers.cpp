#include "server/control/report_workers.h"

#include <spdlog/spdlog.h>

#include "common/error.h"
#include "common/thread/thread_name.h"
#include "server/health/prometheus.h"

namespace parc::server::control {

namespace {
constexpr auto kHostCacheTtl = std::chrono::seconds(5);
}

ReportWorkers::ReportWorkers(store::Store& store, Ingest ingest, std::size_t threads,
                             std::size_t maxQueued, std::size_t maxQueuedBytes, std::size_t group,
                             std::chrono::milliseconds gather)
    : store_(store),
      ingest_(std::move(ingest)),
      maxQueued_(maxQueued),
      maxQueuedBytes_(maxQueuedBytes),
      group_(std::max<std::size_t>(1, group)),
      gather_(gather) {
  for (std::size_t i = 0; i < std::max<std::size_t>(1, threads); ++i)
    threads_.push_back(namedThread("report", [this] { work(); }));
}

ReportWorkers::~ReportWorkers() {
  stop();
}

void ReportWorkers::stop() {
  std::deque<Job> dropped;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    dropped.swap(queue_);
  }
  wake_.notify_all();
  groupReady_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  latency_.flush();
  // Not stored, not answered: the agents resend them after reconnecting.
}

void ReportWorkers::report(store::Id hostId, const std::string& source, protocol::Report report,
                           std::size_t bytes, Answer answer) {
  std::chrono::milliseconds turn{0};
  {
    std::lock_guard lock(mutex_);
    bool room =
        queue_.size() < maxQueued_ && (heldBytes_ == 0 || heldBytes_ + bytes <= maxQueuedBytes_);
    auto now = ReportLatency::Clock::now();
    if (!stopping_ && room) {
      if (heldBytes_ == 0) turns_.busy(now);
      heldBytes_ += bytes;
      queue_.push_back({hostId, source, std::move(report), bytes, std::move(answer),
                        ReportLatency::Clock::now()});
      // Wake a thread only when it has something to do: a first report for an idle
      // worker to gather from (a queue of one has nobody gathering from it), or a full
      // group for the one gathering. A wake-up per report cost more switches than the
      // reports' own work (docs/benchmarks.md).
      if (queue_.size() == 1) wake_.notify_one();
      if (queue_.size() == group_ && gathering_) groupReady_.notify_one();
      return;
    }
    // Stopping: no turn to give, the agent reconnects and resends on its own backoff.
    if (!stopping_) turn = turns_.turnFor(bytes, heldBytes_, maxQueuedBytes_, now);
    ++refused_;
  }
  answer(protocol::ReportAck{report.id, {}, "server busy: send again later", 503, turn});
}

void ReportWorkers::work() {
  for (;;) {
    std::vector<Job> jobs;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || (!queue_.empty() && !gathering_); });
      if (stopping_) return;
      // A commit alone for one report rewrites as many pages as one for ten: the first
      // report waits up to `gather_` for company (at saturation it has waited longer
      // in the queue already, and the group fills at once). One worker gathers at a time.
      if (queue_.size() < group_) {
        gathering_ = true;
        groupReady_.wait_until(lock, queue_.front().received + gather_,
                               [this] { return stopping_ || queue_.size() >= group_; });
        gathering_ = false;
        if (stopping_) return;
      }
      while (!queue_.empty() && jobs.size() < group_) {
        jobs.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (!queue_.empty()) wake_.notify_one();  // the rest, for another worker
    }
    handle(jobs);
  }
}

void ReportWorkers::handle(std::vector<Job>& jobs) {
  auto picked = ReportLatency::Clock::now();
  for (const auto& job : jobs) latency_.add(ReportLatency::kQueued, picked - job.received);
  std::vector<protocol::ReportAck> acks(jobs.size());
  std::vector<std::optional<store::Host>> hosts(jobs.size());
  std::vector<api::IngestReport> reports;
  std::vector<std::size_t> jobOf;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    acks[i].id = jobs[i].report.id;
    hosts[i] = host(jobs[i].hostId);
    if (!hosts[i] || hosts[i]->revoked) {
      acks[i].error = "host unknown or revoked";
      acks[i].status = httpStatus(ErrorKind::kForbidden);
      continue;
    }
    reports.push_back({&*hosts[i], &jobs[i].report.batch, jobs[i].source, {}, {}});
    reports.back().overChannel = true;  // the hub keeps its host's last-seen time
    jobOf.push_back(i);
  }
  try {
    if (!reports.empty()) {
      api::IngestTimings t = ingest_(reports);
      latency_.add(ReportLatency::kStore, t.store);
      latency_.add(ReportLatency::kHealth, t.health);
      latency_.add(ReportLatency::kFinish, t.finish);
    }
  } catch (...) {
    for (auto& r : reports) r.error = std::current_exception();
  }
  for (std::size_t k = 0; k < reports.size(); ++k) {
    auto& ack = acks[jobOf[k]];
    if (!reports[k].error) {
      ack.results = std::move(reports[k].results);
      continue;
    }
    try {
      std::rethrow_exception(reports[k].error);
    } catch (const Error& e) {
      ack.error = e.what();
      ack.status = httpStatus(e.kind());
      if (ack.status >= 500)
        spdlog::warn("host {}: report not stored: {}", jobs[jobOf[k]].hostId, e.what());
    } catch (const std::exception& e) {
      ack.error = "internal error";
      ack.status = 500;
      spdlog::error("host {}: report not stored: {}", jobs[jobOf[k]].hostId, e.what());
    }
  }
  {
    // Given back before the answers go: an agent that was refused may send at once.
    std::size_t done = 0;
    for (const Job& job : jobs) done += job.bytes;
    std::lock_guard lock(mutex_);
    heldBytes_ -= done;
    turns_.stored(done, ReportLatency::Clock::now());
  }
  for (std::size_t i = 0; i < jobs.size(); ++i) jobs[i].answer(std::move(acks[i]));
  auto answered = ReportLatency::Clock::now();
  for (const auto& job : jobs) latency_.add(ReportLatency::kAnswered, answered - job.received);
  latency_.maybeLog(answered);
}

std::string ReportWorkers::prometheusText() {
  std::size_t queued = 0, held = 0, refused = 0;
  double rate = 0;
  {
    std::lock_guard lock(mutex_);
    queued = queue_.size();
    held = heldBytes_;
    refused = refused_;
    rate = heldBytes_ > 0 ? turns_.bytesPerSecond(ReportLatency::Clock::now()) : 0;
  }
  ReportLatency::Answered a = latency_.lastAnswered();
  return health::prometheusFamily("parc_reports_queued", "gauge",
                                  "Channel reports waiting for a storage worker.") +
         fmt::format("parc_reports_queued {}\n", queued) +
         health::prometheusFamily("parc_reports_held_bytes", "gauge",
                                  "Bytes of channel reports queued or being stored.") +
         fmt::format("parc_reports_held_bytes {}\n", held) +
         health::prometheusFamily("parc_reports_busy_total", "counter",
                                  "Channel reports refused 503 for a full queue, each told "
                                  "when to come back.") +
         fmt::format("parc_reports_busy_total {}\n", refused) +
         health::prometheusFamily("parc_reports_stored_bytes_per_second", "gauge",
                                  "Pace at which the queue drains while it holds reports "
                                  "(what the busy answers' turns are computed from).") +
         fmt::format("parc_reports_stored_bytes_per_second {:.0f}\n", rate) +
         health::prometheusFamily("parc_report_answer_seconds", "summary",
                                  "Arrival to answer of channel reports, last minute logged.") +
         fmt::format(
             "parc_report_answer_seconds{{quantile=\"0.5\"}} {:.6f}\n"
             "parc_report_answer_seconds{{quantile=\"0.99\"}} {:.6f}\n"
             "parc_report_answer_seconds_sum {:.6f}\nparc_report_answer_seconds_count {}\n",
             a.p50Seconds, a.p99Seconds, a.sumSeconds, a.count);
}

std::optional<store::Host> ReportWorkers::host(store::Id hostId) {
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(hostsMutex_);
    auto it = hosts_.find(hostId);
    if (it != hosts_.end() && now - it->second.second < kHostCacheTtl) return it->second.first;
  }
  auto fresh = store_.findHost(hostId);
  std::lock_guard lock(hostsMutex_);
  if (!fresh) {
    hosts_.erase(hostId);
    return std::nullopt;
  }
  if (hosts_.size() > 200000) hosts_.clear();  // bounded: a cache, not a copy of the table
  hosts_[hostId] = {*fresh, now};
  return fresh;
}

}  // namespace parc::server::control
