#pragma once
// Routes: method + path pattern ("/api/v1/hosts/{id}") + the permission they need.
// The router is built once at start-up and read concurrently afterwards.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json/json.h"
#include "common/net/http.h"
#include "server/auth/permissions.h"
#include "server/store/model.h"

namespace parc::server::api {

/// Who is calling, once authentication has run.
struct Caller {
  std::optional<store::User> user;  // with the role it acts with (an API token's may be less)
  std::optional<store::Host> host;
  std::string sessionToken;  // the session secret of this request, for logout
  std::optional<store::Id> apiTokenId;
  bool viaCookie = false;    // a browser session: CSRF-checked
  store::TenantScope scope;  // what the user may see; every listing and lookup honours it

  std::string describe() const;  // "user:admin", "user:admin/api:3", "host:<uid>", "anonymous"
};

struct Context {
  const net::Request& request;
  std::map<std::string, std::string> params;
  Caller caller;
  store::Time now = 0;

  /// The request body as JSON (zstd already undone); kBadRequest when malformed.
  Json json() const;
  /// A numeric path parameter; kNotFound when it is not a positive integer.
  store::Id id(const std::string& name) const;
};

using RouteHandler = std::function<net::Response(Context&)>;

struct Route {
  std::string method;
  std::string pattern;
  auth::Permission permission;
  RouteHandler handler;
};

/// A WebSocket endpoint: its upgrade is decided outside the router (RemoteService,
/// ControlHub), but it is declared here so the route index and its tests see it.
struct UpgradeRoute {
  std::string pattern;
  auth::Permission permission;
};

struct Match {
  const Route* route = nullptr;
  std::map<std::string, std::string> params;
  bool pathKnown = false;  // some route has this path, with another method
};

class Router {
 public:
  void add(std::string method, std::string pattern, auth::Permission permission,
           RouteHandler handler);
  Match match(const std::string& method, const std::string& path) const;
  const std::vector<Route>& routes() const { return routes_; }

  /// Declares a WebSocket endpoint of this listener (GET + Upgrade) and its permission.
  void addUpgrade(std::string pattern, auth::Permission permission);
  const std::vector<UpgradeRoute>& upgrades() const { return upgrades_; }

 private:
  std::vector<Route> routes_;
  std::vector<UpgradeRoute> upgrades_;
};

/// Matches a path against a pattern ("/api/v1/hosts/{id}"); fills params on success.
bool matchPath(const std::string& pattern, const std::string& path,
               std::map<std::string, std::string>& params);

net::Response jsonResponse(int status, const Json& body);
net::Response errorResponse(int status, const std::string& code, const std::string& message);

}  // namespace parc::server::api
