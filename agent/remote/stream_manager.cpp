#include "agent/remote/stream_manager.h"

#include <spdlog/spdlog.h>

#include "agent/remote/streams.h"
#include "common/error.h"
#include "common/protocol/control.h"

namespace parc::agent::remote {

namespace {

// One connection's frames; a stream opened on it dies with it.
class ConnectionOutput final : public StreamOutput {
 public:
  explicit ConnectionOutput(net::WsConnectionPtr c) : connection_(std::move(c)) {}
  void sendText(const Json& message) override {
    connection_->send(message.dump(-1, ' ', false, Json::error_handler_t::replace));
  }
  void sendBinary(std::string frame) override { connection_->sendBinary(std::move(frame)); }

 private:
  net::WsConnectionPtr connection_;
};

}  // namespace

StreamManager::StreamManager(RemoteSettings settings)
    : settings_(std::make_shared<const RemoteSettings>(std::move(settings))),
      maxStreams_(static_cast<std::size_t>(settings_->maxSessions)) {}

StreamManager::~StreamManager() {
  detach();
  std::unique_lock lock(mutex_);
  if (!done_.wait_for(lock, std::chrono::seconds(10), [this] { return running_ == 0; }))
    spdlog::warn("remote support: {} stream(s) still ending at shutdown", running_);
}

void StreamManager::attach(net::WsConnectionPtr connection) {
  detach();
  std::lock_guard lock(mutex_);
  output_ = std::make_shared<ConnectionOutput>(std::move(connection));
}

void StreamManager::detach() {
  std::map<protocol::StreamId, std::shared_ptr<AgentStream>> gone;
  {
    std::lock_guard lock(mutex_);
    output_.reset();
    gone.swap(streams_);
  }
  for (auto& [id, s] : gone) s->cancel("control channel closed");
}

std::size_t StreamManager::openCount() {
  std::lock_guard lock(mutex_);
  return streams_.size();
}

std::shared_ptr<AgentStream> StreamManager::find(protocol::StreamId id) {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second;
}

void StreamManager::refuse(protocol::StreamId id, const std::string& reason) {
  std::shared_ptr<StreamOutput> out;
  {
    std::lock_guard lock(mutex_);
    out = output_;
  }
  if (out)
    out->sendText(protocol::toJson(protocol::StreamClose{id, "refused", reason, Json::object()}));
}

void StreamManager::handleMessage(const Json& message) {
  std::string type = protocol::controlType(message);
  if (type == "stream_open") {
    protocol::StreamId id = 0;
    try {
      if (auto it = message.find("stream"); it != message.end() && it->is_number_unsigned())
        id = static_cast<protocol::StreamId>(it->get<std::uint64_t>());
      auto m = protocol::streamOpenFromJson(message);
      std::shared_ptr<AgentStream> stream;
      {
        std::lock_guard lock(mutex_);
        if (!output_ || streams_.count(m.id)) return;
        if (running_ >= maxStreams_)
          throw Error(ErrorKind::kUnavailable,
                      "too many remote sessions on this PC (" + std::to_string(maxStreams_) + ")");
        switch (m.kind) {
          case protocol::StreamKind::kTerminal:
            stream = makeTerminalStream(m.id, m.window, output_, settings_);
            break;
          case protocol::StreamKind::kFileGet:
            stream = makeFileGetStream(m.id, m.window, output_, settings_);
            break;
          case protocol::StreamKind::kFilePut:
            stream = makeFilePutStream(m.id, m.window, output_, settings_);
            break;
          case protocol::StreamKind::kDesktop:
            stream = makeDesktopStream(m.id, m.window, output_, settings_);
            break;
        }
        streams_[m.id] = stream;
        ++running_;
      }
      spdlog::info("remote {} stream {} requested", protocol::streamKindName(m.kind), m.id);
      stream->start(m.params, [this, id = m.id, weak = std::weak_ptr<AgentStream>(stream)] {
        std::lock_guard lock(mutex_);
        auto it = streams_.find(id);
        if (it != streams_.end() && it->second == weak.lock()) streams_.erase(it);
        --running_;
        done_.notify_all();
      });
    } catch (const Error& e) {
      spdlog::info("remote stream {} refused: {}", id, e.what());
      if (id != 0) refuse(id, e.what());
    }
  } else if (type == "stream_credit") {
    auto m = protocol::streamCreditFromJson(message);
    if (auto s = find(m.id)) s->credit(m.bytes);
  } else if (type == "stream_control") {
    auto m = protocol::streamControlFromJson(message);
    if (auto s = find(m.id)) s->control(m.data);
  } else if (type == "stream_close") {
    auto m = protocol::streamCloseFromJson(message);
    std::shared_ptr<AgentStream> s;
    {
      std::lock_guard lock(mutex_);
      auto it = streams_.find(m.id);
      if (it == streams_.end()) return;
      s = std::move(it->second);
      streams_.erase(it);
    }
    s->cancel(m.reason);
  }
}

void StreamManager::handleBinary(const std::string& frame) {
  protocol::StreamData d;
  try {
    d = protocol::decodeStreamData(frame);
  } catch (const Error& e) {
    spdlog::warn("bad stream frame ignored: {}", e.what());
    return;
  }
  auto s = find(d.id);
  if (!s) return;
  try {
    s->incoming(d.bytes);
  } catch (const Error& e) {
    spdlog::warn("remote stream {}: {}", d.id, e.what());
    {
      std::lock_guard lock(mutex_);
      streams_.erase(d.id);
    }
    s->cancel(e.what());
    std::shared_ptr<StreamOutput> out;
    {
      std::lock_guard lock(mutex_);
      out = output_;
    }
    if (out)
      out->sendText(
          protocol::toJson(protocol::StreamClose{d.id, "error", e.what(), Json::object()}));
  }
}

}  // namespace parc::agent::remote
