// Remote desktop: a byte tunnel to a VNC server on this PC's loopback. When
// `[remote] vnc_command` is set, that server is started for the session and stopped
// after it; the browser's noVNC speaks RFB through the tunnel.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "agent/remote/child_process.h"
#include "agent/remote/consent.h"
#include "agent/remote/streams.h"
#include "common/error.h"

namespace parc::agent::remote {

namespace {

UniqueFd connectLoopback(std::uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw Error(ErrorKind::kUnavailable, std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return UniqueFd();
  int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

class DesktopStream final : public FdPumpStream {
 public:
  DesktopStream(protocol::StreamId id, std::uint32_t window, std::shared_ptr<StreamOutput> out,
                std::shared_ptr<const RemoteSettings> settings)
      : FdPumpStream(id, window, std::move(out)), settings_(std::move(settings)) {}

 protected:
  void run(const Json& params) override {
    auto consent = obtainConsent(*settings_, params.value("consent", Json::object()));
    if (!consent.allowed) throw Error(ErrorKind::kForbidden, consent.reason);
    std::unique_ptr<ChildProcess> server;
    if (!settings_->vncCommand.empty()) {
      server = std::make_unique<ChildProcess>(settings_->vncCommand);
      spdlog::info("remote desktop {}: started {} (pid {})", id(), settings_->vncCommand[0],
                   server->pid());
    }
    UniqueFd socket;
    auto deadline = std::chrono::steady_clock::now() + settings_->vncStartTimeout;
    while (!(socket = connectLoopback(settings_->vncPort))) {
      if (cancelled()) return;
      if (server && !server->running())
        throw Error(ErrorKind::kUnavailable, "the VNC server exited at start");
      if (std::chrono::steady_clock::now() >= deadline)
        throw Error(ErrorKind::kUnavailable,
                    "no VNC server on 127.0.0.1:" + std::to_string(settings_->vncPort));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    opened(Json{{"port", settings_->vncPort}});
    pump(socket.get(), std::chrono::seconds(3600));
    socket.reset();
    if (server) server->stop();
    spdlog::info("remote desktop {} closed", id());
  }

 private:
  std::shared_ptr<const RemoteSettings> settings_;
};

}  // namespace

std::shared_ptr<AgentStream> makeDesktopStream(protocol::StreamId id, std::uint32_t window,
                                               std::shared_ptr<StreamOutput> out,
                                               std::shared_ptr<const RemoteSettings> settings) {
  return std::make_shared<DesktopStream>(id, window, std::move(out), std::move(settings));
}

}  // namespace parc::agent::remote
