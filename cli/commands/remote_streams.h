#pragma once
// `parcctl remote terminal` and `parcctl remote tunnel`: the console's terminal and
// desktop sessions from a shell (docs/remote-support.md, "From parcctl").
#include <string>

#include "cli/commands/commands.h"

namespace parc::cli {

/// An interactive terminal on `host`: raw TTY when stdin is a terminal (with resizes),
/// a plain pipe otherwise (the end of stdin ends the shell). Throws unless it ends `ok`.
void runTerminal(const Globals& g, long long host);  // remote_terminal.cpp

/// Listens on `local` (ADDRESS:PORT) and relays each TCP connection through the server
/// to the PC's VNC/loopback target, one desktop session each; `once`: after the first.
void runTunnel(const Globals& g, long long host, const std::string& local,
               bool once);  // remote_tunnel.cpp

}  // namespace parc::cli
