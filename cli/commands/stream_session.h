#pragma once
// A remote-support session socket seen from parcctl: `GET /api/v1/hosts/{id}/sessions/{kind}`
// with the session's bearer token, run on a thread of its own. Shared by `files`
// (file-get, file-put) and `remote` (terminal, tunnel); docs/remote-support.md, "Streams".
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "cli/commands/commands.h"
#include "common/net/websocket.h"

namespace parc::cli {

/// The socket's options: the server, CA pin and token of parcctl's session file (or
/// PARC_API_TOKEN), for `path` on the console listener.
net::WsClientOptions sessionSocketOptions(const Globals& g, const std::string& path);

/// One session socket. Binary messages from the host go to `onBinary` (on the socket's
/// thread); JSON messages (`ready`, `credit`, `end`) are kept for the waits below. For
/// the desktop kind there are none: the socket carries raw bytes only.
class StreamSession {
 public:
  struct Handlers {
    std::function<void(const std::string&)> onBinary;
    std::function<void()> onClosed;  // the socket ended, for whatever reason
  };
  StreamSession(net::WsClientOptions options, Handlers handlers);
  ~StreamSession();
  StreamSession(const StreamSession&) = delete;
  StreamSession& operator=(const StreamSession&) = delete;

  /// Waits for `ready` (true) or the end (false).
  bool waitReady();
  /// Waits for the `end` message; kUnavailable when the socket closed without one.
  Json waitEnd();
  /// The `end` message or the closing, without waiting.
  bool finished();
  /// Sends `bytes` within the credit the server grants (terminal, file-put).
  void send(std::string_view bytes);
  /// Sends bytes without credit (desktop: the server bounds it by its pending cap).
  void sendRaw(std::string bytes);
  void sendText(const Json& j);
  /// Waits until the socket is open (true) or ended (false).
  bool waitOpen();
  /// Closes the socket from any thread (the server then ends the session); the waits
  /// above return.
  void stop();

 private:
  void onMessage(const std::string& text);

  std::mutex mutex_;
  std::condition_variable cv_;
  net::WsConnectionPtr connection_;
  std::optional<Json> ready_, end_;
  std::int64_t credit_ = 0;
  std::string closeReason_;  // why the socket ended without an end message
  bool closed_ = false;
  Handlers handlers_;
  net::WsClient client_;
  std::thread thread_;
};

/// Throws with the end message's status and reason unless it is `ok`.
void failUnlessOk(const Json& end, const std::string& what);

}  // namespace parc::cli
