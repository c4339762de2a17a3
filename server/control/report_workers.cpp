#include "server/control/report_workers.h"

#include <spdlog/spdlog.h>

#include "common/error.h"

namespace parc::server::control {

namespace {
constexpr auto kHostCacheTtl = std::chrono::seconds(5);
}

ReportWorkers::ReportWorkers(store::Store& store, Ingest ingest, std::size_t threads,
                             std::size_t maxQueued)
    : store_(store), ingest_(std::move(ingest)), maxQueued_(maxQueued) {
  for (std::size_t i = 0; i < std::max<std::size_t>(1, threads); ++i)
    threads_.emplace_back([this] { work(); });
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
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  // Not stored, not answered: the agents resend them after reconnecting.
}

void ReportWorkers::report(store::Id hostId, const std::string& source, protocol::Report report,
                           Answer answer) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && queue_.size() < maxQueued_) {
      queue_.push_back({hostId, source, std::move(report), std::move(answer)});
      wake_.notify_one();
      return;
    }
  }
  answer(protocol::ReportAck{report.id, {}, "server busy: send again later", 503});
}

void ReportWorkers::work() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job.answer(handle(job));
  }
}

protocol::ReportAck ReportWorkers::handle(const Job& job) {
  protocol::ReportAck ack;
  ack.id = job.report.id;
  try {
    auto h = host(job.hostId);
    if (!h || h->revoked) throw Error(ErrorKind::kForbidden, "host unknown or revoked");
    ack.results = ingest_(*h, job.report.batch, job.source);
  } catch (const Error& e) {
    ack.error = e.what();
    ack.status = httpStatus(e.kind());
    if (ack.status >= 500) spdlog::warn("host {}: report not stored: {}", job.hostId, e.what());
  } catch (const std::exception& e) {
    ack.error = "internal error";
    ack.status = 500;
    spdlog::error("host {}: report not stored: {}", job.hostId, e.what());
  }
  return ack;
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
