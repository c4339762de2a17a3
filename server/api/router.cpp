#include "server/api/router.h"

#include <charconv>

#include "common/error.h"

namespace parc::server::api {

namespace {

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    if (slash > pos) parts.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return parts;
}

}  // namespace

bool matchPath(const std::string& pattern, const std::string& path,
               std::map<std::string, std::string>& params) {
  auto want = splitPath(pattern), got = splitPath(path);
  if (want.size() != got.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}') {
      found[want[i].substr(1, want[i].size() - 2)] = net::percentDecode(got[i]);
    } else if (want[i] != got[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

std::string Caller::describe() const {
  if (user && apiTokenId) return "user:" + user->username + "/api:" + std::to_string(*apiTokenId);
  if (user) return "user:" + user->username;
  if (host) return "host:" + host->uid;
  return "anonymous";
}

Json Context::json() const {
  return parseJson(request.body);
}

store::Id Context::id(const std::string& name) const {
  auto it = params.find(name);
  store::Id value = 0;
  if (it != params.end()) {
    const auto& s = it->second;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec == std::errc() && p == s.data() + s.size() && value > 0) return value;
  }
  throw Error(ErrorKind::kNotFound, "no such " + name);
}

void Router::add(std::string method, std::string pattern, auth::Permission permission,
                 RouteHandler handler) {
  routes_.push_back(Route{std::move(method), std::move(pattern), permission, std::move(handler)});
}

void Router::addUpgrade(std::string pattern, auth::Permission permission) {
  upgrades_.push_back(UpgradeRoute{std::move(pattern), permission});
}

Match Router::match(const std::string& method, const std::string& path) const {
  Match m;
  for (const auto& r : routes_) {
    std::map<std::string, std::string> params;
    if (!matchPath(r.pattern, path, params)) continue;
    m.pathKnown = true;
    if (r.method == method) {
      m.route = &r;
      m.params = std::move(params);
      return m;
    }
  }
  return m;
}

net::Response jsonResponse(int status, const Json& body) {
  net::Response r;
  r.status = status;
  r.headers["content-type"] = "application/json";
  // Agent-supplied strings may hold any bytes: replace invalid UTF-8 rather than fail.
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return r;
}

net::Response errorResponse(int status, const std::string& code, const std::string& message) {
  return jsonResponse(status, Json{{"error", code}, {"message", message}});
}

}  // namespace parc::server::api
