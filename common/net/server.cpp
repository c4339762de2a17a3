#include "common/net/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <latch>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "common/net/asio.h"
#include "common/net/log_errors.h"
#include "common/net/ws_channel.h"
#include "common/thread/thread_name.h"

namespace parc::net {

using asio::awaitable;
using asio::use_awaitable;
using detail::logErrors;

namespace {

bool isNormalEnd(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
         ec == beast::error::timeout || ec == asio::ssl::error::stream_truncated ||
         ec == asio::error::eof || ec == asio::error::connection_reset;
}

}  // namespace

struct EventLoop::Impl {
  asio::io_context io;
  asio::thread_pool workers;
  // Established WebSocket channels' messages: a burst of large ones (10,000 PCs' first
  // inventories) must not keep upgrades and requests waiting on the workers behind it.
  asio::thread_pool channels;
  int networkThreads;
  std::mutex mutex;
  std::vector<std::weak_ptr<HttpsServer::Impl>> servers;
  std::atomic<bool> stopping{false};
  asio::signal_set signals{io, SIGINT, SIGTERM};
  // Keeps run() going until stop(), even before any listener exists.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard{
      io.get_executor()};

  // The last no-op posted to a pool for the watchdog: when posted, when it ran (steady
  // clock ticks; ran < posted while it waits).
  struct Probe {
    std::atomic<std::chrono::steady_clock::rep> posted{now()}, ran{now()};
  };
  Probe networkProbe, workerProbe, channelProbe;

  Impl(int net, int work, int chan)
      : io(net),
        workers(static_cast<std::size_t>(work)),
        channels(static_cast<std::size_t>(chan)),
        networkThreads(net) {
    nameThreads(workers, work, "worker");
    nameThreads(channels, chan, "channel");
  }
  // Each of `count` tasks names the thread it runs on and holds it until all have
  // started: so every thread of the pool takes exactly one.
  static void nameThreads(asio::thread_pool& pool, int count, const char* name) {
    auto started = std::make_shared<std::latch>(count);
    for (int i = 0; i < count; ++i)
      asio::post(pool, [started, name] {
        nameThisThread(name);
        started->arrive_and_wait();
      });
  }
  static std::chrono::steady_clock::rep now() {
    return std::chrono::steady_clock::now().time_since_epoch().count();
  }
};

struct HttpsServer::Impl : std::enable_shared_from_this<HttpsServer::Impl> {
  class Session;

  EventLoop::Impl& loop;
  std::string name;
  std::shared_ptr<tls::TlsContext> tls;
  asio::ssl::context sslContext;
  ServerLimits limits;
  Handler handler;
  tcp::acceptor acceptor;

  std::mutex mutex;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
  std::unordered_map<std::string, std::size_t> perAddress;

  UpgradeHandler upgrade;
  WsLimits wsLimits;
  std::unordered_map<detail::Stoppable*, std::weak_ptr<detail::Stoppable>> channels;

  Impl(EventLoop::Impl& l, std::string n, std::shared_ptr<tls::TlsContext> t, ServerLimits lim,
       Handler h, UpgradeHandler u, WsLimits wl)
      : loop(l),
        name(std::move(n)),
        tls(std::move(t)),
        sslContext(upRef(tls->native())),
        limits(lim),
        handler(std::move(h)),
        acceptor(asio::make_strand(l.io)),
        upgrade(std::move(u)),
        wsLimits(wl) {}

  // asio::ssl::context frees the SSL_CTX it wraps; give it its own reference.
  static SSL_CTX* upRef(SSL_CTX* ctx) {
    SSL_CTX_up_ref(ctx);
    return ctx;
  }

  void listen(const std::string& address, std::uint16_t port);
  awaitable<void> acceptLoop();
  bool admit(const std::string& address);
  void release(Session* s, const std::string& address);
  void stop();
  std::size_t sessionCount() {
    std::lock_guard lock(mutex);
    return sessions.size() + channels.size();
  }
  void adoptChannel(TlsStream stream, http::request<http::string_body> request, WsHandlers handlers,
                    const std::string& address);
};

class HttpsServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<HttpsServer::Impl> server, tcp::socket socket, std::string address)
      : server_(std::move(server)),
        stream_(beast::tcp_stream(std::move(socket)), server_->sslContext),
        address_(std::move(address)) {}

  ~Session() { server_->release(this, address_); }

  awaitable<void> run();

  void stop() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      self->stopping_ = true;
      beast::get_lowest_layer(self->stream_).cancel();
    });
  }

  auto executor() { return stream_.get_executor(); }

 private:
  awaitable<Response> handleOnWorkers(Request request);
  awaitable<UpgradeDecision> upgradeOnWorkers(Request request);
  awaitable<void> writeResponse(Response response, bool keepAlive, unsigned version);
  awaitable<void> drainInput();
  static Response errorResponse(int status, const std::string& message);

  std::shared_ptr<HttpsServer::Impl> server_;
  TlsStream stream_;
  std::string address_;
  bool stopping_ = false;
  bool handedOver_ = false;  // the stream now belongs to a WebSocket channel
};

Response HttpsServer::Impl::Session::errorResponse(int status, const std::string& message) {
  Response r;
  r.status = status;
  r.headers["content-type"] = "application/json";
  r.body = R"({"error":")" + std::string(errorCode(kindFromHttpStatus(status))) +
           R"(","message":")" + message + "\"}";
  return r;
}

// Moves the handler call to the worker pool and resumes here with its response.
// Runs `work` on the worker pool and resumes the calling coroutine with its result;
// `work` must not throw.
template <typename Result, typename Work>
awaitable<Result> onWorkers(asio::thread_pool& pool, Work work) {
  auto initiate = [&pool, work = std::move(work)](auto completion) mutable {
    asio::post(pool, [work = std::move(work), completion = std::move(completion)]() mutable {
      Result result = work();
      auto ex = asio::get_associated_executor(completion);
      asio::dispatch(ex, [completion = std::move(completion),
                          result = std::move(result)]() mutable { completion(std::move(result)); });
    });
  };
  co_return co_await asio::async_initiate<decltype(use_awaitable), void(Result)>(
      std::move(initiate), use_awaitable);
}

awaitable<Response> HttpsServer::Impl::Session::handleOnWorkers(Request request) {
  auto work = [server = server_, req = std::move(request)]() -> Response {
    try {
      return server->handler(req);
    } catch (const std::exception& e) {
      spdlog::error("{}: handler failed on {} {}: {}", server->name, req.method, req.path(),
                    e.what());
      return errorResponse(500, "internal error");
    }
  };
  // The lambda is a named local: g++ 12 mishandles capturing temporaries in co_await.
  co_return co_await onWorkers<Response>(server_->loop.workers, std::move(work));
}

awaitable<UpgradeDecision> HttpsServer::Impl::Session::upgradeOnWorkers(Request request) {
  auto work = [server = server_, req = std::move(request)]() -> UpgradeDecision {
    try {
      return server->upgrade(req);
    } catch (const std::exception& e) {
      spdlog::error("{}: upgrade handler failed on {}: {}", server->name, req.path(), e.what());
      return UpgradeDecision{std::nullopt, errorResponse(500, "internal error")};
    }
  };
  co_return co_await onWorkers<UpgradeDecision>(server_->loop.workers, std::move(work));
}

awaitable<void> HttpsServer::Impl::Session::writeResponse(Response response, bool keepAlive,
                                                          unsigned version) {
  http::response<http::string_body> res{static_cast<http::status>(response.status), version};
  for (const auto& [k, v] : response.headers) res.set(k, v);
  res.body() = std::move(response.body);
  res.keep_alive(keepAlive);
  res.prepare_payload();
  beast::get_lowest_layer(stream_).expires_after(server_->limits.requestTimeout);
  beast::error_code ec;
  co_await http::async_write(stream_, res, asio::redirect_error(use_awaitable, ec));
  if (ec) stopping_ = true;
}

// Lingering close: after refusing a request early, read and discard what the client is
// still sending (bounded), so that closing does not reset the connection before the
// client has read our answer.
awaitable<void> HttpsServer::Impl::Session::drainInput() {
  constexpr std::size_t kMaxDrain = 64 * 1024 * 1024;
  beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
  std::vector<char> sink(64 * 1024);
  std::size_t total = 0;
  beast::error_code ec;
  while (!ec && total < kMaxDrain) {
    total += co_await stream_.async_read_some(asio::buffer(sink),
                                              asio::redirect_error(use_awaitable, ec));
  }
}

awaitable<void> HttpsServer::Impl::Session::run() {
  const ServerLimits& limits = server_->limits;
  auto& tcpStream = beast::get_lowest_layer(stream_);
  beast::error_code ec;

  tcpStream.expires_after(limits.handshakeTimeout);
  co_await stream_.async_handshake(asio::ssl::stream_base::server,
                                   asio::redirect_error(use_awaitable, ec));
  if (ec) {
    spdlog::info("{}: TLS handshake from {} refused: {}", server_->name, address_, ec.message());
    co_return;
  }
  tls::PeerCertificate peer = tls::describePeer(stream_.native_handle());

  beast::flat_buffer buffer;
  bool first = true;
  while (!stopping_) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(limits.maxBodyBytes);
    parser.header_limit(static_cast<std::uint32_t>(limits.maxHeaderBytes));

    // Wait for the next request's first bytes (idle), then bound the whole request,
    // headers included: a client dribbling its headers a byte at a time on a kept-alive
    // connection is cut after requestTimeout, as on a new one (not idle + request).
    if (!first && buffer.size() == 0) {
      tcpStream.expires_after(limits.idleTimeout);
      auto space = buffer.prepare(4096);
      std::size_t got =
          co_await stream_.async_read_some(space, asio::redirect_error(use_awaitable, ec));
      buffer.commit(got);
      if (!ec) {
        tcpStream.expires_after(limits.requestTimeout);
        co_await http::async_read(stream_, buffer, parser, asio::redirect_error(use_awaitable, ec));
      }
    } else {
      tcpStream.expires_after(limits.requestTimeout);
      co_await http::async_read(stream_, buffer, parser, asio::redirect_error(use_awaitable, ec));
    }
    first = false;
    if (ec == http::error::body_limit) {
      Response refusal =
          errorResponse(413, "request body too large");  // g++ 12: no temporaries in co_await
      co_await writeResponse(std::move(refusal), false, 11);
      co_await drainInput();
      break;
    }
    if (ec == http::error::header_limit) {
      Response refusal =
          errorResponse(431, "request headers too large");  // g++ 12: no temporaries in co_await
      co_await writeResponse(std::move(refusal), false, 11);
      break;
    }
    if (ec && isNormalEnd(ec)) break;
    if (ec) {
      spdlog::info("{}: bad request from {}: {}", server_->name, address_, ec.message());
      Response refusal =
          errorResponse(400, "malformed HTTP request");  // g++ 12: no temporaries in co_await
      co_await writeResponse(std::move(refusal), false, 11);
      break;
    }

    auto& msg = parser.get();
    Request request;
    request.method = std::string(msg.method_string());
    request.target = std::string(msg.target());
    for (const auto& field : msg) {
      std::string key(field.name_string());
      for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers[key] = std::string(field.value());
    }
    request.body = std::move(msg.body());
    request.remoteAddress = address_;
    request.peer = peer;
    bool keepAlive = msg.keep_alive();
    unsigned version = msg.version();

    if (beast::websocket::is_upgrade(msg)) {
      if (!server_->upgrade) {
        Response refusal = errorResponse(404, "no WebSocket here");
        co_await writeResponse(std::move(refusal), false, version);
        break;
      }
      UpgradeDecision decision = co_await upgradeOnWorkers(std::move(request));
      if (!decision.accept) {
        co_await writeResponse(std::move(decision.refusal), false, version);
        break;
      }
      server_->adoptChannel(std::move(stream_), parser.release(), std::move(*decision.accept),
                            address_);
      handedOver_ = true;
      co_return;
    }

    Response response = co_await handleOnWorkers(std::move(request));
    co_await writeResponse(std::move(response), keepAlive && !stopping_, version);
    if (!keepAlive) break;
  }

  // Stopping: close at once; an idle keep-alive client would not answer close_notify.
  if (handedOver_ || stopping_) co_return;
  // Bound close_notify: a silent peer must not hold shutdown.
  tcpStream.expires_after(std::chrono::seconds(2));
  co_await stream_.async_shutdown(asio::redirect_error(use_awaitable, ec));
}

void HttpsServer::Impl::listen(const std::string& address, std::uint16_t port) {
  beast::error_code ec;
  auto ip = asio::ip::make_address(address, ec);
  if (ec) throw Error(ErrorKind::kBadRequest, name + ": invalid listen address " + address);
  tcp::endpoint endpoint(ip, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && ip.is_v6()) acceptor.set_option(asio::ip::v6_only(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw Error(ErrorKind::kUnavailable, name + ": cannot listen on " + address + ":" +
                                             std::to_string(port) + ": " + ec.message());
  }
}

bool HttpsServer::Impl::admit(const std::string& address) {
  std::lock_guard lock(mutex);
  // Open channels hold their descriptors as sessions do: both count.
  if (loop.stopping || sessions.size() + channels.size() >= limits.maxConnections) return false;
  auto& count = perAddress[address];
  if (count >= limits.maxConnectionsPerAddress) return false;
  ++count;
  return true;
}

void HttpsServer::Impl::release(Session* s, const std::string& address) {
  std::lock_guard lock(mutex);
  sessions.erase(s);
  auto it = perAddress.find(address);
  if (it != perAddress.end() && --it->second == 0) perAddress.erase(it);
}

void HttpsServer::Impl::adoptChannel(TlsStream stream, http::request<http::string_body> request,
                                     WsHandlers handlers, const std::string& address) {
  {
    std::lock_guard lock(mutex);
    ++perAddress[address];  // the channel keeps the connection's slot
  }
  auto self = shared_from_this();
  auto holder = std::make_shared<detail::Stoppable*>(nullptr);
  auto channel = detail::startServerChannel(
      std::move(stream), std::move(request), std::move(handlers), wsLimits,
      asio::make_strand(loop.channels), [self, address, holder] {
        std::lock_guard lock(self->mutex);
        self->channels.erase(*holder);
        auto it = self->perAddress.find(address);
        if (it != self->perAddress.end() && --it->second == 0) self->perAddress.erase(it);
      });
  std::lock_guard lock(mutex);
  *holder = channel.get();
  channels[channel.get()] = channel;
}

awaitable<void> HttpsServer::Impl::acceptLoop() {
  auto self = shared_from_this();
  for (;;) {
    tcp::socket socket(asio::make_strand(loop.io));
    beast::error_code ec;
    co_await acceptor.async_accept(socket, asio::redirect_error(use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      // Out of descriptors or similar: pause briefly rather than spin.
      spdlog::warn("{}: accept failed: {}", name, ec.message());
      asio::steady_timer pause(socket.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto remote = socket.remote_endpoint(ec);
    std::string address = ec ? std::string("?") : remote.address().to_string();
    if (!admit(address)) {
      spdlog::warn("{}: connection from {} refused: connection limit reached", name, address);
      socket.close(ec);
      continue;
    }
    auto session = std::make_shared<Session>(self, std::move(socket), address);
    {
      std::lock_guard lock(mutex);
      sessions[session.get()] = session;
    }
    asio::co_spawn(
        session->executor(), [session] { return session->run(); }, logErrors(name + ": session"));
  }
}

void HttpsServer::Impl::stop() {
  asio::post(acceptor.get_executor(), [self = shared_from_this()] {
    beast::error_code ec;
    self->acceptor.close(ec);
  });
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(mutex);
    for (auto& [_, weak] : sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->stop();
  std::vector<std::shared_ptr<detail::Stoppable>> liveChannels;
  {
    std::lock_guard lock(mutex);
    for (auto& [_, weak] : channels) {
      if (auto c = weak.lock()) liveChannels.push_back(std::move(c));
    }
  }
  for (auto& c : liveChannels) c->stop();
}

HttpsServer::HttpsServer(EventLoop& loop, std::string name, const std::string& address,
                         std::uint16_t port, std::shared_ptr<tls::TlsContext> tls,
                         ServerLimits limits, Handler handler, UpgradeHandler upgrade,
                         WsLimits wsLimits)
    : impl_(std::make_shared<Impl>(loop.impl(), std::move(name), std::move(tls), limits,
                                   std::move(handler), std::move(upgrade), wsLimits)) {
  impl_->listen(address, port);
  {
    std::lock_guard lock(loop.impl().mutex);
    loop.impl().servers.push_back(impl_);
  }
  asio::co_spawn(
      impl_->acceptor.get_executor(), [impl = impl_] { return impl->acceptLoop(); },
      logErrors(impl_->name + ": accept loop"));
}

HttpsServer::~HttpsServer() {
  impl_->stop();
}

std::uint16_t HttpsServer::port() const {
  return impl_->acceptor.local_endpoint().port();
}

EventLoop::EventLoop(int networkThreads, int workerThreads, int channelThreads)
    : impl_(std::make_unique<Impl>(networkThreads, workerThreads, channelThreads)) {}

EventLoop::~EventLoop() {
  impl_->io.stop();
  impl_->workers.join();
  impl_->channels.join();
}

void EventLoop::run(const std::function<void(int)>& onSignal) {
  impl_->signals.async_wait([this, &onSignal](const beast::error_code& ec, int signal) {
    if (ec) return;
    if (onSignal) onSignal(signal);
    stop();
  });
  std::vector<std::thread> extra;
  for (int i = 1; i < impl_->networkThreads; ++i)
    extra.push_back(namedThread("net", [this] { impl_->io.run(); }));
  impl_->io.run();
  for (auto& t : extra) t.join();
  impl_->workers.join();
  impl_->channels.join();
}

namespace {

// Polls the listeners until their connections have drained or the grace period is over.
struct GraceWatch : std::enable_shared_from_this<GraceWatch> {
  asio::io_context& io;
  asio::steady_timer timer;
  std::vector<std::shared_ptr<HttpsServer::Impl>> servers;
  std::chrono::steady_clock::time_point deadline;

  GraceWatch(asio::io_context& i, std::vector<std::shared_ptr<HttpsServer::Impl>> s,
             std::chrono::milliseconds grace)
      : io(i),
        timer(i),
        servers(std::move(s)),
        deadline(std::chrono::steady_clock::now() + grace) {}

  void arm() {
    timer.expires_after(std::chrono::milliseconds(20));
    timer.async_wait([self = shared_from_this()](const beast::error_code& ec) {
      if (!ec) self->check();
    });
  }

  void check() {
    std::size_t open = 0;
    for (auto& s : servers) open += s->sessionCount();
    if (open == 0) return;
    if (std::chrono::steady_clock::now() >= deadline) {
      spdlog::warn("shutdown grace period over; closing {} remaining connection(s)", open);
      io.stop();
      return;
    }
    arm();
  }
};

}  // namespace

namespace {

// How long the pool took to run the last probe, or has been keeping it waiting; a new
// probe only once that one ran (a stuck pool is not flooded).
template <typename Executor, typename Probe>
std::chrono::steady_clock::rep probePool(Executor&& pool, Probe& probe,
                                         std::chrono::steady_clock::rep now) {
  auto posted = probe.posted.load(), ran = probe.ran.load();
  if (ran < posted) return now - posted;
  probe.posted = now;
  asio::post(pool, [&probe] { probe.ran = EventLoop::Impl::now(); });
  return ran - posted;
}

}  // namespace

std::chrono::steady_clock::duration EventLoop::probe() {
  auto now = Impl::now();
  return std::chrono::steady_clock::duration(
      std::max({probePool(impl_->io, impl_->networkProbe, now),
                probePool(impl_->workers, impl_->workerProbe, now),
                probePool(impl_->channels, impl_->channelProbe, now)}));
}

void EventLoop::stop(std::chrono::milliseconds grace) {
  if (impl_->stopping.exchange(true)) return;
  std::vector<std::shared_ptr<HttpsServer::Impl>> live;
  {
    std::lock_guard lock(impl_->mutex);
    for (auto& w : impl_->servers) {
      if (auto s = w.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->stop();
  asio::post(impl_->io, [this, live = std::move(live), grace]() mutable {
    beast::error_code ec;
    impl_->signals.cancel(ec);
    impl_->guard.reset();
    std::make_shared<GraceWatch>(impl_->io, std::move(live), grace)->arm();
  });
}

}  // namespace parc::net
