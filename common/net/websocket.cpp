#include "common/net/websocket.h"

#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <deque>
#include <mutex>

#include "common/error.h"
#include "common/net/log_errors.h"
#include "common/net/ws_channel.h"

namespace parc::net {

using asio::awaitable;
using asio::use_awaitable;
using detail::logErrors;
namespace websocket = beast::websocket;

void WsConnection::sendBinary(std::string, std::function<void()>) {
  throw Error(ErrorKind::kInternal, "this connection carries text messages only");
}

namespace {

// What a connection's read buffer may keep between messages (a report is ~2 KB).
constexpr std::size_t kKeptReadBufferBytes = 64 * 1024;

std::string describeEnd(const beast::error_code& ec, const std::string& peerReason) {
  if (ec == websocket::error::closed)
    return "closed by peer" + (peerReason.empty() ? "" : ": " + peerReason);
  if (ec == asio::error::operation_aborted) return "closed";
  if (ec == beast::error::timeout) return "timeout (no traffic from peer)";
  return ec.message();
}

// One WebSocket, server or client side: a reader coroutine and a single writer coroutine
// that owns the queue and sends the close frame (Beast allows one write and the close
// at most in flight).
class WsChannel : public detail::Stoppable,
                  public WsConnection,
                  public std::enable_shared_from_this<WsChannel> {
 public:
  WsChannel(TlsStream stream, WsHandlers handlers, WsLimits limits, asio::any_io_executor callbacks,
            std::function<void()> onEnd, std::shared_ptr<void> owner = nullptr)
      : owner_(std::move(owner)),
        ws_(std::move(stream)),
        handlers_(std::move(handlers)),
        limits_(limits),
        callbacks_(std::move(callbacks)),
        onEnd_(std::move(onEnd)),
        wake_(ws_.get_executor()),
        caughtUp_(ws_.get_executor()) {
    wake_.expires_at(asio::steady_timer::time_point::max());
  }

  ~WsChannel() override {
    if (onEnd_) onEnd_();
  }

  void send(std::string text) override { enqueue(Outgoing{std::move(text), false, {}}); }

  void sendBinary(std::string bytes, std::function<void()> onSent) override {
    enqueue(Outgoing{std::move(bytes), true, std::move(onSent)});
  }

  std::size_t queuedBytes() const override { return queuedBytes_.load(); }

  // The user's calls hold the channel weakly on their way: while connected, the channel's
  // own coroutines keep it; once they are gone, a message to nobody must not keep it (and
  // its client's I/O context) alive from a queue that will never run.
  void close() override {
    asio::post(ws_.get_executor(), [weak = weak_from_this()] {
      if (auto self = weak.lock()) {
        self->closing_ = true;
        self->wake_.cancel_one();
      }
    });
  }

  void stop() override { close(); }

  awaitable<void> serve(http::request<http::string_body> request) {
    configure(beast::role_type::server);
    // Browsers may offer sub-protocols (noVNC: "binary"); echo that one only.
    std::string offered(request[http::field::sec_websocket_protocol]);
    if (offered.find("binary") != std::string::npos) {
      ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
        res.set(http::field::server, "parc");
        res.set(http::field::sec_websocket_protocol, "binary");
      }));
    }
    beast::error_code ec;
    co_await ws_.async_accept(request, asio::redirect_error(use_awaitable, ec));
    if (ec) {
      end("handshake failed: " + ec.message());
      co_return;
    }
    co_await session();
  }

  awaitable<void> connect(std::string host, std::string path) {
    configure(beast::role_type::client);
    beast::error_code ec;
    co_await ws_.async_handshake(host, path, asio::redirect_error(use_awaitable, ec));
    if (ec) {
      end("upgrade refused: " + ec.message());
      co_return;
    }
    co_await session();
  }

  const std::string& reason() const { return reason_; }
  auto executor() { return ws_.get_executor(); }

 private:
  void configure(beast::role_type role) {
    // The WebSocket's own timeouts replace the HTTP stream's.
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout t{};
    t.handshake_timeout = limits_.handshakeTimeout;
    t.idle_timeout = limits_.idleTimeout;
    t.keep_alive_pings = true;
    ws_.set_option(t);
    ws_.read_message_max(limits_.maxMessageBytes);
    if (role == beast::role_type::server) {
      ws_.set_option(websocket::stream_base::decorator(
          [](websocket::response_type& res) { res.set(http::field::server, "parc"); }));
    } else {
      ws_.set_option(websocket::stream_base::decorator(
          [headers = extraHeaders_](websocket::request_type& req) {
            for (const auto& [name, value] : headers) req.set(name, value);
          }));
    }
    std::weak_ptr<WsChannel> weak = weak_from_this();
    ws_.control_callback([weak](websocket::frame_type, beast::string_view) {
      if (auto self = weak.lock()) self->activity();
    });
  }

  void activity() {
    if (!handlers_.onActivity) return;
    asio::post(callbacks_, [self = shared_from_this()] { self->handlers_.onActivity(); });
  }

  awaitable<void> session() {
    auto self = shared_from_this();
    asio::post(callbacks_, [self] {
      if (self->handlers_.onOpen) self->handlers_.onOpen(self);
    });
    asio::co_spawn(
        ws_.get_executor(), [self] { return self->writer(); }, logErrors("websocket writer"));
    beast::flat_buffer buffer;
    beast::error_code ec;
    for (;;) {
      co_await handlersCaughtUp();
      co_await ws_.async_read(buffer, asio::redirect_error(use_awaitable, ec));
      if (ec) break;
      std::string text = beast::buffers_to_string(buffer.data());
      buffer.consume(buffer.size());
      // A channel lives for days and most of its messages are small: after a large one (a
      // full inventory, ~350 KB) the buffer would keep that size for good, and 10,000
      // channels that each received one would hold gigabytes (docs/benchmarks.md).
      if (buffer.capacity() > kKeptReadBufferBytes) buffer.shrink_to_fit();
      bool binary = ws_.got_binary();
      if (binary && !handlers_.onBinary) {
        end("binary message on a text-only channel");
        break;
      }
      // A message's activity goes in the same callback as the message: one hand-off to
      // the channel strand per message, not two (a wake-up of a pool thread each).
      std::size_t size = text.size();
      unhandledBytes_ += size;
      asio::post(callbacks_, [self, binary, size, text = std::move(text)] {
        const WsHandlers& h = self->handlers_;
        if (h.onActivity) h.onActivity();
        const auto& onData = binary ? h.onBinary : h.onMessage;
        if (onData) onData(text);
        self->handled(size);
      });
    }
    end(describeEnd(ec, std::string(ws_.reason().reason.c_str())));
  }

  // On the handlers' strand. The reader is woken (a hand-off to its executor) only when it
  // waits: most messages are handled while it reads on, and cost no second hand-off.
  void handled(std::size_t bytes) {
    unhandledBytes_ -= bytes;
    if (readerWaiting_)
      asio::post(ws_.get_executor(), [self = shared_from_this()] { self->caughtUp_.cancel(); });
  }

  // Woken as this channel's messages are handled. Not reading meanwhile, it answers no
  // ping either: a pause past the idle timeout ends the channel, as a hung peer would.
  awaitable<void> handlersCaughtUp() {
    beast::error_code ec;
    while (unhandledBytes_ > limits_.maxUnhandledBytes) {
      caughtUp_.expires_at(asio::steady_timer::time_point::max());
      readerWaiting_ = true;
      // Looked at again with the flag up: a message handled in between is seen here, or
      // its handled() sees the flag and wakes the wait.
      if (unhandledBytes_ <= limits_.maxUnhandledBytes) {
        readerWaiting_ = false;
        break;
      }
      co_await caughtUp_.async_wait(asio::redirect_error(use_awaitable, ec));
      readerWaiting_ = false;
    }
  }

  void end(std::string reason) {
    if (ended_) return;
    ended_ = true;
    reason_ = std::move(reason);
    wake_.cancel_one();
    asio::post(callbacks_, [self = shared_from_this()] {
      if (self->handlers_.onClose) self->handlers_.onClose(self->reason_);
    });
  }

  awaitable<void> writer() {
    auto self = shared_from_this();
    beast::error_code ec;
    for (;;) {
      if (queue_.empty()) {
        if (closing_ || ended_) break;
        co_await wake_.async_wait(asio::redirect_error(use_awaitable, ec));
        continue;
      }
      Outgoing message = std::move(queue_.front());
      queue_.pop_front();
      ws_.binary(message.binary);
      co_await ws_.async_write(asio::buffer(message.data), asio::redirect_error(use_awaitable, ec));
      queuedBytes_ -= message.data.size();
      if (message.onSent) message.onSent();
      if (ec) {
        dropQueue();
        co_return;
      }
    }
    dropQueue();
    if (!ended_) {
      co_await ws_.async_close(websocket::close_reason(websocket::close_code::going_away),
                               asio::redirect_error(use_awaitable, ec));
    }
  }

  struct Outgoing {
    std::string data;
    bool binary = false;
    std::function<void()> onSent;
  };

  void enqueue(Outgoing message) {
    queuedBytes_ += message.data.size();
    asio::post(ws_.get_executor(), [weak = weak_from_this(), m = std::move(message)]() mutable {
      auto self = weak.lock();
      if (!self) {
        if (m.onSent) m.onSent();
        return;
      }
      if (self->closing_ || self->ended_) {
        self->queuedBytes_ -= m.data.size();
        if (m.onSent) m.onSent();
        return;
      }
      if (self->queue_.size() >= self->limits_.maxQueuedMessages) {
        spdlog::warn("websocket: peer too slow ({} messages queued); closing", self->queue_.size());
        self->closing_ = true;
        self->queuedBytes_ -= m.data.size();
        if (m.onSent) m.onSent();
      } else {
        self->queue_.push_back(std::move(m));
      }
      self->wake_.cancel_one();
    });
  }

  // Messages that will never be written still release whoever waits for them.
  void dropQueue() {
    while (!queue_.empty()) {
      Outgoing m = std::move(queue_.front());
      queue_.pop_front();
      queuedBytes_ -= m.data.size();
      if (m.onSent) m.onSent();
    }
  }

 public:
  void setExtraHeaders(std::vector<std::pair<std::string, std::string>> headers) {
    extraHeaders_ = std::move(headers);
  }

 private:
  // Declared first, so released last: what owns the I/O context ws_ is registered with
  // (the client's; null on the server, whose event loop outlives every channel). A
  // connection kept by its user after the client is gone must still close cleanly.
  std::shared_ptr<void> owner_;
  websocket::stream<TlsStream> ws_;
  std::vector<std::pair<std::string, std::string>> extraHeaders_;
  std::atomic<std::size_t> queuedBytes_{0};
  WsHandlers handlers_;
  WsLimits limits_;
  asio::any_io_executor callbacks_;
  std::function<void()> onEnd_;
  asio::steady_timer wake_;
  std::deque<Outgoing> queue_;
  // Bytes of the messages posted to the handlers and not yet handled; whether the reader
  // waits for them (handlersCaughtUp).
  std::atomic<std::size_t> unhandledBytes_{0};
  std::atomic<bool> readerWaiting_{false};
  asio::steady_timer caughtUp_;
  bool closing_ = false;
  bool ended_ = false;
  std::string reason_;
};

}  // namespace

namespace detail {

std::shared_ptr<Stoppable> startServerChannel(TlsStream stream,
                                              http::request<http::string_body> request,
                                              WsHandlers handlers, WsLimits limits,
                                              asio::any_io_executor callbacks,
                                              std::function<void()> onEnd) {
  auto channel = std::make_shared<WsChannel>(std::move(stream), std::move(handlers), limits,
                                             std::move(callbacks), std::move(onEnd));
  asio::co_spawn(
      channel->executor(),
      [channel, request = std::move(request)]() mutable {
        return channel->serve(std::move(request));
      },
      logErrors("websocket session"));
  return channel;
}

}  // namespace detail

// The client's I/O context. What a stopped run() leaves queued holds the client's state,
// which holds this context: stop()'s 3-second timer (its handler keeps the state), the
// channel's suspended coroutines (the channel keeps the state, so that a connection its
// user keeps never outlives this context). That cycle kept every client stopped by its
// owner alive, with asio's resolver thread: one thread per connection of a
// `parcctl remote tunnel` left open, one per redial of the agent after a certificate
// renewal. abandonPending() destroys the queue (and joins that thread) once run() has
// returned for good.
class ClientIo : public asio::io_context {
 public:
  void abandonPending() { shutdown(); }
};

struct WsClient::Impl : std::enable_shared_from_this<WsClient::Impl> {
  WsClientOptions options;
  ClientIo io;
  asio::ssl::context ssl;
  std::mutex mutex;
  std::shared_ptr<WsChannel> channel;
  bool stopped = false;
  std::string reason;

  explicit Impl(WsClientOptions o) : options(std::move(o)), ssl(upRef(options.tls->native())) {}

  static SSL_CTX* upRef(SSL_CTX* ctx) {
    SSL_CTX_up_ref(ctx);  // asio::ssl::context frees what it wraps
    return ctx;
  }

  awaitable<void> connect(WsHandlers handlers) {
    const Endpoint& server = options.server;
    tcp::resolver resolver(io);
    TlsStream stream(io, ssl);
    auto& lowest = beast::get_lowest_layer(stream);
    detail::expectServerName(stream.native_handle(), server.host);
    beast::error_code ec;
    auto results = co_await resolver.async_resolve(server.host, std::to_string(server.port),
                                                   asio::redirect_error(use_awaitable, ec));
    if (ec) {
      reason = "cannot resolve " + server.host + ": " + ec.message();
      co_return;
    }
    lowest.expires_after(options.limits.handshakeTimeout);
    co_await lowest.async_connect(results, asio::redirect_error(use_awaitable, ec));
    if (ec) {
      reason = "cannot connect to " + server.toString() + ": " + ec.message();
      co_return;
    }
    co_await stream.async_handshake(asio::ssl::stream_base::client,
                                    asio::redirect_error(use_awaitable, ec));
    if (ec) {
      reason = "TLS with " + server.toString() +
               " failed: " + detail::describeTlsFailure(stream.native_handle(), ec);
      co_return;
    }
    auto channel =
        std::make_shared<WsChannel>(std::move(stream), std::move(handlers), options.limits,
                                    io.get_executor(), nullptr, shared_from_this());
    channel->setExtraHeaders(options.headers);
    {
      std::lock_guard lock(mutex);
      if (stopped) co_return;
      this->channel = channel;
    }
    bool v6 = server.host.find(':') != std::string::npos;
    std::string host =
        (v6 ? "[" + server.host + "]" : server.host) + ":" + std::to_string(server.port);
    co_await channel->connect(host, options.path);
    reason = channel->reason();
    // Over (or refused): leftover timers (Beast's handshake timeout) must not hold run();
    // posted last, so the handlers' pending callbacks (onClose) run first.
    asio::post(io, [this] { io.stop(); });
  }
};

WsClient::WsClient(WsClientOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {}

WsClient::~WsClient() {
  impl_->io.abandonPending();
}

std::string WsClient::run(const WsHandlers& handlers) {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopped) return "stopped";
  }
  impl_->io.restart();
  asio::co_spawn(impl_->io, impl_->connect(handlers), [impl = impl_](const std::exception_ptr& e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      impl->reason = ex.what();
    }
  });
  impl_->io.run();
  std::lock_guard lock(impl_->mutex);
  impl_->channel.reset();
  return impl_->stopped ? "stopped" : impl_->reason;
}

void WsClient::stop() {
  std::lock_guard lock(impl_->mutex);
  impl_->stopped = true;
  if (impl_->channel) {
    impl_->channel->close();
    // A peer that never answers the close frame must not hold the caller.
    auto impl = impl_;
    asio::post(impl_->io, [impl] {
      auto timer = std::make_shared<asio::steady_timer>(impl->io, std::chrono::seconds(3));
      timer->async_wait([impl, timer](const beast::error_code& ec) {
        if (!ec) impl->io.stop();
      });
    });
  } else {
    impl_->io.stop();
  }
}

}  // namespace parc::net
