#include "server/api/dispatcher.h"

#include <spdlog/spdlog.h>

#include <ctime>

#include "common/compress/zstd.h"
#include "common/crypto/hash.h"
#include "common/error.h"
#include "server/api/route_helpers.h"

namespace parc::server::api {

namespace {

constexpr std::string_view kSessionCookie = "parc_session";

std::string bearerToken(const net::Request& req) {
  std::string auth = req.header("authorization");
  const std::string prefix = "Bearer ";
  return auth.rfind(prefix, 0) == 0 ? auth.substr(prefix.size()) : std::string();
}

net::Request decodeBody(const net::Request& req, std::size_t maxDecompressed) {
  std::string encoding = req.header("content-encoding");
  if (encoding.empty() || encoding == "identity") return req;
  if (encoding != "zstd") {
    throw Error(ErrorKind::kBadRequest,
                "unsupported Content-Encoding '" + encoding + "' (use zstd)");
  }
  net::Request decoded = req;
  decoded.body = compress::zstdDecompress(req.body, maxDecompressed);
  decoded.headers.erase("content-encoding");
  return decoded;
}

void authenticateAgent(Context& ctx, Services& services) {
  ctx.caller.host = authenticateAgentPeer(services.store, ctx.request.peer);
}

// "a=1; parc_session=xyz" → "xyz".
std::string cookieValue(const net::Request& req, std::string_view name) {
  std::string header = req.header("cookie");
  std::string_view rest(header);
  while (!rest.empty()) {
    auto end = rest.find(';');
    std::string_view pair = rest.substr(0, end);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name &&
        pair[name.size()] == '=') {
      return std::string(pair.substr(name.size() + 1));
    }
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return {};
}

bool isSafeMethod(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

// A browser session may only change things from the console's own pages: the request
// carries the session's CSRF token (which another site cannot read), and its Origin,
// when the browser sends one, is this server.
void checkCsrf(const net::Request& req, const std::string& sessionToken) {
  if (isSafeMethod(req.method)) return;
  std::string sent = req.header("x-csrf-token");
  if (sent.empty() ||
      !crypto::constantTimeEquals(sent, auth::SessionManager::csrfTokenFor(sessionToken))) {
    throw Error(ErrorKind::kForbidden, "missing or wrong X-CSRF-Token for a browser session");
  }
  std::string origin = req.header("origin");
  if (!origin.empty() && origin != "https://" + req.header("host")) {
    throw Error(ErrorKind::kForbidden, "request from another origin refused");
  }
}

void authenticateUser(Context& ctx, Services& services, auth::Permission permission) {
  std::string token = bearerToken(ctx.request);
  bool viaCookie = false;
  if (token.empty()) {
    token = cookieValue(ctx.request, kSessionCookie);
    viaCookie = !token.empty();
  }
  std::optional<auth::Principal> principal;
  if (auth::SessionManager::isApiToken(token)) {
    if (viaCookie) throw Error(ErrorKind::kUnauthorized, "API tokens are not cookies");
    principal = services.sessions.authenticateApiToken(token, ctx.now);
  } else if (auto user = services.sessions.authenticate(token, ctx.now)) {
    principal = auth::Principal{std::move(*user), std::nullopt};
  }
  if (!principal)
    throw Error(ErrorKind::kUnauthorized, "sign in first (missing, expired or unknown session)");
  ctx.caller.scope = store::TenantScope::of(principal->user);
  ctx.caller.user = std::move(principal->user);
  ctx.caller.apiTokenId = principal->apiTokenId;
  ctx.caller.viaCookie = viaCookie;
  try {
    if (viaCookie) checkCsrf(ctx.request, token);
    if (!auth::roleAllows(ctx.caller.user->role, permission)) {
      throw Error(ErrorKind::kForbidden,
                  std::string("your role may not ") + auth::permissionName(permission));
    }
  } catch (const Error& e) {
    // A known account trying above its role (or a forged browser request riding its
    // session): the audit log names who tried what, not only the server's log.
    auditDenied(services, ctx, e.what());
    throw;
  }
  if (!principal->apiTokenId) ctx.caller.sessionToken = token;
}

void addSecurityHeaders(net::Response& res, Listener listener) {
  if (!res.headers.count("cache-control")) res.headers["cache-control"] = "no-store";
  res.headers["x-content-type-options"] = "nosniff";
  if (listener == Listener::kConsole) {
    res.headers["strict-transport-security"] = "max-age=31536000";
    res.headers["x-frame-options"] = "DENY";
    res.headers["referrer-policy"] = "no-referrer";
    if (!res.headers.count("content-security-policy")) {
      res.headers["content-security-policy"] = "default-src 'none'; frame-ancestors 'none'";
    }
  }
}

net::Response dispatch(const Router& router, Services& services, Listener listener,
                       const net::Request& raw) {
  Match m = router.match(raw.method, raw.path());
  if (!m.route) {
    if (m.pathKnown)
      return errorResponse(405, "method_not_allowed", "method not allowed on this path");
    return errorResponse(404, "not_found", "no such route");
  }
  // Unauthenticated writes (login, enrolment) are what guessing and flooding go through.
  // Agents are limited on enrolment only: a whole town hall shares one address.
  bool publicWrite = m.route->permission == auth::Permission::kPublic && raw.method != "GET";
  bool limited = publicWrite || listener == Listener::kConsole;
  auto& limiter = publicWrite ? services.publicLimiter : services.requestLimiter;
  if (limited &&
      !limiter.allow(std::string(publicWrite ? "public:" : "any:") + raw.remoteAddress)) {
    net::Response res = errorResponse(429, "too_many_requests", "too many requests: slow down");
    res.headers["retry-after"] = "2";
    return res;
  }
  net::Request request = decodeBody(raw, services.config.maxDecompressedBytes);
  Context ctx{request, std::move(m.params), {}, static_cast<store::Time>(std::time(nullptr))};
  switch (m.route->permission) {
    case auth::Permission::kPublic: break;
    case auth::Permission::kAgent:
      if (listener != Listener::kAgent)
        throw Error(ErrorKind::kForbidden, "agent route on the console listener");
      authenticateAgent(ctx, services);
      break;
    default:
      if (listener != Listener::kConsole)
        throw Error(ErrorKind::kForbidden, "console route on the agent listener");
      authenticateUser(ctx, services, m.route->permission);
      break;
  }
  try {
    return m.route->handler(ctx);
  } catch (const Error& e) {
    // A handler's own refusal (an API token above its owner, a role given beyond one's
    // own): audited like the dispatcher's.
    if (e.kind() == ErrorKind::kForbidden && ctx.caller.user) auditDenied(services, ctx, e.what());
    throw;
  }
}

}  // namespace

store::Host authenticateAgentPeer(store::Store& store, const tls::PeerCertificate& peer) {
  if (!peer.present || !peer.verified) {
    throw Error(ErrorKind::kUnauthorized, "this route requires the agent's client certificate");
  }
  auto host = store.findHostByFingerprint(peer.fingerprint);
  if (!host || host->revoked) {
    throw Error(ErrorKind::kForbidden, "client certificate is not an enrolled agent's");
  }
  return *host;
}

net::Handler makeDispatcher(const Router& router, Services& services, Listener listener) {
  return [&router, &services, listener](const net::Request& req) {
    net::Response res;
    try {
      res = dispatch(router, services, listener, req);
    } catch (const Error& e) {
      int status = httpStatus(e.kind());
      if (status >= 500) {
        spdlog::error("{} {} from {}: {}", req.method, req.path(), req.remoteAddress, e.what());
      } else {
        spdlog::info("{} {} from {} refused ({}): {}", req.method, req.path(), req.remoteAddress,
                     status, e.what());
      }
      res = errorResponse(status, errorCode(e.kind()), status == 500 ? "internal error" : e.what());
    } catch (const nlohmann::json::exception& e) {
      // A handler reading a field of the wrong type: the client's fault.
      res = errorResponse(400, "bad_request", std::string("invalid request body: ") + e.what());
    }
    addSecurityHeaders(res, listener);
    return res;
  };
}

}  // namespace parc::server::api
