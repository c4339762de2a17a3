#include "common/net/client.h"

#include <openssl/x509v3.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <vector>

#include "common/error.h"
#include "common/net/asio.h"
#include "common/net/tls_names.h"

namespace parc::net {

using asio::awaitable;
using asio::use_awaitable;

namespace {

constexpr std::size_t kMaxResponseBytes = 256 * 1024 * 1024;

}  // namespace

namespace detail {

// Server identity: the name (or address) we dialled must be in its certificate.
void expectServerName(SSL* ssl, const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (!ec) {
    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl, host.c_str());
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
  }
}

std::string describeTlsFailure(SSL* ssl, const beast::error_code& ec) {
  long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    return std::string("server certificate not trusted: ") + X509_verify_cert_error_string(verify);
  }
  return ec.message();
}

}  // namespace detail

namespace {

using detail::describeTlsFailure;
using detail::expectServerName;

http::request<http::string_body> buildRequest(const Endpoint& server, const Request& request,
                                              bool keepAlive) {
  http::request<http::string_body> req{http::string_to_verb(request.method), request.target, 11};
  bool v6 = server.host.find(':') != std::string::npos;
  req.set(http::field::host,
          (v6 ? "[" + server.host + "]" : server.host) + ":" + std::to_string(server.port));
  req.set(http::field::user_agent, std::string("parc/") + PARC_VERSION);
  for (const auto& [k, v] : request.headers) req.set(k, v);
  req.body() = request.body;
  req.keep_alive(keepAlive);
  req.prepare_payload();
  return req;
}

// Writes the request and reads the answer on either stream (TLS or plain TCP); the
// error is the read's, or the write's when both failed.
template <typename Stream>
awaitable<beast::error_code> writeThenRead(Stream& stream, beast::tcp_stream& lowest,
                                           http::request<http::string_body>& req,
                                           http::response_parser<http::string_body>& parser,
                                           beast::flat_buffer& buffer,
                                           std::chrono::seconds timeout) {
  lowest.expires_after(timeout);
  beast::error_code writeError;
  co_await http::async_write(stream, req, asio::redirect_error(use_awaitable, writeError));
  // Read even when the write failed: a server may answer (413) before taking the body.
  parser.body_limit(kMaxResponseBytes);
  lowest.expires_after(timeout);
  beast::error_code ec;
  co_await http::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
  if (ec && writeError) ec = writeError;
  co_return ec;
}

Response toResponse(http::response<http::string_body>& msg) {
  Response response;
  response.status = static_cast<int>(msg.result_int());
  for (const auto& field : msg) {
    std::string key(field.name_string());
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    response.headers[key] = std::string(field.value());
  }
  response.body = std::move(msg.body());
  return response;
}

// Runs one step to completion on the connection's own io_context (the clients are
// blocking, and a connection serves one caller at a time).
template <typename T>
T run(asio::io_context& io, awaitable<T> step) {
  std::optional<T> result;
  std::exception_ptr failure;
  io.restart();
  asio::co_spawn(io, std::move(step), [&](std::exception_ptr e, T r) {
    failure = e;
    if (!e) result = std::move(r);
  });
  io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

}  // namespace

namespace detail {
// One kept-alive TLS connection with its own io_context.
struct PooledConnection {
  explicit PooledConnection(asio::ssl::context& ctx) : stream(io, ctx) {}
  asio::io_context io;  // declared first: destroyed after the stream
  TlsStream stream;
  beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point idleSince;
};
}  // namespace detail

using detail::PooledConnection;

namespace {
// Idle connections older than this are closed, not reused: well under the server's
// idle timeout (60 s, common/net/server.h) and common NAT timeouts.
constexpr std::chrono::seconds kMaxIdle{20};
// Idle connections kept per client (more concurrent senders open and close extras).
constexpr std::size_t kMaxIdleConnections = 4;
}  // namespace

struct HttpsClient::Pool {
  explicit Pool(SSL_CTX* native) : ctx((SSL_CTX_up_ref(native), native)) {}

  // The most recently used idle connection younger than kMaxIdle, or null.
  std::unique_ptr<PooledConnection> take() {
    std::lock_guard lock(mu);
    auto limit = std::chrono::steady_clock::now() - kMaxIdle;
    while (!idle.empty()) {
      auto c = std::move(idle.back());
      idle.pop_back();
      if (c->idleSince > limit) return c;
    }
    return nullptr;
  }

  void give(std::unique_ptr<PooledConnection> c) {
    auto now = std::chrono::steady_clock::now();
    c->idleSince = now;
    std::lock_guard lock(mu);
    std::erase_if(idle, [&](const auto& old) { return old->idleSince <= now - kMaxIdle; });
    if (idle.size() < kMaxIdleConnections) idle.push_back(std::move(c));
  }

  asio::ssl::context ctx;  // wraps the client's TlsContext (asio frees what it wraps)
  std::mutex mu;
  std::vector<std::unique_ptr<PooledConnection>> idle;
  std::atomic<std::size_t> opened{0};
};

namespace {

awaitable<int> tlsConnect(PooledConnection& c, Endpoint server, std::chrono::seconds timeout) {
  tcp::resolver resolver(c.io);
  auto& lowest = beast::get_lowest_layer(c.stream);
  expectServerName(c.stream.native_handle(), server.host);

  beast::error_code ec;
  auto results = co_await resolver.async_resolve(server.host, std::to_string(server.port),
                                                 asio::redirect_error(use_awaitable, ec));
  if (ec)
    throw Error(ErrorKind::kUnavailable, "cannot resolve " + server.host + ": " + ec.message());
  lowest.expires_after(timeout);
  co_await lowest.async_connect(results, asio::redirect_error(use_awaitable, ec));
  if (ec)
    throw Error(ErrorKind::kUnavailable,
                "cannot connect to " + server.toString() + ": " + ec.message());
  lowest.expires_after(timeout);
  co_await c.stream.async_handshake(asio::ssl::stream_base::client,
                                    asio::redirect_error(use_awaitable, ec));
  if (ec) {
    throw Error(ErrorKind::kUnavailable, "TLS with " + server.toString() + " failed: " +
                                             describeTlsFailure(c.stream.native_handle(), ec));
  }
  co_return 0;
}

struct Exchange {
  beast::error_code ec;
  std::string failure;           // describes ec
  bool responseStarted = false;  // some response bytes were read: never retried
  bool keepAlive = false;        // the server keeps the connection open
  Response response;
};

awaitable<Exchange> tlsExchange(PooledConnection& c, http::request<http::string_body>& req,
                                std::chrono::seconds timeout) {
  auto& lowest = beast::get_lowest_layer(c.stream);
  http::response_parser<http::string_body> parser;
  Exchange x;
  x.ec = co_await writeThenRead(c.stream, lowest, req, parser, c.buffer, timeout);
  x.responseStarted = parser.got_some();
  if (x.ec) {
    // TLS 1.3 reports a refused client certificate only once we read.
    x.failure = describeTlsFailure(c.stream.native_handle(), x.ec);
    co_return x;
  }
  x.keepAlive = parser.get().keep_alive();
  x.response = toResponse(parser.get());
  co_return x;
}

awaitable<int> tlsShutdown(PooledConnection& c) {
  // A missing close_notify is harmless here: bounded, errors ignored.
  beast::get_lowest_layer(c.stream).expires_after(std::chrono::seconds(2));
  beast::error_code ec;
  co_await c.stream.async_shutdown(asio::redirect_error(use_awaitable, ec));
  co_return 0;
}

// A reused connection that fails before any response byte, other than by our own
// deadline, was closed by the server while idle (or is otherwise dead).
bool deadWhileIdle(const Exchange& x) {
  return !x.responseStarted && x.ec != beast::error::timeout &&
         x.ec != asio::error::operation_aborted;
}

std::string plainName(const Endpoint& server) {
  bool v6 = server.host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + server.host + "]" : server.host) + ":" +
         std::to_string(server.port);
}

awaitable<Response> plainExchange(asio::io_context& io, Endpoint server, Request request,
                                  std::chrono::seconds timeout) {
  tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  const std::string name = plainName(server);

  beast::error_code ec;
  auto results = co_await resolver.async_resolve(server.host, std::to_string(server.port),
                                                 asio::redirect_error(use_awaitable, ec));
  if (ec)
    throw Error(ErrorKind::kUnavailable, "cannot resolve " + server.host + ": " + ec.message());
  stream.expires_after(timeout);
  co_await stream.async_connect(results, asio::redirect_error(use_awaitable, ec));
  if (ec) throw Error(ErrorKind::kUnavailable, "cannot connect to " + name + ": " + ec.message());

  auto req = buildRequest(server, request, false);
  http::response_parser<http::string_body> parser;
  beast::flat_buffer buffer;
  ec = co_await writeThenRead(stream, stream, req, parser, buffer, timeout);
  if (ec)
    throw Error(ErrorKind::kUnavailable, "exchange with " + name + " failed: " + ec.message());
  Response response = toResponse(parser.get());
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);  // the peer may be gone: harmless
  co_return response;
}

}  // namespace

HttpsClient::HttpsClient(Endpoint server, std::shared_ptr<tls::TlsContext> tls,
                         std::chrono::seconds timeout)
    : server_(std::move(server)),
      tls_(std::move(tls)),
      timeout_(timeout),
      pool_(std::make_shared<Pool>(tls_->native())) {}

std::size_t HttpsClient::connectionsOpened() const {
  return pool_->opened.load();
}

Response HttpsClient::send(const Request& request) const {
  auto req = buildRequest(server_, request, true);
  for (int attempt = 0;; ++attempt) {
    // Only the first attempt may reuse: the retry is on a fresh connection.
    std::unique_ptr<PooledConnection> conn = attempt == 0 ? pool_->take() : nullptr;
    const bool reused = conn != nullptr;
    if (!conn) {
      conn = std::make_unique<PooledConnection>(pool_->ctx);
      run(conn->io, tlsConnect(*conn, server_, timeout_));
      ++pool_->opened;
    }
    Exchange x = run(conn->io, tlsExchange(*conn, req, timeout_));
    if (!x.ec) {
      if (x.keepAlive) {
        pool_->give(std::move(conn));
      } else {
        run(conn->io, tlsShutdown(*conn));  // the server said Connection: close
      }
      return std::move(x.response);
    }
    if (reused && deadWhileIdle(x)) continue;
    throw Error(ErrorKind::kUnavailable,
                "exchange with " + server_.toString() + " failed: " + x.failure);
  }
}

HttpClient::HttpClient(Endpoint server, std::chrono::seconds timeout)
    : server_(std::move(server)), timeout_(timeout) {}

Response HttpClient::send(const Request& request) const {
  asio::io_context io;
  return run<Response>(io, plainExchange(io, server_, request, timeout_));
}

}  // namespace parc::net
