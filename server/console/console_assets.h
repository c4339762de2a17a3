#pragma once
// The technicians' web console: static files served by parc-server on the console
// listener (docs/console.md). The console talks to the same REST API as parcctl.
#include "server/api/router.h"

namespace parc::server::console {

/// GET routes for every embedded file ("/" is index.html), public, with the console's
/// Content-Security-Policy, a Content-Type and an ETag (If-None-Match → 304).
void addConsoleAssets(api::Router& router);

/// The Content-Type sent for a path, from its extension.
std::string contentTypeFor(std::string_view path);

}  // namespace parc::server::console
