// `parcctl remote terminal|tunnel|recording`: the streamed half of remote support from a
// shell, on the same WebSocket routes as the console (docs/remote-support.md, "From
// parcctl"). The server registers and audits each session as it does the console's.
#include <fstream>
#include <iostream>

#include "cli/commands/commands.h"
#include "cli/commands/remote_streams.h"
#include "common/error.h"
#include "common/files/files.h"

namespace parc::cli {

namespace {

struct RemoteOptions {
  long long host = 0;
  std::string local;
  bool once = false;
  long long session = 0;
  std::string output;
};

}  // namespace

void addRemoteSessionCommands(CLI::App& app, std::shared_ptr<Globals> g) {
  auto* remote = app.add_subcommand("remote", "terminal, desktop tunnel and recordings of a PC");
  remote->require_subcommand(1);
  auto o = std::make_shared<RemoteOptions>();

  auto* terminal = remote->add_subcommand(
      "terminal", "open a terminal on HOST (raw mode on a terminal, a plain pipe otherwise)");
  terminal->add_option("host", o->host, "host id")->required();
  terminal->callback([g, o] { runTerminal(*g, o->host); });

  auto* tunnel = remote->add_subcommand(
      "tunnel", "relay local TCP connections to HOST's VNC server (one desktop session each)");
  tunnel->add_option("host", o->host, "host id")->required();
  tunnel->add_option("--local", o->local, "ADDRESS:PORT to listen on, e.g. 127.0.0.1:5901")
      ->required();
  tunnel->add_flag("--once", o->once, "stop after the first connection ends");
  tunnel->callback([g, o] { runTunnel(*g, o->host, o->local, o->once); });

  auto* recording =
      remote->add_subcommand("recording", "download a terminal session's recording (asciicast v2)");
  recording->add_option("session", o->session, "session id (`parcctl sessions list`)")->required();
  recording->add_option("-o,--output", o->output, "file to write (default: standard output)");
  recording->callback([g, o] {
    std::string cast = g->client().callText(
        "GET", "/api/v1/remote/sessions/" + std::to_string(o->session) + "/recording");
    if (o->output.empty()) {
      std::cout << cast;
    } else {
      files::writeAtomic(o->output, cast, 0600);  // what was shown may be confidential
      std::cerr << o->output << ": " << cast.size() << " bytes (asciinema play " << o->output
                << ")\n";
    }
  });
}

}  // namespace parc::cli
