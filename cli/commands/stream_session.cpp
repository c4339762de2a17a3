#include "cli/commands/stream_session.h"

#include "cli/api_client.h"
#include "common/error.h"
#include "common/protocol/stream.h"

namespace parc::cli {

net::WsClientOptions sessionSocketOptions(const Globals& g, const std::string& path) {
  SessionFile s = withApiToken(g.session());
  net::WsClientOptions o;
  o.server = endpointOf(s);
  o.path = path;
  o.tls = trustFor(s);
  o.headers = {{"Authorization", "Bearer " + s.token}};
  return o;
}

StreamSession::StreamSession(net::WsClientOptions options, Handlers handlers)
    : handlers_(std::move(handlers)), client_(std::move(options)) {
  net::WsHandlers h;
  h.onOpen = [this](net::WsConnectionPtr c) {
    std::lock_guard lock(mutex_);
    connection_ = std::move(c);
    cv_.notify_all();
  };
  h.onMessage = [this](const std::string& text) { onMessage(text); };
  h.onBinary = handlers_.onBinary ? handlers_.onBinary : [](const std::string&) {};
  thread_ = std::thread([this, h] {
    std::string reason = client_.run(h);
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
      closeReason_ = reason;
      connection_.reset();
      cv_.notify_all();
    }
    if (handlers_.onClosed) handlers_.onClosed();
  });
}

StreamSession::~StreamSession() {
  client_.stop();
  thread_.join();
}

void StreamSession::onMessage(const std::string& text) {
  Json m = parseJson(text);
  std::lock_guard lock(mutex_);
  std::string type = m.value("type", "");
  if (type == "ready") {
    ready_ = m;
    credit_ += m.value("window", 0);
  } else if (type == "credit") {
    credit_ += m.value("bytes", 0);
  } else if (type == "end") {
    end_ = m;
  }
  cv_.notify_all();
}

bool StreamSession::waitReady() {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [this] { return ready_ || end_ || closed_; });
  return ready_ && !end_;
}

bool StreamSession::waitOpen() {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [this] { return connection_ || closed_; });
  return connection_ != nullptr;
}

Json StreamSession::waitEnd() {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [this] { return end_ || closed_; });
  if (!end_) throw Error(ErrorKind::kUnavailable, "the server closed the session: " + closeReason_);
  return *end_;
}

void StreamSession::stop() {
  client_.stop();
}

bool StreamSession::finished() {
  std::lock_guard lock(mutex_);
  return end_ || closed_;
}

void StreamSession::send(std::string_view bytes) {
  while (!bytes.empty()) {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return credit_ > 0 || end_ || closed_; });
    if (end_ || closed_ || !connection_) return;
    std::size_t n = std::min<std::size_t>(
        {bytes.size(), static_cast<std::size_t>(credit_), protocol::kMaxStreamChunk});
    credit_ -= static_cast<std::int64_t>(n);
    connection_->sendBinary(std::string(bytes.substr(0, n)));
    bytes.remove_prefix(n);
  }
}

void StreamSession::sendRaw(std::string bytes) {
  std::lock_guard lock(mutex_);
  if (connection_ && !closed_) connection_->sendBinary(std::move(bytes));
}

void StreamSession::sendText(const Json& j) {
  std::lock_guard lock(mutex_);
  if (connection_) connection_->send(j.dump());
}

void failUnlessOk(const Json& end, const std::string& what) {
  if (end.value("status", "") != "ok")
    throw Error(
        end.value("status", "") == "refused" ? ErrorKind::kForbidden : ErrorKind::kUnavailable,
        what + " " + end.value("status", std::string("failed")) + ": " +
            end.value("reason", std::string()));
}

}  // namespace parc::cli
