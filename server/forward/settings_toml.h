#pragma once
// Reading the forwarding blocks of parc-server's TOML file (kept apart from settings.h so
// that the server's configuration header does not pull toml++ everywhere).
#include <toml++/toml.h>

#include "server/forward/settings.h"

namespace parc::server::forward {

/// Reads every [[glpi_forward]] block of the server's configuration (and the optional
/// [glpi_forward_queue] table) into `settings`; throws kBadRequest naming the block.
void loadForwardSettings(const toml::table& config, ForwardSettings& settings);

}  // namespace parc::server::forward
