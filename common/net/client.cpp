#include "common/net/client.h"

#include <openssl/x509v3.h>

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

http::request<http::string_body> buildRequest(const Endpoint& server, const Request& request) {
  http::request<http::string_body> req{http::string_to_verb(request.method), request.target, 11};
  bool v6 = server.host.find(':') != std::string::npos;
  req.set(http::field::host,
          (v6 ? "[" + server.host + "]" : server.host) + ":" + std::to_string(server.port));
  req.set(http::field::user_agent, std::string("parc/") + PARC_VERSION);
  for (const auto& [k, v] : request.headers) req.set(k, v);
  req.body() = request.body;
  req.keep_alive(false);
  req.prepare_payload();
  return req;
}

// Writes the request and reads the answer on either stream (TLS or plain TCP); the
// error is the read's, or the write's when both failed.
template <typename Stream>
awaitable<beast::error_code> writeThenRead(Stream& stream, beast::tcp_stream& lowest,
                                           http::request<http::string_body>& req,
                                           http::response_parser<http::string_body>& parser,
                                           std::chrono::seconds timeout) {
  lowest.expires_after(timeout);
  beast::error_code writeError;
  co_await http::async_write(stream, req, asio::redirect_error(use_awaitable, writeError));
  // Read even when the write failed: a server may answer (413) before taking the body.
  beast::flat_buffer buffer;
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

// Runs one exchange to completion on its own io_context (the clients are blocking).
Response run(asio::io_context& io, awaitable<Response> exchange) {
  Response result;
  std::exception_ptr failure;
  asio::co_spawn(io, std::move(exchange), [&](std::exception_ptr e, Response r) {
    failure = e;
    result = std::move(r);
  });
  io.run();
  if (failure) std::rethrow_exception(failure);
  return result;
}

awaitable<Response> tlsExchange(asio::io_context& io, asio::ssl::context& ctx, Endpoint server,
                                Request request, std::chrono::seconds timeout) {
  tcp::resolver resolver(io);
  TlsStream stream(io, ctx);
  auto& lowest = beast::get_lowest_layer(stream);
  expectServerName(stream.native_handle(), server.host);

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
  co_await stream.async_handshake(asio::ssl::stream_base::client,
                                  asio::redirect_error(use_awaitable, ec));
  if (ec) {
    throw Error(ErrorKind::kUnavailable, "TLS with " + server.toString() + " failed: " +
                                             describeTlsFailure(stream.native_handle(), ec));
  }

  auto req = buildRequest(server, request);
  http::response_parser<http::string_body> parser;
  ec = co_await writeThenRead(stream, lowest, req, parser, timeout);
  if (ec) {
    // TLS 1.3 reports a refused client certificate only once we read.
    throw Error(ErrorKind::kUnavailable, "exchange with " + server.toString() + " failed: " +
                                             describeTlsFailure(stream.native_handle(), ec));
  }
  Response response = toResponse(parser.get());

  // The server closes after responding; a missing close_notify is harmless here.
  lowest.expires_after(std::chrono::seconds(2));
  co_await stream.async_shutdown(asio::redirect_error(use_awaitable, ec));
  co_return response;
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

  auto req = buildRequest(server, request);
  http::response_parser<http::string_body> parser;
  ec = co_await writeThenRead(stream, stream, req, parser, timeout);
  if (ec)
    throw Error(ErrorKind::kUnavailable, "exchange with " + name + " failed: " + ec.message());
  Response response = toResponse(parser.get());
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);  // the peer may be gone: harmless
  co_return response;
}

}  // namespace

HttpsClient::HttpsClient(Endpoint server, std::shared_ptr<tls::TlsContext> tls,
                         std::chrono::seconds timeout)
    : server_(std::move(server)), tls_(std::move(tls)), timeout_(timeout) {}

Response HttpsClient::send(const Request& request) const {
  asio::io_context io;
  SSL_CTX_up_ref(tls_->native());  // asio::ssl::context frees what it wraps
  asio::ssl::context ctx(tls_->native());
  return run(io, tlsExchange(io, ctx, server_, request, timeout_));
}

HttpClient::HttpClient(Endpoint server, std::chrono::seconds timeout)
    : server_(std::move(server)), timeout_(timeout) {}

Response HttpClient::send(const Request& request) const {
  asio::io_context io;
  return run(io, plainExchange(io, server_, request, timeout_));
}

}  // namespace parc::net
