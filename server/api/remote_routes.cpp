// Remote actions and signed scripts: the catalog and library, runs on a host (answered
// synchronously, within a timeout), their history, and the per-tenant script switch.
#include "server/api/remote_routes.h"

#include <algorithm>

#include "common/crypto/hash.h"
#include "common/error.h"
#include "common/remote/action_catalog.h"
#include "common/remote/envelope.h"
#include "server/api/route_helpers.h"
#include "server/remote/remote_service.h"

namespace parc::server::api {

namespace {

using auth::Permission;

// What is kept of a run's output in the executions table (the reply has it all).
constexpr std::size_t kStoredOutput = 64 * 1024;
constexpr std::size_t kMaxScriptName = 100;

std::string capped(std::string s) {
  if (s.size() > kStoredOutput) s.resize(kStoredOutput);
  return s;
}

struct Remote {
  Services& s;
  remote::ScriptLibrary& library;
  const remote::CommandSigner& signer;
};

std::string hostTarget(const store::Host& host) {
  return "host:" + std::to_string(host.id) + " (" + host.hostname + ")";
}

// Under ask, the user has consent_timeout (30 s by default) to answer before anything runs.
constexpr int kConsentAllowanceSeconds = 90;

// The consent an action or a script needs, as for sessions (docs/remote-support.md,
// "Consent policies"): the tenant's policy, and always the user's yes for a helpdesk
// account. Sent beside the command; the agent asks or tells before running it.
Json consentFor(Remote& r, const Context& ctx, const store::Host& host, const std::string& what) {
  auto policy = remote::ConsentPolicy::kNone;
  if (r.s.remote) policy = r.s.remote->registry().consentPolicy(host.tenantId);
  if (ctx.caller.user && ctx.caller.user->role == store::Role::kHelpdesk)
    policy = remote::ConsentPolicy::kAsk;
  return Json{{"policy", remote::consentPolicyName(policy)},
              {"technician", ctx.caller.user ? ctx.caller.user->username : ctx.caller.describe()},
              {"what", what}};
}

int withConsentTime(int timeoutSeconds, const Json& consent) {
  return consent["policy"] == "ask" ? timeoutSeconds + kConsentAllowanceSeconds : timeoutSeconds;
}

// Sends the command and records/audits the outcome. `auditAction` e.g. "remote.action:flush_dns".
Json runOnHost(Remote& r, Context& ctx, const store::Host& host, remote::Execution exec,
               const std::string& command, const Json& payload, int timeoutSeconds,
               const std::string& auditAction) {
  exec.hostId = host.id;
  exec.tenantId = host.tenantId;
  exec.requestedBy = ctx.caller.describe();
  exec.startedAt = ctx.now;
  store::Id id = r.library.startExecution(exec);
  Json detail{{"execution_id", id}, {"params", exec.params}};
  if (payload.contains("consent")) detail["consent"] = payload["consent"]["policy"];
  if (!exec.scriptSha256.empty()) detail["script_sha256"] = exec.scriptSha256;
  protocol::Reply reply;
  try {
    reply = r.s.hub.call(host.id, command, payload, std::chrono::seconds(timeoutSeconds));
  } catch (const Error& e) {
    r.library.finishExecution(id, "unavailable", std::nullopt, "", e.what(),
                              static_cast<store::Time>(std::time(nullptr)));
    detail["error"] = e.what();
    audit(r.s, ctx, auditAction, hostTarget(host), host.tenantId, "unavailable", detail.dump());
    throw;
  }
  std::string status = reply.status;
  std::optional<int> exitCode;
  std::string output;
  if (reply.status == "ok" && reply.result.is_object()) {
    if (auto c = reply.result.find("exit_code"); c != reply.result.end() && c->is_number_integer())
      exitCode = c->get<int>();
    if (exec.kind == "script") {
      output = reply.result.value("stdout", "") + reply.result.value("stderr", "");
      if (exitCode != 0 || reply.result.value("timed_out", false)) status = "failed";
    } else {
      output = reply.result.value("output", "");
    }
  }
  r.library.finishExecution(id, status, exitCode, capped(output), reply.error,
                            static_cast<store::Time>(std::time(nullptr)));
  if (!reply.error.empty()) detail["error"] = reply.error.substr(0, 500);
  if (exitCode) detail["exit_code"] = *exitCode;
  audit(r.s, ctx, auditAction, hostTarget(host), host.tenantId, status, detail.dump());
  return Json{{"execution_id", id},
              {"status", status},
              {"exit_code", exitCode ? Json(*exitCode) : Json(nullptr)},
              {"result", reply.result},
              {"error", reply.error}};
}

// POST /api/v1/hosts/{id}/actions/{name} {"params"?, "timeout_seconds"?}
net::Response runAction(Context& ctx, Remote& r) {
  store::Host host = scopedHost(r.s, ctx, ctx.id("id"));
  const auto& spec = parc::remote::findAction(ctx.params.at("name"));
  Json body = ctx.request.body.empty() ? Json::object() : bodyObject(ctx);
  Json params = parc::remote::validateParams(spec, body.value("params", Json::object()));
  int timeout = optionalInt(body, "timeout_seconds", spec.defaultTimeoutSeconds, 1, 300);
  remote::Execution exec;
  exec.kind = "action";
  exec.name = spec.name;
  exec.params = params;
  // The user reads the French label; the name keeps it unambiguous.
  Json consent = consentFor(r, ctx, host, spec.label + " (" + spec.name + ")");
  Json out = runOnHost(r, ctx, host, exec, "action",
                       Json{{"name", spec.name}, {"params", params}, {"consent", consent}},
                       withConsentTime(timeout, consent), "remote.action:" + spec.name);
  return jsonResponse(200, out);
}

// A script the caller may see for this host: global, or of the host's tenant.
remote::Script scriptFor(Remote& r, const Context& ctx, store::Id scriptId,
                         std::optional<store::Id> hostTenant) {
  auto script = r.library.findScript(scriptId);
  if (!script || (script->tenantId && !ctx.caller.scope.allows(*script->tenantId)) ||
      (script->tenantId && hostTenant && *script->tenantId != *hostTenant))
    throw Error(ErrorKind::kNotFound, "no such script");
  return *script;
}

// POST /api/v1/hosts/{id}/scripts/{script_id}/run {"timeout_seconds"?}
net::Response runScript(Context& ctx, Remote& r) {
  store::Host host = scopedHost(r.s, ctx, ctx.id("id"));
  remote::Script script = scriptFor(r, ctx, ctx.id("script_id"), host.tenantId);
  Json body = ctx.request.body.empty() ? Json::object() : bodyObject(ctx);
  int timeout = optionalInt(body, "timeout_seconds", 60, 1, 600);
  const std::string action = "remote.script:" + script.name;
  if (!r.library.scriptsEnabled(host.tenantId)) {
    audit(r.s, ctx, action, hostTarget(host), host.tenantId, "refused",
          "scripts are disabled for this tenant");
    throw Error(ErrorKind::kForbidden, "scripts are disabled for this tenant");
  }
  parc::remote::ScriptEnvelope e;
  e.scriptName = script.name;
  e.language = script.language;
  e.body = script.body;
  e.scriptSha256 = script.sha256;
  e.hostId = host.id;
  e.tenantId = host.tenantId;
  e.issuedAt = ctx.now;
  // Valid only while it can be delivered: the agent must receive it within two minutes.
  e.expiresAt = ctx.now + 120;
  e.nonce = parc::remote::newNonce();
  e.issuedBy = ctx.caller.describe();
  e.timeoutSeconds = timeout;
  auto signedScript = r.signer.sign(e);
  remote::Execution exec;
  exec.kind = "script";
  exec.name = script.name;
  exec.scriptId = script.id;
  exec.scriptSha256 = script.sha256;
  exec.params = Json{{"timeout_seconds", timeout}, {"nonce", e.nonce}};
  Json payload = parc::remote::toJson(signedScript);
  Json consent = consentFor(r, ctx, host, "script " + script.name);
  payload["consent"] = consent;
  Json out = runOnHost(r, ctx, host, exec, "script_run", payload,
                       withConsentTime(timeout + 15, consent), action);
  return jsonResponse(200, out);
}

// GET /api/v1/hosts/{id}/executions?limit=50
net::Response listExecutions(Context& ctx, Remote& r) {
  store::Host host = scopedHost(r.s, ctx, ctx.id("id"));
  int limit = static_cast<int>(queryInt(ctx, "limit", 50, 1, 500));
  Json items = Json::array();
  for (const auto& e : r.library.listExecutions(host.id, limit)) items.push_back(remote::toJson(e));
  return jsonResponse(200, Json{{"items", items}, {"count", items.size()}});
}

// GET /api/v1/scripts
net::Response listScripts(Context& ctx, Remote& r) {
  Json items = Json::array();
  for (const auto& sc : r.library.listScripts(ctx.caller.scope.tenants))
    items.push_back(remote::toJson(sc, false));
  return jsonResponse(200, Json{{"items", items}, {"count", items.size()}});
}

// GET /api/v1/scripts/{id}
net::Response getScript(Context& ctx, Remote& r) {
  return jsonResponse(200, remote::toJson(scriptFor(r, ctx, ctx.id("id"), std::nullopt), true));
}

bool isPrintableName(const std::string& s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f || c == '/' || c == '\\';
  });
}

// POST /api/v1/scripts {"name", "body", "description"?, "language"?="sh", "tenant_id"?}
net::Response addScript(Context& ctx, Remote& r) {
  Json body = bodyObject(ctx);
  remote::Script sc;
  sc.name = requireText(body, "name", kMaxScriptName);
  if (!isPrintableName(sc.name))
    throw Error(ErrorKind::kBadRequest, "field 'name' has control characters or slashes");
  sc.body = requireText(body, "body", parc::remote::kMaxScriptBytes);
  // Text only: control bytes would also bloat the signed envelope (\u00XX escapes).
  if (std::any_of(sc.body.begin(), sc.body.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && c != '\n' && c != '\t' && c != '\r') || u == 0x7f;
      }))
    throw Error(ErrorKind::kBadRequest, "field 'body' must be text (no control characters)");
  sc.language = body.value("language", "sh");
  if (sc.language != "sh") throw Error(ErrorKind::kBadRequest, "field 'language' must be \"sh\"");
  if (auto d = body.find("description"); d != body.end() && !d->is_null()) {
    if (!d->is_string() || d->get_ref<const std::string&>().size() > 1000)
      throw Error(ErrorKind::kBadRequest, "field 'description' must be text (1000 at most)");
    sc.description = d->get<std::string>();
  }
  if (auto t = body.find("tenant_id"); t != body.end() && !t->is_null()) {
    if (!t->is_number_integer()) throw Error(ErrorKind::kBadRequest, "tenant_id must be an id");
    sc.tenantId = scopedTenant(r.s, ctx, t->get<store::Id>()).id;
  } else if (!ctx.caller.scope.all()) {
    throw Error(ErrorKind::kForbidden, "only an administrator of every tenant adds global scripts");
  }
  sc.sha256 = crypto::sha256Hex(sc.body);
  sc.createdBy = ctx.caller.describe();
  sc.createdAt = sc.updatedAt = ctx.now;
  remote::Script created = r.library.addScript(sc);
  audit(r.s, ctx, "script.add", "script:" + std::to_string(created.id) + " (" + created.name + ")",
        created.tenantId, "ok", Json{{"sha256", created.sha256}}.dump());
  return jsonResponse(201, remote::toJson(created, true));
}

// DELETE /api/v1/scripts/{id}
net::Response removeScript(Context& ctx, Remote& r) {
  remote::Script sc = scriptFor(r, ctx, ctx.id("id"), std::nullopt);
  if (!sc.tenantId && !ctx.caller.scope.all())
    throw Error(ErrorKind::kForbidden,
                "only an administrator of every tenant removes global scripts");
  r.library.removeScript(sc.id);
  audit(r.s, ctx, "script.remove", "script:" + std::to_string(sc.id) + " (" + sc.name + ")",
        sc.tenantId, "ok", Json{{"sha256", sc.sha256}}.dump());
  return jsonResponse(200, Json{{"id", sc.id}, {"removed", true}});
}

// GET/PUT /api/v1/tenants/{id}/scripts-policy {"scripts_enabled": bool}
net::Response getScriptsPolicy(Context& ctx, Remote& r) {
  store::Tenant t = scopedTenant(r.s, ctx, ctx.id("id"));
  return jsonResponse(
      200, Json{{"tenant_id", t.id}, {"scripts_enabled", r.library.scriptsEnabled(t.id)}});
}

net::Response setScriptsPolicy(Context& ctx, Remote& r) {
  store::Tenant t = scopedTenant(r.s, ctx, ctx.id("id"));
  Json body = bodyObject(ctx);
  auto it = body.find("scripts_enabled");
  if (it == body.end() || !it->is_boolean())
    throw Error(ErrorKind::kBadRequest, "field 'scripts_enabled' must be true or false");
  r.library.setScriptsEnabled(t.id, it->get<bool>());
  audit(r.s, ctx, "tenant.scripts_policy", "tenant:" + std::to_string(t.id), t.id, "ok",
        Json{{"scripts_enabled", it->get<bool>()}}.dump());
  return jsonResponse(200, Json{{"tenant_id", t.id}, {"scripts_enabled", it->get<bool>()}});
}

}  // namespace

void addRemoteRoutes(Router& router, Services& services, remote::ScriptLibrary& library,
                     const remote::CommandSigner& signer) {
  // Shared by the handlers for the server's lifetime, like the services themselves.
  auto r = std::make_shared<Remote>(Remote{services, library, signer});
  router.add("GET", "/api/v1/actions", Permission::kRemoteSupport,
             [](Context&) { return jsonResponse(200, parc::remote::catalogJson()); });
  router.add("POST", "/api/v1/hosts/{id}/actions/{name}", Permission::kRemoteSupport,
             [r](Context& c) { return runAction(c, *r); });
  router.add("POST", "/api/v1/hosts/{id}/scripts/{script_id}/run", Permission::kHostsCommand,
             [r](Context& c) { return runScript(c, *r); });
  router.add("GET", "/api/v1/hosts/{id}/executions", Permission::kRemoteSupport,
             [r](Context& c) { return listExecutions(c, *r); });
  router.add("GET", "/api/v1/scripts", Permission::kHostsCommand,
             [r](Context& c) { return listScripts(c, *r); });
  router.add("GET", "/api/v1/scripts/{id}", Permission::kHostsCommand,
             [r](Context& c) { return getScript(c, *r); });
  router.add("POST", "/api/v1/scripts", Permission::kScriptsWrite,
             [r](Context& c) { return addScript(c, *r); });
  router.add("DELETE", "/api/v1/scripts/{id}", Permission::kScriptsWrite,
             [r](Context& c) { return removeScript(c, *r); });
  router.add("GET", "/api/v1/tenants/{id}/scripts-policy", Permission::kTenantsRead,
             [r](Context& c) { return getScriptsPolicy(c, *r); });
  router.add("PUT", "/api/v1/tenants/{id}/scripts-policy", Permission::kTenantsWrite,
             [r](Context& c) { return setScriptsPolicy(c, *r); });
}

}  // namespace parc::server::api
