#include "server/remote/remote_service.h"

#include <spdlog/spdlog.h>

#include <ctime>

#include "common/crypto/hash.h"
#include "common/error.h"
#include "server/api/route_helpers.h"
#include "server/remote/relay.h"

namespace parc::server::remote {

namespace {

std::string cookieValue(const std::string& header, std::string_view name) {
  std::string_view rest(header);
  while (!rest.empty()) {
    auto end = rest.find(';');
    std::string_view pair = rest.substr(0, end);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name &&
        pair[name.size()] == '=')
      return std::string(pair.substr(name.size() + 1));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return {};
}

// The same checks as the dispatcher's, for a request that never reaches it.
api::Caller authenticate(api::Services& s, const net::Request& req, store::Time now) {
  std::string auth = req.header("authorization");
  std::string token = auth.rfind("Bearer ", 0) == 0 ? auth.substr(7) : std::string();
  bool viaCookie = false;
  if (token.empty()) {
    token = cookieValue(req.header("cookie"), "parc_session");
    viaCookie = !token.empty();
  }
  std::optional<auth::Principal> principal;
  if (auth::SessionManager::isApiToken(token)) {
    if (viaCookie) throw Error(ErrorKind::kUnauthorized, "API tokens are not cookies");
    principal = s.sessions.authenticateApiToken(token, now);
  } else if (auto user = s.sessions.authenticate(token, now)) {
    principal = auth::Principal{std::move(*user), std::nullopt};
  }
  if (!principal)
    throw Error(ErrorKind::kUnauthorized, "sign in first (missing, expired or unknown session)");
  std::string origin = req.header("origin");
  if (viaCookie) {
    // Cross-site WebSocket hijacking: a page elsewhere can make the browser send the
    // cookie, but cannot read the CSRF token nor forge the Origin.
    std::string csrf = req.query("csrf");
    if (csrf.empty() ||
        !crypto::constantTimeEquals(csrf, auth::SessionManager::csrfTokenFor(token)))
      throw Error(ErrorKind::kForbidden, "missing or wrong CSRF token for a browser session");
    if (origin != "https://" + req.header("host"))
      throw Error(ErrorKind::kForbidden, "WebSocket from another origin refused");
  } else if (!origin.empty()) {
    throw Error(ErrorKind::kForbidden, "browsers use the session cookie, not a bearer token");
  }
  api::Caller caller;
  caller.scope = store::TenantScope::of(principal->user);
  caller.user = std::move(principal->user);
  caller.apiTokenId = principal->apiTokenId;
  caller.viaCookie = viaCookie;
  return caller;
}

protocol::StreamKind kindFromPath(const std::string& kind) {
  if (kind == "terminal") return protocol::StreamKind::kTerminal;
  if (kind == "desktop") return protocol::StreamKind::kDesktop;
  if (kind == "file-get") return protocol::StreamKind::kFileGet;
  if (kind == "file-put") return protocol::StreamKind::kFilePut;
  throw Error(ErrorKind::kNotFound, "no such session kind (terminal, desktop, file-get, file-put)");
}

int queryNumber(const net::Request& req, const char* name, int fallback, int min, int max) {
  std::string v = req.query(name);
  if (v.empty()) return fallback;
  try {
    std::size_t used = 0;
    long n = std::stol(v, &used);
    if (used == v.size() && n >= min && n <= max) return static_cast<int>(n);
  } catch (const std::exception&) {
  }
  throw Error(ErrorKind::kBadRequest, std::string("'") + name + "' must be a number from " +
                                          std::to_string(min) + " to " + std::to_string(max));
}

}  // namespace

RemoteService::RemoteService(store::Store& store, control::ControlHub& hub,
                             const std::filesystem::path& dataDir)
    : hub_(hub), registry_(store, dataDir / "parc.db", dataDir / "recordings"), streams_(hub) {
  hub_.setStreamSink(&streams_);
}

RemoteService::~RemoteService() {
  hub_.setStreamSink(nullptr);
}

net::UpgradeDecision RemoteService::upgrade(api::Services& s, const net::Request& request) {
  net::UpgradeDecision decision;
  std::map<std::string, std::string> params;
  std::string path = request.path();
  if (!api::matchPath(kSessionsPattern, path, params)) {
    decision.refusal = api::errorResponse(404, "not_found", "no such WebSocket");
    return decision;
  }
  auto now = static_cast<store::Time>(std::time(nullptr));
  try {
    // Who first (401, then 403 for a role without the permission), then what: a
    // refused caller learns nothing about hosts or kinds.
    api::Caller caller = authenticate(s, request, now);
    api::Context ctx{request, params, caller, now};
    if (!auth::roleAllows(caller.user->role, kSessionsPermission)) {
      std::string why =
          std::string("your role may not ") + auth::permissionName(kSessionsPermission);
      api::auditDenied(s, ctx, why);  // a root terminal asked for by a role without it
      throw Error(ErrorKind::kForbidden, why);
    }
    const std::string kindName = params["kind"];
    protocol::StreamKind kind = kindFromPath(kindName);
    store::Host host = api::scopedHost(s, ctx, ctx.id("id"));
    auto presence = hub_.presence(host.id);
    if (!presence || !presence->online) throw Error(ErrorKind::kUnavailable, "the host is offline");

    // Consent: the tenant's policy; a helpdesk account never works without the user's yes.
    ConsentPolicy policy = registry_.consentPolicy(host.tenantId);
    if (caller.user->role == store::Role::kHelpdesk) policy = ConsentPolicy::kAsk;

    RelayOptions options;
    options.hostId = host.id;
    options.kind = kind;
    options.source = request.remoteAddress;
    options.jsonToClient = kind != protocol::StreamKind::kDesktop;
    Json params{{"consent",
                 {{"policy", consentPolicyName(policy)},
                  {"technician", caller.user->username},
                  {"what", kindName}}}};
    if (kind == protocol::StreamKind::kTerminal) {
      options.cols = queryNumber(request, "cols", 80, 2, 1000);
      options.rows = queryNumber(request, "rows", 24, 2, 1000);
      params["cols"] = options.cols;
      params["rows"] = options.rows;
    } else if (kind == protocol::StreamKind::kFileGet || kind == protocol::StreamKind::kFilePut) {
      std::string file = request.query("path");
      if (file.empty() || file.size() > 4096)
        throw Error(ErrorKind::kBadRequest, "'path' is required (at most 4096 bytes)");
      params["path"] = file;
      if (kind == protocol::StreamKind::kFilePut) {
        std::string sha = request.query("sha256");
        if (sha.size() != 64 || sha.find_first_not_of("0123456789abcdef") != std::string::npos)
          throw Error(ErrorKind::kBadRequest, "'sha256' must be 64 lowercase hex digits");
        params["sha256"] = sha;
        params["size"] = queryNumber(request, "size", -1, 0, std::numeric_limits<int>::max());
      }
    }
    options.params = std::move(params);

    SessionRecord record;
    record.userId = caller.user->id;
    record.username = caller.user->username;
    record.hostId = host.id;
    record.tenantId = host.tenantId;
    record.kind = kindName;
    record.consent = consentPolicyName(policy);
    if (options.params.contains("path")) {
      record.subject = "path " + options.params["path"].get<std::string>();
      if (options.params.contains("size"))
        record.subject += " (" + std::to_string(options.params["size"].get<std::int64_t>()) + " B)";
    }

    auto relay = std::make_shared<Relay>(streams_, registry_, std::move(options), record);
    net::WsHandlers h;
    h.onOpen = [relay](net::WsConnectionPtr c) { relay->clientOpened(std::move(c)); };
    h.onMessage = [relay](const std::string& t) { relay->clientText(t); };
    h.onBinary = [relay](const std::string& b) { relay->clientBinary(b); };
    // The handlers (and with them the relay) live as long as the connection.
    h.onClose = [relay](const std::string& reason) { relay->clientClosed(reason); };
    decision.accept = std::move(h);
  } catch (const Error& e) {
    int status = httpStatus(e.kind());
    spdlog::info("remote session {} from {} refused ({}): {}", path, request.remoteAddress, status,
                 e.what());
    decision.refusal = api::errorResponse(status, errorCode(e.kind()), e.what());
  }
  return decision;
}

}  // namespace parc::server::remote
