#pragma once
// A console WebSocket for tests and benchmarks: connects to
// /api/v1/hosts/{id}/sessions/{kind} with a bearer token or a cookie, collects what
// comes back (JSON text messages, binary bytes), and sends keystrokes or file bytes.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/json/json.h"
#include "common/net/websocket.h"

namespace parc::testing {

class ConsoleSocket {
 public:
  ConsoleSocket(const std::string& consoleUrl, const std::string& caFingerprint,
                const std::string& path, std::vector<std::pair<std::string, std::string>> headers) {
    net::WsClientOptions o;
    o.server = net::parseUrl(consoleUrl);
    o.path = path;
    tls::ClientTlsConfig t;
    t.pinnedFingerprint = caFingerprint;
    o.tls = tls::TlsContext::client(t);
    o.headers = std::move(headers);
    client_ = std::make_unique<net::WsClient>(o);
    net::WsHandlers h;
    h.onOpen = [this](net::WsConnectionPtr c) {
      std::lock_guard lock(mutex_);
      connection_ = std::move(c);
      cv_.notify_all();
    };
    h.onMessage = [this](const std::string& text) {
      std::lock_guard lock(mutex_);
      try {
        texts_.push_back(parseJson(text));
      } catch (const std::exception&) {
        texts_.push_back(Json{{"unparsable", text}});
      }
      cv_.notify_all();
    };
    h.onBinary = [this](const std::string& bytes) {
      std::lock_guard lock(mutex_);
      binary_ += bytes;
      binaryTotal_ += bytes.size();
      cv_.notify_all();
    };
    h.onClose = [this](const std::string&) {};
    thread_ = std::thread([this, h] {
      std::string reason = client_->run(h);
      std::lock_guard lock(mutex_);
      ended_ = true;
      reason_ = reason;
      cv_.notify_all();
    });
  }

  ~ConsoleSocket() {
    client_->stop();
    thread_.join();
  }

  /// Waits for a text message of this type (consumed from the list).
  std::optional<Json> waitType(const std::string& type, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    std::optional<Json> found;
    cv_.wait_for(lock, timeout, [&] {
      for (auto it = texts_.begin(); it != texts_.end(); ++it) {
        if (it->value("type", "") == type) {
          found = *it;
          texts_.erase(it);
          return true;
        }
      }
      return ended_;
    });
    if (!found) {
      for (auto it = texts_.begin(); it != texts_.end(); ++it) {
        if (it->value("type", "") == type) {
          found = *it;
          texts_.erase(it);
          break;
        }
      }
    }
    return found;
  }

  /// Waits until the binary output so far contains `needle`.
  bool waitOutput(const std::string& needle, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] {
      return binary_.find(needle) != std::string::npos || ended_;
    }) && binary_.find(needle) != std::string::npos;
  }

  bool waitBinaryBytes(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return binaryTotal_ >= n || ended_; }) &&
           binaryTotal_ >= n;
  }

  bool waitEnded(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return ended_; });
  }

  bool waitOpen(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return connection_ != nullptr || ended_; }) &&
           connection_ != nullptr;
  }

  void sendBinary(std::string bytes) { connection()->sendBinary(std::move(bytes)); }
  void sendText(const Json& j) { connection()->send(j.dump()); }
  void close() {
    if (auto c = connection()) c->close();
  }

  std::string output() {
    std::lock_guard lock(mutex_);
    return binary_;
  }
  void clearOutput() {
    std::lock_guard lock(mutex_);
    binary_.clear();
  }
  std::string endReason() {
    std::lock_guard lock(mutex_);
    return reason_;
  }
  bool ended() {
    std::lock_guard lock(mutex_);
    return ended_;
  }

 private:
  net::WsConnectionPtr connection() {
    std::lock_guard lock(mutex_);
    return connection_;
  }

  std::unique_ptr<net::WsClient> client_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  net::WsConnectionPtr connection_;
  std::vector<Json> texts_;
  std::string binary_;
  std::size_t binaryTotal_ = 0;
  bool ended_ = false;
  std::string reason_;
};

}  // namespace parc::testing
