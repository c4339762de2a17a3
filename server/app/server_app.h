#pragma once
#include "server/app/config.h"

namespace parc::server {

/// Opens the data directory (database, CA), creates the first administrator on first
/// start, starts both listeners and serves until SIGTERM/SIGINT. Returns the exit code.
int runServer(const ServerConfig& config);

}  // namespace parc::server
