// File transfer through the server: `parcctl files get HOST REMOTE LOCAL` and `parcctl
// files put HOST LOCAL REMOTE`. The bytes go over a console WebSocket relayed to the
// agent; SHA-256 is computed here and compared with the agent's, end to end.
#include "common/files/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <condition_variable>
#include <iostream>
#include <mutex>

#include "cli/api_client.h"
#include "cli/commands/commands.h"
#include "common/crypto/hash.h"
#include "common/error.h"
#include "common/net/websocket.h"
#include "common/protocol/stream.h"

namespace parc::cli {

namespace {

struct Transfer {
  std::mutex mutex;
  std::condition_variable cv;
  net::WsConnectionPtr connection;
  std::optional<Json> ready, end;
  std::int64_t credit = 0;
  std::string refusal;  // why the upgrade ended without an end message
  bool closed = false;
};

net::WsClientOptions socketOptions(const Globals& g, const std::string& path) {
  SessionFile s = g.session();
  if (const char* token = std::getenv("PARC_API_TOKEN"); token && *token) s.token = token;
  if (s.server.empty())
    throw Error(ErrorKind::kBadRequest, "no server: run `parcctl login --server https://…` first");
  net::WsClientOptions o;
  o.server = net::parseUrl(s.server);
  o.path = path;
  tls::ClientTlsConfig t;
  t.pinnedFingerprint = s.caFingerprint;
  if (!s.caFile.empty()) t.caBundlePem = files::read(s.caFile);
  o.tls = tls::TlsContext::client(t);
  o.headers = {{"Authorization", "Bearer " + s.token}};
  return o;
}

// Runs the socket on a thread; `onBinary` receives downloaded bytes.
class Session {
 public:
  Session(net::WsClientOptions options, std::function<void(const std::string&)> onBinary)
      : client_(std::move(options)) {
    net::WsHandlers h;
    h.onOpen = [this](net::WsConnectionPtr c) {
      std::lock_guard lock(t_.mutex);
      t_.connection = std::move(c);
    };
    h.onMessage = [this](const std::string& text) {
      Json m = parseJson(text);
      std::lock_guard lock(t_.mutex);
      std::string type = m.value("type", "");
      if (type == "ready") {
        t_.ready = m;
        t_.credit += m.value("window", 0);
      } else if (type == "credit") {
        t_.credit += m.value("bytes", 0);
      } else if (type == "end") {
        t_.end = m;
      }
      t_.cv.notify_all();
    };
    h.onBinary = std::move(onBinary);
    thread_ = std::thread([this, h] {
      std::string reason = client_.run(h);
      std::lock_guard lock(t_.mutex);
      t_.closed = true;
      t_.refusal = reason;
      t_.cv.notify_all();
    });
  }
  ~Session() {
    client_.stop();
    thread_.join();
  }

  /// Waits for ready (true) or the end (false).
  bool waitReady() {
    std::unique_lock lock(t_.mutex);
    t_.cv.wait(lock, [this] { return t_.ready || t_.end || t_.closed; });
    return t_.ready && !t_.end;
  }
  Json waitEnd() {
    std::unique_lock lock(t_.mutex);
    t_.cv.wait(lock, [this] { return t_.end || t_.closed; });
    if (!t_.end)
      throw Error(ErrorKind::kUnavailable, "the server closed the session: " + t_.refusal);
    return *t_.end;
  }
  /// Sends `bytes` within the credit the server grants.
  void send(std::string_view bytes) {
    while (!bytes.empty()) {
      std::unique_lock lock(t_.mutex);
      t_.cv.wait(lock, [this] { return t_.credit > 0 || t_.end || t_.closed; });
      if (t_.end || t_.closed) return;
      std::size_t n = std::min<std::size_t>(
          {bytes.size(), static_cast<std::size_t>(t_.credit), protocol::kMaxStreamChunk});
      t_.credit -= static_cast<std::int64_t>(n);
      t_.connection->sendBinary(std::string(bytes.substr(0, n)));
      bytes.remove_prefix(n);
    }
  }
  void sendText(const Json& j) {
    std::lock_guard lock(t_.mutex);
    if (t_.connection) t_.connection->send(j.dump());
  }

 private:
  Transfer t_;
  net::WsClient client_;
  std::thread thread_;
};

void failUnlessOk(const Json& end) {
  if (end.value("status", "") != "ok")
    throw Error(
        end.value("status", "") == "refused" ? ErrorKind::kForbidden : ErrorKind::kUnavailable,
        "transfer " + end.value("status", std::string("failed")) + ": " +
            end.value("reason", std::string()));
}

struct FileOptions {
  long long host = 0;
  std::string from, to;
};

}  // namespace

void addFileCommands(CLI::App& app, std::shared_ptr<Globals> g) {
  auto* files = app.add_subcommand("files", "copy files from and to a PC (allowed folders only)");
  files->require_subcommand(1);

  auto o = std::make_shared<FileOptions>();
  auto* get = files->add_subcommand("get", "download REMOTE from HOST into LOCAL");
  get->add_option("host", o->host, "host id")->required();
  get->add_option("remote", o->from, "absolute path on the PC")->required();
  get->add_option("local", o->to, "file to write here")->required();
  get->callback([g, o] {
    std::string tmp = o->to + ".part";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw Error(ErrorKind::kBadRequest, "cannot write " + tmp);
    protocol::Sha256Stream sha;
    std::uint64_t total = 0;
    bool writeFailed = false;
    Json end;
    {
      Session s(socketOptions(*g, "/api/v1/hosts/" + std::to_string(o->host) +
                                      "/sessions/file-get?path=" + queryEscape(o->from)),
                [&](const std::string& bytes) {
                  sha.update(bytes);
                  total += bytes.size();
                  if (::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size()))
                    writeFailed = true;
                });
      s.waitReady();
      end = s.waitEnd();
    }
    bool synced = ::fsync(fd) == 0;
    ::close(fd);
    std::string digest = sha.finishHex();
    try {
      failUnlessOk(end);
      if (writeFailed || !synced) throw Error(ErrorKind::kUnavailable, "cannot write " + tmp);
      if (end["info"].value("sha256", "") != digest)
        throw Error(ErrorKind::kUnavailable, "checksum mismatch: the copy is corrupt");
    } catch (const Error&) {
      ::unlink(tmp.c_str());
      throw;
    }
    std::filesystem::rename(tmp, o->to);
    if (!printJsonIf(*g, Json{{"path", o->to}, {"bytes", total}, {"sha256", digest}}))
      std::cout << o->to << ": " << total << " bytes, sha256 " << digest << "\n";
  });

  auto p = std::make_shared<FileOptions>();
  auto* put = files->add_subcommand("put", "upload LOCAL to REMOTE on HOST");
  put->add_option("host", p->host, "host id")->required();
  put->add_option("local", p->from, "file to send")->required();
  put->add_option("remote", p->to, "absolute path on the PC")->required();
  put->callback([g, p] {
    std::string content = files::read(p->from);
    std::string digest = crypto::sha256Hex(content);
    Session s(socketOptions(*g, "/api/v1/hosts/" + std::to_string(p->host) +
                                    "/sessions/file-put?path=" + queryEscape(p->to) + "&size=" +
                                    std::to_string(content.size()) + "&sha256=" + digest),
              {});
    if (s.waitReady()) {
      s.send(content);
      s.sendText(Json{{"type", "eof"}});
    }
    Json end = s.waitEnd();
    failUnlessOk(end);
    if (end["info"].value("sha256", "") != digest)
      throw Error(ErrorKind::kUnavailable, "checksum mismatch reported by the PC");
    if (!printJsonIf(*g, Json{{"path", p->to}, {"bytes", content.size()}, {"sha256", digest}}))
      std::cout << p->to << ": " << content.size() << " bytes, sha256 " << digest << "\n";
  });
}

}  // namespace parc::cli
