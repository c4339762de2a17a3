#include "agent/remote/agent_stream.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <thread>

#include "common/error.h"
#include "common/thread/thread_name.h"

namespace parc::agent::remote {

AgentStream::AgentStream(protocol::StreamId id, std::uint32_t sendWindow,
                         std::shared_ptr<StreamOutput> out)
    : id_(id),
      out_(std::move(out)),
      toServer_(sendWindow),
      wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (!wake_) throw Error(ErrorKind::kUnavailable, "eventfd failed");
}

void AgentStream::start(Json params, std::function<void()> onDone) {
  auto self = shared_from_this();
  namedThread("remote-session", [self, params = std::move(params), onDone = std::move(onDone)] {
    try {
      self->run(params);
      self->close("ok", "");
    } catch (const Error& e) {
      bool refusal = e.kind() == ErrorKind::kForbidden || e.kind() == ErrorKind::kNotFound ||
                     e.kind() == ErrorKind::kBadRequest || e.kind() == ErrorKind::kTooLarge ||
                     e.kind() == ErrorKind::kUnauthorized;
      spdlog::info("remote stream {}: {}", self->id_, e.what());
      self->close(refusal ? "refused" : "error", e.what());
    } catch (const std::exception& e) {
      spdlog::error("remote stream {} failed: {}", self->id_, e.what());
      self->close("error", "internal error on the agent");
    }
    if (onDone) onDone();
  }).detach();  // the manager counts live streams and waits for them at shutdown
}

void AgentStream::wakeUp() {
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_.get(), &one, sizeof one);
}

void AgentStream::clearWake() {
  std::uint64_t v = 0;
  [[maybe_unused]] auto n = ::read(wake_.get(), &v, sizeof v);
}

void AgentStream::incoming(std::string_view bytes) {
  fromServer_.received(bytes.size());
  {
    std::lock_guard lock(mutex_);
    if (cancelled_) return;
    queue_.push_back(Incoming{false, std::string(bytes), {}});
  }
  cv_.notify_all();
  wakeUp();
}

void AgentStream::credit(std::uint32_t bytes) {
  toServer_.grant(bytes);
  cv_.notify_all();
  wakeUp();
}

void AgentStream::control(const Json& data) {
  {
    std::lock_guard lock(mutex_);
    if (cancelled_) return;
    queue_.push_back(Incoming{true, {}, data});
  }
  cv_.notify_all();
  wakeUp();
}

void AgentStream::cancel(const std::string& reason) {
  {
    std::lock_guard lock(mutex_);
    if (cancelled_) return;
    cancelled_ = true;
    closed_ = true;  // the server knows already: no stream_close back
    cancelReason_ = reason;
  }
  cv_.notify_all();
  wakeUp();
}

bool AgentStream::cancelled() {
  std::lock_guard lock(mutex_);
  return cancelled_;
}

void AgentStream::opened(Json info) {
  protocol::StreamOpened m{id_, fromServer_.window(), std::move(info)};
  out_->sendText(protocol::toJson(m));
}

void AgentStream::sendChunk(std::string_view bytes) {
  std::size_t n = toServer_.take(std::min(bytes.size(), protocol::kMaxStreamChunk));
  if (n > 0) out_->sendBinary(protocol::encodeStreamData(id_, bytes.substr(0, n)));
}

bool AgentStream::sendAll(std::string_view bytes) {
  while (!bytes.empty()) {
    std::size_t n = toServer_.take(std::min(bytes.size(), protocol::kMaxStreamChunk));
    if (n == 0) {
      std::unique_lock lock(mutex_);
      cv_.wait_for(lock, std::chrono::milliseconds(500),
                   [this] { return cancelled_ || toServer_.available() > 0; });
      if (cancelled_) return false;
      continue;
    }
    out_->sendBinary(protocol::encodeStreamData(id_, bytes.substr(0, n)));
    bytes.remove_prefix(n);
  }
  return !cancelled();
}

std::optional<AgentStream::Incoming> AgentStream::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [this] { return cancelled_ || !queue_.empty(); });
  if (cancelled_ || queue_.empty()) return std::nullopt;
  Incoming m = std::move(queue_.front());
  queue_.pop_front();
  return m;
}

std::optional<AgentStream::Incoming> AgentStream::tryNext() {
  std::lock_guard lock(mutex_);
  if (cancelled_ || queue_.empty()) return std::nullopt;
  Incoming m = std::move(queue_.front());
  queue_.pop_front();
  return m;
}

void AgentStream::delivered(std::size_t n) {
  if (std::uint32_t c = fromServer_.delivered(n))
    out_->sendText(protocol::toJson(protocol::StreamCredit{id_, c}));
}

void AgentStream::close(const std::string& status, const std::string& reason, Json info) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
  }
  protocol::StreamClose m{id_, status, reason, std::move(info)};
  out_->sendText(protocol::toJson(m));
}

}  // namespace parc::agent::remote
