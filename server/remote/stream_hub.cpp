#include "server/remote/stream_hub.h"

#include <spdlog/spdlog.h>

#include "common/error.h"
#include "common/protocol/control.h"

namespace parc::server::remote {

protocol::StreamId StreamHub::open(store::Id hostId, protocol::StreamKind kind, Json params,
                                   std::uint32_t window, std::shared_ptr<StreamEndpoint> endpoint) {
  protocol::StreamId id = next_++;
  if (id == 0) id = next_++;  // after 2^32 streams: 0 means "no stream"
  {
    std::lock_guard lock(mutex_);
    streams_[id] = Entry{hostId, std::move(endpoint)};
  }
  protocol::StreamOpen m{id, kind, window, std::move(params)};
  if (!hub_.sendText(hostId, protocol::toJson(m).dump())) {
    take(hostId, id);
    throw Error(ErrorKind::kUnavailable, "the host is offline (no control channel)");
  }
  return id;
}

bool StreamHub::sendData(store::Id hostId, protocol::StreamId id, std::string_view bytes,
                         std::function<void()> onSent) {
  return hub_.sendBinary(hostId, protocol::encodeStreamData(id, bytes), std::move(onSent));
}

void StreamHub::sendCredit(store::Id hostId, protocol::StreamId id, std::uint32_t bytes) {
  hub_.sendText(hostId, protocol::toJson(protocol::StreamCredit{id, bytes}).dump());
}

void StreamHub::sendControl(store::Id hostId, protocol::StreamId id, const Json& data) {
  hub_.sendText(hostId, protocol::toJson(protocol::StreamControl{id, data}).dump());
}

void StreamHub::close(store::Id hostId, protocol::StreamId id, const std::string& reason) {
  if (!take(hostId, id)) return;
  protocol::StreamClose m;
  m.id = id;
  m.reason = reason;
  hub_.sendText(hostId, protocol::toJson(m).dump());
}

std::size_t StreamHub::openCount() {
  std::lock_guard lock(mutex_);
  return streams_.size();
}

std::shared_ptr<StreamEndpoint> StreamHub::find(store::Id hostId, protocol::StreamId id) {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(id);
  // A host only ever reaches its own streams.
  if (it == streams_.end() || it->second.hostId != hostId) return nullptr;
  return it->second.endpoint;
}

std::shared_ptr<StreamEndpoint> StreamHub::take(store::Id hostId, protocol::StreamId id) {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(id);
  if (it == streams_.end() || it->second.hostId != hostId) return nullptr;
  auto endpoint = std::move(it->second.endpoint);
  streams_.erase(it);
  return endpoint;
}

void StreamHub::streamMessage(store::Id hostId, const Json& message) {
  try {
    std::string type = protocol::controlType(message);
    if (type == "stream_opened") {
      auto m = protocol::streamOpenedFromJson(message);
      if (auto e = find(hostId, m.id)) e->opened(m);
    } else if (type == "stream_credit") {
      auto m = protocol::streamCreditFromJson(message);
      if (auto e = find(hostId, m.id)) e->credit(m.bytes);
    } else if (type == "stream_control") {
      auto m = protocol::streamControlFromJson(message);
      if (auto e = find(hostId, m.id)) e->control(m.data);
    } else if (type == "stream_close") {
      auto m = protocol::streamCloseFromJson(message);
      if (auto e = take(hostId, m.id)) e->closed(m);
    } else {
      spdlog::info("host {}: unexpected stream message '{}' ignored", hostId, type);
    }
  } catch (const Error& e) {
    spdlog::info("host {}: bad stream message: {}", hostId, e.what());
  }
}

void StreamHub::streamData(store::Id hostId, const std::string& frame) {
  protocol::StreamData d;
  try {
    d = protocol::decodeStreamData(frame);
  } catch (const Error& e) {
    spdlog::info("host {}: bad stream frame: {}", hostId, e.what());
    return;
  }
  auto endpoint = find(hostId, d.id);
  if (!endpoint) return;  // closed meanwhile: the agent learns it from our stream_close
  try {
    endpoint->data(d.bytes);
  } catch (const Error& e) {
    // Beyond its credit: the agent is broken or hostile; that stream ends.
    spdlog::warn("host {}: stream {} ended: {}", hostId, d.id, e.what());
    take(hostId, d.id);
    protocol::StreamClose m;
    m.id = d.id;
    m.status = "error";
    m.reason = e.what();
    hub_.sendText(hostId, protocol::toJson(m).dump());
    endpoint->closed(m);
  }
}

void StreamHub::channelClosed(store::Id hostId) {
  std::vector<std::pair<protocol::StreamId, std::shared_ptr<StreamEndpoint>>> gone;
  {
    std::lock_guard lock(mutex_);
    for (auto it = streams_.begin(); it != streams_.end();) {
      if (it->second.hostId == hostId) {
        gone.emplace_back(it->first, std::move(it->second.endpoint));
        it = streams_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& [id, endpoint] : gone) {
    protocol::StreamClose m;
    m.id = id;
    m.status = "error";
    m.reason = "the host's control channel closed";
    endpoint->closed(m);
  }
}

}  // namespace parc::server::remote
