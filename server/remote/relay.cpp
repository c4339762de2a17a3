#include "server/remote/relay.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>

#include "common/error.h"

namespace parc::server::remote {

Relay::Relay(StreamHub& hub, SessionRegistry& registry, RelayOptions options, SessionRecord record)
    : hub_(hub), registry_(registry), options_(std::move(options)), record_(std::move(record)) {}

void Relay::clientOpened(net::WsConnectionPtr connection) {
  std::lock_guard lock(mutex_);
  client_ = std::move(connection);
  std::weak_ptr<Relay> weak = weak_from_this();
  try {
    session_ = registry_.begin(record_, options_.source, [weak](const std::string& why) {
      if (auto self = weak.lock()) self->terminate(why);
    });
    if (options_.kind == protocol::StreamKind::kTerminal) {
      auto path = registry_.recordingsDir() / ("session-" + std::to_string(session_) + ".cast");
      recorder_ = std::make_unique<AsciicastRecorder>(
          path, options_.cols, options_.rows, static_cast<std::int64_t>(std::time(nullptr)),
          record_.username + "@host " + std::to_string(options_.hostId));
      registry_.setRecording(session_, path.string());
    }
    Json params = options_.params;
    params["session"] = session_;
    stream_ = hub_.open(options_.hostId, options_.kind, std::move(params), fromHost_.window(),
                        shared_from_this());
  } catch (const Error& e) {
    spdlog::info("remote session for host {} not started: {}", options_.hostId, e.what());
    endLocked(e.kind() == ErrorKind::kUnavailable ? "error" : "refused", e.what(), Json::object(),
              false);
  }
}

void Relay::sendJsonLocked(const Json& j) {
  if (client_ && options_.jsonToClient)
    client_->send(j.dump(-1, ' ', false, Json::error_handler_t::replace));
}

void Relay::clientText(const std::string& text) {
  std::lock_guard lock(mutex_);
  if (ended_ || !options_.jsonToClient) return;
  Json m;
  try {
    m = parseJson(text);
  } catch (const Error&) {
    return;  // a client's garbage changes nothing
  }
  std::string type = m.is_object() ? m.value("type", "") : "";
  if (type == "resize" && options_.kind == protocol::StreamKind::kTerminal) {
    int cols = std::clamp(m.value("cols", 80), 2, 1000);
    int rows = std::clamp(m.value("rows", 24), 2, 1000);
    pending_.push_back(Pending{true, {}, Json{{"resize", {{"cols", cols}, {"rows", rows}}}}});
    if (recorder_) recorder_->resize(cols, rows);
  } else if (type == "eof" && options_.kind == protocol::StreamKind::kFilePut) {
    pending_.push_back(Pending{true, {}, Json{{"eof", true}}});
  } else {
    return;
  }
  pumpLocked();
}

void Relay::clientBinary(const std::string& bytes) {
  std::lock_guard lock(mutex_);
  if (ended_ || bytes.empty()) return;
  if (options_.kind == protocol::StreamKind::kFileGet) return;  // nothing to upload
  try {
    // noVNC does not know our credit: its input is small, the pending cap bounds it.
    if (options_.jsonToClient) fromClient_.received(bytes.size());
  } catch (const Error& e) {
    endLocked("error", std::string("client sent beyond its credit: ") + e.what(), Json::object(),
              true);
    return;
  }
  pendingBytes_ += bytes.size();
  if (pendingBytes_ > options_.maxPendingBytes) {
    endLocked("error", "the client sends faster than the host accepts", Json::object(), true);
    return;
  }
  pending_.push_back(Pending{false, bytes, {}});
  pumpLocked();
}

// Sends what the host's credit allows, in order, chunked so that other streams interleave.
void Relay::pumpLocked() {
  if (!opened_ || ended_) return;
  std::weak_ptr<Relay> weak = weak_from_this();
  while (!pending_.empty()) {
    Pending& front = pending_.front();
    if (front.control) {
      hub_.sendControl(options_.hostId, stream_, front.data);
      pending_.pop_front();
      continue;
    }
    std::size_t n = toHost_.take(std::min(front.bytes.size(), protocol::kMaxStreamChunk));
    if (n == 0) return;  // wait for credit
    std::string_view chunk(front.bytes.data(), n);
    hub_.sendData(options_.hostId, stream_, chunk, [weak, n] {
      if (auto self = weak.lock()) self->forwarded(n);
    });
    bytesToHost_ += static_cast<std::int64_t>(n);
    pendingBytes_ -= n;
    if (n == front.bytes.size()) {
      pending_.pop_front();
    } else {
      front.bytes.erase(0, n);
    }
  }
}

// Written to the agent's channel: the client may send that much more.
void Relay::forwarded(std::size_t n) {
  std::lock_guard lock(mutex_);
  if (ended_ || !options_.jsonToClient) return;
  if (std::uint32_t c = fromClient_.delivered(n))
    sendJsonLocked(Json{{"type", "credit"}, {"bytes", c}});
}

void Relay::deliveredToClient(std::size_t n) {
  std::lock_guard lock(mutex_);
  if (ended_) return;
  if (std::uint32_t c = fromHost_.delivered(n)) hub_.sendCredit(options_.hostId, stream_, c);
}

void Relay::clientClosed(const std::string& reason) {
  std::lock_guard lock(mutex_);
  endLocked("ok", "closed by the technician (" + reason + ")", Json::object(), true);
}

void Relay::terminate(const std::string& why) {
  std::lock_guard lock(mutex_);
  endLocked("ended", why, Json::object(), true);
}

void Relay::opened(const protocol::StreamOpened& m) {
  std::lock_guard lock(mutex_);
  if (ended_) return;
  opened_ = true;
  toHost_.grant(m.window);
  sendJsonLocked(Json{{"type", "ready"},
                      {"session", session_},
                      {"window", fromClient_.window()},
                      {"info", m.info}});
  pumpLocked();
}

void Relay::data(std::string_view bytes) {
  std::lock_guard lock(mutex_);
  if (ended_) return;
  fromHost_.received(bytes.size());  // throws past the credit: the hub ends the stream
  bytesFromHost_ += static_cast<std::int64_t>(bytes.size());
  if (recorder_) recorder_->output(bytes);
  std::size_t n = bytes.size();
  std::weak_ptr<Relay> weak = weak_from_this();
  if (!client_) return;
  client_->sendBinary(std::string(bytes), [weak, n] {
    if (auto self = weak.lock()) self->deliveredToClient(n);
  });
}

void Relay::credit(std::uint32_t bytes) {
  std::lock_guard lock(mutex_);
  if (ended_) return;
  toHost_.grant(bytes);
  pumpLocked();
}

void Relay::control(const Json& data) {
  std::lock_guard lock(mutex_);
  if (!ended_) sendJsonLocked(Json{{"type", "control"}, {"data", data}});
}

void Relay::closed(const protocol::StreamClose& m) {
  std::lock_guard lock(mutex_);
  endLocked(m.status, m.reason, m.info, false);
}

void Relay::endLocked(const std::string& status, const std::string& reason, const Json& info,
                      bool closeStream) {
  if (ended_) return;
  ended_ = true;
  if (closeStream && stream_ != 0) hub_.close(options_.hostId, stream_, reason);
  sendJsonLocked(Json{{"type", "end"}, {"status", status}, {"reason", reason}, {"info", info}});
  // Dropping the connection breaks the cycle relay → connection → handlers → relay.
  if (client_) client_->close();
  client_.reset();
  recorder_.reset();
  pending_.clear();
  if (session_ != 0) {
    std::string detail = reason;
    if (info.contains("sha256") && info["sha256"].is_string())
      detail +=
          (detail.empty() ? "" : "; ") + std::string("sha256 ") + info["sha256"].get<std::string>();
    registry_.finish(session_, status, detail, bytesToHost_, bytesFromHost_);
  }
}

}  // namespace parc::server::remote
