#pragma once
// An HTTPS server on 127.0.0.1 (the test PKI's certificate, port chosen by the OS) that
// records every request and answers through the test's handler: the webhook, GLPI and
// other receivers the notifier and forwarding tests point the server at. Header-only,
// like test_pki.h, so any test target can share it.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/net/server.h"
#include "tests/common/test_pki.h"

namespace parc::testing {

class HttpsReceiver {
 public:
  using Handler = std::function<net::Response(const net::Request&)>;

  /// Answers every request with `status` and a JSON `body`.
  explicit HttpsReceiver(int status = 200, std::string body = "{}")
      : HttpsReceiver([status, body = std::move(body)](const net::Request&) {
          net::Response res;
          res.status = status;
          res.headers["content-type"] = "application/json";
          res.body = body;
          return res;
        }) {}

  explicit HttpsReceiver(Handler handler) : loop_(1, 1), handler_(std::move(handler)) {
    tls::ServerTlsConfig c;
    c.certificateChainPem = testPki().certPem;
    c.privateKeyPem = testPki().keyPem;
    server_ = std::make_unique<net::HttpsServer>(loop_, "receiver", "127.0.0.1", 0,
                                                 tls::TlsContext::server(c), net::ServerLimits{},
                                                 [this](const net::Request& r) {
                                                   {
                                                     std::lock_guard lock(mutex_);
                                                     requests_.push_back(r);
                                                   }
                                                   return handler_(r);
                                                 });
    thread_ = std::thread([this] { loop_.run(); });
  }
  ~HttpsReceiver() {
    loop_.stop(std::chrono::milliseconds(500));
    thread_.join();
  }
  HttpsReceiver(const HttpsReceiver&) = delete;
  HttpsReceiver& operator=(const HttpsReceiver&) = delete;

  std::string url(const std::string& path = "/") const {
    return "https://127.0.0.1:" + std::to_string(server_->port()) + path;
  }
  /// Every request received so far, oldest first.
  std::vector<net::Request> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  net::EventLoop loop_;
  Handler handler_;
  std::unique_ptr<net::HttpsServer> server_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<net::Request> requests_;
};

}  // namespace parc::testing
