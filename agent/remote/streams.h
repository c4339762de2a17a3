#pragma once
// The kinds of stream the agent serves, one file each: terminal_stream.cpp (a PTY),
// file_streams.cpp (download, upload), desktop_stream.cpp (a tunnel to VNC on loopback).
#include <memory>

#include "agent/remote/agent_stream.h"
#include "agent/remote/remote_config.h"

namespace parc::agent::remote {

/// A stream that relays a file descriptor (PTY master, TCP socket) both ways.
class FdPumpStream : public AgentStream {
 public:
  using AgentStream::AgentStream;

 protected:
  /// Until the descriptor ends (returns normally), the stream is cancelled, or nothing
  /// moves for `idle` (kUnavailable "idle"). Control messages go to onControl. With
  /// `holdInput`, what the client sends waits until the descriptor has said something
  /// first (or that long has passed): a terminal's type-ahead goes to the shell once its
  /// prompt shows, not to a relay still setting up (systemd-run --pty loses it).
  void pump(int fd, std::chrono::seconds idle,
            std::chrono::milliseconds holdInput = std::chrono::milliseconds(0));
  virtual void onControl(const Json& data) { (void)data; }
};

std::shared_ptr<AgentStream> makeTerminalStream(protocol::StreamId id, std::uint32_t window,
                                                std::shared_ptr<StreamOutput> out,
                                                std::shared_ptr<const RemoteSettings> settings);
std::shared_ptr<AgentStream> makeFileGetStream(protocol::StreamId id, std::uint32_t window,
                                               std::shared_ptr<StreamOutput> out,
                                               std::shared_ptr<const RemoteSettings> settings);
std::shared_ptr<AgentStream> makeFilePutStream(protocol::StreamId id, std::uint32_t window,
                                               std::shared_ptr<StreamOutput> out,
                                               std::shared_ptr<const RemoteSettings> settings);
std::shared_ptr<AgentStream> makeDesktopStream(protocol::StreamId id, std::uint32_t window,
                                               std::shared_ptr<StreamOutput> out,
                                               std::shared_ptr<const RemoteSettings> settings);

}  // namespace parc::agent::remote
