#include "agent/control/control_channel.h"

#include <spdlog/spdlog.h>

#include <ctime>
#include <random>
#include <utility>

#include "agent/transport/renewal.h"
#include "common/crypto/hash.h"
#include "common/error.h"
#include "common/protocol/stream.h"
#include "common/thread/thread_name.h"
#include "common/version.h"

namespace parc::agent::control {

namespace {

std::int64_t uniform(std::int64_t lo, std::int64_t hi) {
  static thread_local std::mt19937_64 gen{std::random_device{}()};
  return std::uniform_int_distribution<std::int64_t>(lo, std::max(lo, hi))(gen);
}
}  // namespace

ControlChannel::ControlChannel(const transport::Identity& identity, CommandRegistry commands,
                               ChannelTiming timing)
    : commands_(std::move(commands)), timing_(timing) {
  options_.server = net::parseUrl(identity.server);
  options_.path = "/api/v1/control";
  options_.tls = transport::clientTls(identity);
  options_.limits.idleTimeout = timing_.idleTimeout;
  anchors_ = transport::anchorFingerprints(identity.caBundlePem);
}

void ControlChannel::setIdentity(const transport::Identity& identity) {
  auto tls = transport::clientTls(identity);
  auto anchors = transport::anchorFingerprints(identity.caBundlePem);
  std::shared_ptr<net::WsClient> current;
  {
    std::lock_guard lock(mutex_);
    options_.server = net::parseUrl(identity.server);
    options_.tls = std::move(tls);
    anchors_ = std::move(anchors);
    redialNow_ = true;
    current = client_;
  }
  if (current) current->stop();
  wake_.notify_all();
}

ControlChannel::~ControlChannel() {
  stop();
}

void ControlChannel::start() {
  thread_ = namedThread("control", [this] { loop(); });
}

void ControlChannel::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    if (client_) client_->stop();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  // A running script or action ends within its own timeout.
  std::vector<Aside> aside;
  {
    std::lock_guard lock(mutex_);
    aside.swap(aside_);
  }
  for (auto& a : aside) a.thread.join();
}

std::chrono::milliseconds ControlChannel::retryDelay(int attempt) {
  if (attempt == 0)
    return std::chrono::milliseconds(
        uniform(timing_.minFirstRetry.count(), timing_.maxFirstRetry.count()));
  auto ceiling = std::min<std::int64_t>(
      timing_.maxRetry.count(), timing_.maxFirstRetry.count() * (1LL << std::min(attempt, 16)));
  return std::chrono::milliseconds(uniform(timing_.minFirstRetry.count(), ceiling));
}

void ControlChannel::handle(const net::WsConnectionPtr& connection, const std::string& text) {
  protocol::Reply reply;
  try {
    Json message = parseJson(text);
    std::string type = protocol::controlType(message);
    if (streams_ && protocol::isStreamMessage(type)) {
      streams_->handleMessage(message);
      return;
    }
    if (type == "report_ack") {
      answered(protocol::reportAckFromJson(message));
      return;
    }
    if (type != "command") return;
    auto command = protocol::commandFromJson(message);
    if (commands_.isSlow(command.name) && runAside(connection, command)) return;
    reply = commands_.dispatch(command, std::time(nullptr));
    spdlog::info("command {} ({}): {}", command.name, command.id, reply.status);
  } catch (const Error& e) {
    spdlog::warn("malformed control message ignored: {}", e.what());
    return;
  }
  connection->send(protocol::toJson(reply).dump(-1, ' ', false, Json::error_handler_t::replace));
}

std::optional<protocol::ReportAck> ControlChannel::report(const Json& batch,
                                                          std::chrono::milliseconds timeout) {
  protocol::Report report{crypto::uuid4(), batch};
  std::string text = protocol::toJson(report).dump(-1, ' ', false, Json::error_handler_t::replace);
  // Large batches (a full inventory) go compressed over HTTPS; the server takes
  // control messages of up to 1 MiB.
  constexpr std::size_t kMaxReportBytes = 768 * 1024;
  if (text.size() > kMaxReportBytes) return std::nullopt;
  std::unique_lock lock(mutex_);
  if (!open_ || stopping_) return std::nullopt;
  auto connection = open_;
  reports_.emplace(report.id, std::nullopt);
  connection->send(std::move(text));
  bool answered = reportAnswered_.wait_for(lock, timeout, [this, &report] {
    auto it = reports_.find(report.id);
    return it == reports_.end() || it->second.has_value();
  });
  auto it = reports_.find(report.id);
  std::optional<protocol::ReportAck> ack;
  if (it != reports_.end()) {
    ack = std::move(it->second);
    reports_.erase(it);
  }
  if (!answered) spdlog::info("control channel: no answer to a report in {} ms", timeout.count());
  return ack;
}

void ControlChannel::answered(protocol::ReportAck ack) {
  {
    std::lock_guard lock(mutex_);
    auto it = reports_.find(ack.id);
    if (it == reports_.end()) return;  // given up on already: the batch went another way
    it->second = std::move(ack);
  }
  reportAnswered_.notify_all();
}

// The connection ended: reports waiting on it get no answer (erased, so they return).
void ControlChannel::dropReports() {
  {
    std::lock_guard lock(mutex_);
    open_.reset();
    std::erase_if(reports_, [](const auto& r) { return !r.second.has_value(); });
  }
  reportAnswered_.notify_all();
}

bool ControlChannel::runAside(const net::WsConnectionPtr& connection,
                              const protocol::Command& command) {
  std::lock_guard lock(mutex_);
  // Finished threads are joined here, so the list stays as long as what runs.
  std::erase_if(aside_, [](Aside& a) {
    if (!a.done->load()) return false;
    a.thread.join();
    return true;
  });
  if (aside_.size() >= kMaxAside || stopping_) return false;  // run inline: slow, but answered
  auto done = std::make_shared<std::atomic<bool>>(false);
  aside_.push_back(
      {namedThread("command",
                   [this, connection, command, done] {
                     protocol::Reply reply = commands_.dispatch(command, std::time(nullptr));
                     spdlog::info("command {} ({}): {}", command.name, command.id, reply.status);
                     connection->send(protocol::toJson(reply).dump(-1, ' ', false,
                                                                   Json::error_handler_t::replace));
                     *done = true;
                   }),
       done});
  return true;
}

void ControlChannel::loop() {
  int attempt = 0;
  for (;;) {
    std::shared_ptr<net::WsClient> client;
    Json hello = protocol::toJson(protocol::Hello{parc::version()});
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      client = std::make_shared<net::WsClient>(options_);
      client_ = client;
      redialNow_ = false;
      // What this agent trusts: the administrator promotes a new CA once all know it.
      hello["trust_anchors"] = anchors_;
    }
    auto openedAt = std::chrono::steady_clock::now();
    net::WsHandlers handlers;
    net::WsConnectionPtr current;
    handlers.onOpen = [this, &current, &hello](net::WsConnectionPtr c) {
      connected_ = true;
      current = c;
      spdlog::info("control channel connected");
      c->send(hello.dump());
      {
        std::lock_guard lock(mutex_);
        open_ = c;
      }
      if (streams_) streams_->attach(c);
    };
    handlers.onBinary = [this](const std::string& frame) {
      if (streams_) streams_->handleBinary(frame);
    };
    handlers.onMessage = [this, &current](const std::string& text) { handle(current, text); };
    std::string reason = client->run(handlers);
    dropReports();
    if (streams_) streams_->detach();
    bool wasConnected = connected_.exchange(false);
    bool redial = false;
    {
      std::lock_guard lock(mutex_);
      client_.reset();
      if (stopping_) return;
      redial = std::exchange(redialNow_, false);
    }
    if (redial) {
      spdlog::info("control channel: reconnecting with the updated identity");
      continue;
    }
    // A connection that lived a while starts the backoff over.
    if (wasConnected && std::chrono::steady_clock::now() - openedAt > std::chrono::seconds(60))
      attempt = 0;
    auto delay = retryDelay(attempt++);
    spdlog::info("control channel {}: {}; redialling in {:.1f} s",
                 wasConnected ? "lost" : "not connected", reason, delay.count() / 1000.0);
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, delay, [this] { return stopping_ || redialNow_; }) && stopping_)
      return;
  }
}

}  // namespace parc::agent::control
