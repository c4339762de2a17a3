#include "server/control/control_hub.h"

#include <spdlog/spdlog.h>

#include <ctime>

#include "common/crypto/hash.h"
#include "common/error.h"
#include "common/protocol/stream.h"
#include "common/thread/thread_name.h"
#include "server/api/agent_routes.h"
#include "server/api/dispatcher.h"
#include "server/api/router.h"

namespace parc::server::control {

namespace {
store::Time now() {
  return static_cast<store::Time>(std::time(nullptr));
}
}  // namespace

ControlHub::ControlHub(store::Store& store, std::chrono::milliseconds flushInterval,
                       std::chrono::seconds lastSeenGranularity,
                       std::chrono::milliseconds sweepInterval)
    : store_(store),
      flushInterval_(flushInterval),
      granularity_(lastSeenGranularity),
      sweepInterval_(sweepInterval) {
  store_.markAllOffline(now());
  flusher_ = namedThread("presence", [this] { flusherLoop(); });
  sweeper_ = namedThread("channel-sweep", [this] { sweeperLoop(); });
}

ControlHub::~ControlHub() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  flusher_.join();
  sweeper_.join();
  flush();
}

net::UpgradeDecision ControlHub::upgrade(const net::Request& request) {
  net::UpgradeDecision decision;
  if (request.path() != kPath) {
    decision.refusal = api::errorResponse(404, "not_found", "no such WebSocket");
    return decision;
  }
  // Agents never send an Origin; a browser always does. No web page, whatever it
  // holds, may open an agent's control channel (cross-site WebSocket hijacking).
  if (!request.header("origin").empty()) {
    decision.refusal =
        api::errorResponse(403, "forbidden", "the control channel is not for browsers");
    return decision;
  }
  try {
    store::Host host = api::authenticateAgentPeer(store_, request.peer);
    api::noteCertificateInUse(store_, host, request.peer);
    std::uint64_t generation;
    {
      std::lock_guard lock(mutex_);
      generation = nextGeneration_++;
    }
    decision.accept =
        handlersFor(host.id, generation, request.peer.fingerprint, request.remoteAddress);
  } catch (const Error& e) {
    int status = httpStatus(e.kind());
    decision.refusal = api::errorResponse(status, errorCode(e.kind()), e.what());
  }
  return decision;
}

net::WsHandlers ControlHub::handlersFor(store::Id hostId, std::uint64_t generation,
                                        std::string fingerprint, std::string source) {
  net::WsHandlers h;
  h.onOpen = [this, hostId, generation, fingerprint](net::WsConnectionPtr c) {
    opened(hostId, generation, std::move(c), fingerprint);
  };
  h.onMessage = [this, hostId, generation, source](const std::string& t) {
    received(hostId, generation, t, source);
  };
  h.onActivity = [this, hostId, generation] { seen(hostId, generation); };
  h.onBinary = [this, hostId](const std::string& frame) {
    if (auto* sink = sink_.load()) sink->streamData(hostId, frame);
  };
  h.onClose = [this, hostId, generation](const std::string& r) { closed(hostId, generation, r); };
  return h;
}

void ControlHub::opened(store::Id hostId, std::uint64_t generation, net::WsConnectionPtr connection,
                        const std::string& fingerprint) {
  net::WsConnectionPtr previous;
  {
    std::lock_guard lock(mutex_);
    Link& link = links_[hostId];
    if (generation < link.generation) {  // a newer connection won the race
      connection->close();
      return;
    }
    previous = std::move(link.connection);
    link.generation = generation;
    link.connection = connection;
    link.fingerprint = fingerprint;
    link.presence.online = true;
    link.presence.lastSeen = now();
    link.presence.offlineSince.reset();
    link.dirty = true;
  }
  if (previous) {
    previous->close();  // one channel per host: the newest wins
    if (auto* sink = sink_.load()) sink->channelClosed(hostId);
  }
  spdlog::debug("host {} connected its control channel", hostId);
  Json config = parseJson(store_.hostConfig(hostId));
  if (!config.empty()) pushConfig(hostId, config);
}

void ControlHub::received(store::Id hostId, std::uint64_t generation, const std::string& text,
                          const std::string& source) {
  try {  // onActivity has marked the host seen already (net::WsHandlers)
    Json message = parseJson(text);
    std::string type = protocol::controlType(message);
    if (type == "reply") {
      protocol::Reply reply = protocol::replyFromJson(message);
      std::shared_ptr<Pending> pending;
      {
        std::lock_guard lock(mutex_);
        auto it = pending_.find(reply.id);
        if (it != pending_.end() && it->second->hostId == hostId) {
          pending = it->second;
          pending_.erase(it);
        }
      }
      if (pending) pending->reply.set_value(std::move(reply));
    } else if (type == "report") {
      report(hostId, generation, std::move(message), source, text.size());
    } else if (type == "hello") {
      // Agents since the trust issue also say which CA fingerprints they trust.
      std::vector<std::string> anchors;
      if (auto list = message.find("trust_anchors"); list != message.end() && list->is_array()) {
        for (const auto& fp : *list) {
          if (anchors.size() < 16 && fp.is_string() && fp.get<std::string>().size() <= 64)
            anchors.push_back(fp.get<std::string>());
        }
      }
      std::lock_guard lock(mutex_);
      auto it = links_.find(hostId);
      if (it != links_.end() && it->second.generation == generation) {
        it->second.presence.agentVersion =
            protocol::helloFromJson(message).agentVersion.substr(0, 64);
        it->second.dirty = true;
        if (!anchors.empty()) anchors_[hostId] = std::move(anchors);
      }
    } else if (protocol::isStreamMessage(type) && sink_.load()) {
      sink_.load()->streamMessage(hostId, message);
    } else {
      spdlog::info("host {}: control message of unknown type '{}' ignored", hostId,
                   type.substr(0, 32));
    }
  } catch (const Error& e) {
    spdlog::info("host {}: bad control message: {}", hostId, e.what());
  }
}

void ControlHub::report(store::Id hostId, std::uint64_t generation, Json message,
                        const std::string& source, std::size_t bytes) {
  net::WsConnectionPtr connection;
  {
    std::lock_guard lock(mutex_);
    auto it = links_.find(hostId);
    // A report read just before the channel was closed (revoked, merged): not acknowledged,
    // so the agent sends it again on its next channel.
    if (it == links_.end() || it->second.generation != generation || !it->second.connection) return;
    connection = it->second.connection;
  }
  auto answer = [connection](const protocol::ReportAck& ack) {
    connection->send(protocol::toJson(ack).dump(-1, ' ', false, Json::error_handler_t::replace));
  };
  protocol::Report report;
  try {
    report = protocol::reportFromJson(std::move(message));  // the batch is moved, not copied
  } catch (const Error& e) {
    auto id = message.find("id");
    if (id != message.end() && id->is_string() && id->get<std::string>().size() <= 64)
      answer(protocol::ReportAck{id->get<std::string>(), {}, e.what(), 400});
    return;
  }
  ReportSink* sink = reports_.load();
  if (!sink) {
    answer(protocol::ReportAck{report.id, {}, "reports are not taken over this channel", 503});
    return;
  }
  sink->report(hostId, source, std::move(report), bytes, std::move(answer));
}

void ControlHub::seen(store::Id hostId, std::uint64_t generation) {
  std::lock_guard lock(mutex_);
  auto it = links_.find(hostId);
  if (it == links_.end() || it->second.generation != generation) return;
  Link& link = it->second;
  link.presence.lastSeen = now();
  if (link.presence.lastSeen - link.flushedLastSeen >= granularity_.count()) link.dirty = true;
}

void ControlHub::closed(store::Id hostId, std::uint64_t generation, const std::string& reason) {
  std::vector<std::shared_ptr<Pending>> orphans;
  {
    std::lock_guard lock(mutex_);
    auto it = links_.find(hostId);
    if (it == links_.end() || it->second.generation != generation) return;  // replaced already
    Link& link = it->second;
    link.connection.reset();
    link.presence.online = false;
    link.presence.offlineSince = now();
    link.dirty = true;
    for (auto p = pending_.begin(); p != pending_.end();) {
      if (p->second->hostId == hostId) {
        orphans.push_back(p->second);
        p = pending_.erase(p);
      } else {
        ++p;
      }
    }
  }
  if (auto* sink = sink_.load()) sink->channelClosed(hostId);
  for (auto& p : orphans) {
    p->reply.set_exception(std::make_exception_ptr(
        Error(ErrorKind::kUnavailable, "agent disconnected before replying (" + reason + ")")));
  }
  spdlog::debug("host {} control channel closed: {}", hostId, reason);
}

protocol::Reply ControlHub::call(store::Id hostId, const std::string& command, const Json& payload,
                                 std::chrono::seconds timeout) {
  protocol::Command c{crypto::uuid4(), command, now() + timeout.count(), payload};
  auto pending = std::make_shared<Pending>();
  pending->hostId = hostId;
  auto future = pending->reply.get_future();
  net::WsConnectionPtr connection;
  {
    std::lock_guard lock(mutex_);
    auto it = links_.find(hostId);
    if (it == links_.end() || !it->second.connection) {
      throw Error(ErrorKind::kUnavailable, "host " + std::to_string(hostId) + " is offline");
    }
    connection = it->second.connection;
    pending_[c.id] = pending;
  }
  connection->send(protocol::toJson(c).dump());
  if (future.wait_for(timeout) != std::future_status::ready) {
    std::lock_guard lock(mutex_);
    pending_.erase(c.id);
    throw Error(ErrorKind::kUnavailable, "no reply from host " + std::to_string(hostId) +
                                             " within " + std::to_string(timeout.count()) + " s");
  }
  return future.get();
}

bool ControlHub::sendText(store::Id hostId, std::string text) {
  net::WsConnectionPtr connection;
  {
    std::lock_guard lock(mutex_);
    auto it = links_.find(hostId);
    if (it == links_.end() || !it->second.connection) return false;
    connection = it->second.connection;
  }
  connection->send(std::move(text));
  return true;
}

bool ControlHub::sendBinary(store::Id hostId, std::string frame, std::function<void()> onSent) {
  net::WsConnectionPtr connection;
  {
    std::lock_guard lock(mutex_);
    auto it = links_.find(hostId);
    if (it == links_.end() || !it->second.connection) return false;
    connection = it->second.connection;
  }
  connection->sendBinary(std::move(frame), std::move(onSent));
  return true;
}

void ControlHub::pushConfig(store::Id hostId, const Json& config) {
  net::WsConnectionPtr connection;
  {
    std::lock_guard lock(mutex_);
    auto it = links_.find(hostId);
    if (it == links_.end() || !it->second.connection) return;
    connection = it->second.connection;
  }
  protocol::Command c{crypto::uuid4(), "configure", now() + 300, config};
  connection->send(protocol::toJson(c).dump());
}

std::optional<Presence> ControlHub::presence(store::Id hostId) {
  std::lock_guard lock(mutex_);
  auto it = links_.find(hostId);
  if (it == links_.end()) return std::nullopt;
  return it->second.presence;
}

std::vector<store::Id> ControlHub::onlineHosts() {
  std::lock_guard lock(mutex_);
  std::vector<store::Id> out;
  for (const auto& [id, link] : links_) {
    if (link.presence.online) out.push_back(id);
  }
  return out;
}

std::size_t ControlHub::onlineCount() {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [_, link] : links_) n += link.presence.online ? 1 : 0;
  return n;
}

void ControlHub::flush() {
  std::vector<store::PresenceUpdate> updates;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, link] : links_) {
      if (!link.dirty) continue;
      link.dirty = false;
      link.flushedLastSeen = link.presence.lastSeen;
      updates.push_back({id, link.presence.online, link.presence.lastSeen,
                         link.presence.offlineSince, link.presence.agentVersion});
    }
  }
  try {
    store_.updatePresence(updates);
  } catch (const Error& e) {
    spdlog::warn("presence not written ({} hosts): {}", updates.size(), e.what());
  }
}

void ControlHub::flusherLoop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, flushInterval_, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    flush();
    lock.lock();
  }
}

// Takes the host's channel out of the hub (offline at once: no command goes to it any
// more) and returns it for closing outside the lock. With `fingerprint`, only a channel
// opened with that certificate: the agent may have reconnected meanwhile.
net::WsConnectionPtr ControlHub::detach(store::Id hostId, const std::string* fingerprint) {
  std::lock_guard lock(mutex_);
  auto it = links_.find(hostId);
  if (it == links_.end() || !it->second.connection) return nullptr;
  Link& link = it->second;
  if (fingerprint && link.fingerprint != *fingerprint) return nullptr;
  net::WsConnectionPtr connection = std::move(link.connection);
  link.connection.reset();
  link.presence.online = false;
  link.presence.offlineSince = now();
  link.dirty = true;
  return connection;
}

bool ControlHub::disconnect(store::Id hostId) {
  net::WsConnectionPtr connection = detach(hostId, nullptr);
  if (!connection) return false;
  connection->close();  // outside the lock: close() may call back into the hub
  spdlog::info("host {}: control channel closed by the server", hostId);
  return true;
}

std::size_t ControlHub::sweep() {
  std::vector<std::pair<store::Id, std::string>> live;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, link] : links_) {
      if (link.connection) live.emplace_back(id, link.fingerprint);
    }
  }
  if (live.empty()) return 0;
  // One query for every connected host: one per host took the store's lock 25,000
  // times a second with 50,000 agents, between the report commits.
  std::unordered_map<store::Id, store::Host> hosts;
  try {
    std::vector<store::Id> ids;
    ids.reserve(live.size());
    for (const auto& l : live) ids.push_back(l.first);
    for (auto& h : store_.findHosts(ids)) hosts.emplace(h.id, std::move(h));
  } catch (const Error& e) {
    spdlog::warn("revocation sweep: hosts not checked: {}", e.what());
    return 0;
  }
  std::size_t closed = 0;
  store::Time t = now();
  for (const auto& [id, fingerprint] : live) {
    std::string why;
    auto found = hosts.find(id);
    const store::Host* host = found == hosts.end() ? nullptr : &found->second;
    if (!host || host->revoked) {
      why = "host revoked";
    } else if (fingerprint == host->certFingerprint) {
      if (host->certNotAfter <= t) why = "certificate expired";
    } else if (fingerprint == host->previousFingerprint) {
      if (host->previousNotAfter <= t) why = "certificate expired";
    } else {
      why = "certificate no longer the host's";
    }
    if (why.empty()) continue;
    net::WsConnectionPtr connection = detach(id, &fingerprint);
    if (!connection) continue;
    spdlog::info("host {}: closing its control channel ({})", id, why);
    connection->close();
    ++closed;
  }
  return closed;
}

void ControlHub::reportAnchors(store::Id hostId, std::vector<std::string> fingerprints) {
  if (fingerprints.empty()) return;
  std::lock_guard lock(mutex_);
  anchors_[hostId] = std::move(fingerprints);
}

std::unordered_map<store::Id, std::vector<std::string>> ControlHub::reportedAnchors() {
  std::lock_guard lock(mutex_);
  return anchors_;
}

void ControlHub::sweeperLoop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, sweepInterval_, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    sweep();
    lock.lock();
  }
}

}  // namespace parc::server::control
