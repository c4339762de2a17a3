// Signing in and out, one's own account and second factor (kPublic / kAuthenticated).
#include "common/crypto/password.h"
#include "common/error.h"
#include "server/api/console_routes.h"
#include "server/api/route_helpers.h"
#include "server/security/password_policy.h"
#include "server/security/totp.h"

namespace parc::server::api {

namespace {

using auth::Permission;

std::string sessionCookie(const std::string& token, std::int64_t maxAge) {
  // HttpOnly: page scripts never see it; Strict: no other site's page sends it.
  return "parc_session=" + token +
         "; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(maxAge);
}

net::Response login(Context& ctx, Services& s) {
  Json body = bodyObject(ctx);
  auth::LoginRequest r;
  r.username = requireText(body, "username", 128);
  r.password = requireText(body, "password", 1024);
  if (auto code = body.find("totp_code"); code != body.end() && code->is_string()) {
    r.totpCode = code->get<std::string>().substr(0, 16);
  }
  r.source = ctx.request.remoteAddress;
  r.now = ctx.now;
  auto outcome = s.sessions.login(r);
  // The name typed is recorded as typed (bounded): a failed login is a security event.
  std::string actor = "user:" + r.username.substr(0, 64);
  store::AuditEntry e{0,    ctx.now,      actor, "login", "", ctx.request.remoteAddress,
                      "ok", std::nullopt, "",    ""};
  switch (outcome.failure) {
    case auth::LoginFailure::kNone: break;
    case auth::LoginFailure::kThrottled: {
      e.result = outcome.reason;
      s.store.appendAudit(e);
      net::Response res =
          errorResponse(429, "too_many_requests", "too many failed sign-ins: try again later");
      res.headers["retry-after"] = std::to_string(outcome.retryAfter.count());
      return res;
    }
    case auth::LoginFailure::kTotpRequired:
      return errorResponse(401, "totp_required", "enter the code of your authenticator app");
    case auth::LoginFailure::kBadCredentials:
    case auth::LoginFailure::kTotpInvalid:
      e.result = outcome.reason;
      s.store.appendAudit(e);
      return outcome.failure == auth::LoginFailure::kTotpInvalid
                 ? errorResponse(401, "totp_invalid", "wrong or already used code")
                 : errorResponse(401, "unauthorized", "wrong username or password");
  }
  s.store.appendAudit(e);
  net::Response res = jsonResponse(200, Json{{"token", outcome.token},
                                             {"csrf_token", outcome.csrfToken},
                                             {"expires_at", outcome.expiresAt},
                                             {"user", toJson(outcome.user)}});
  res.headers["set-cookie"] = sessionCookie(outcome.token, outcome.expiresAt - ctx.now);
  return res;
}

net::Response logout(Context& ctx, Services& s, bool everywhere) {
  if (everywhere) {
    s.store.deleteSessionsOfUser(ctx.caller.user->id);
  } else if (!ctx.caller.sessionToken.empty()) {
    s.sessions.logout(ctx.caller.sessionToken);
  }
  audit(s, ctx, everywhere ? "logout.everywhere" : "logout", "", std::nullopt);
  net::Response res = jsonResponse(200, Json{{"ok", true}});
  res.headers["set-cookie"] = sessionCookie("", 0);
  return res;
}

store::User self(Services& s, const Context& ctx) {
  auto user = s.store.findUser(ctx.caller.user->id);
  if (!user) throw Error(ErrorKind::kUnauthorized, "this account no longer exists");
  return *user;
}

net::Response me(Context& ctx, Services& s) {
  Json out = toJson(self(s, ctx));
  out["role"] = store::roleName(ctx.caller.user->role);  // as acting now (API token: capped)
  return jsonResponse(200, out);
}

// POST /api/v1/me/password {current_password, new_password}: ends every other session.
net::Response changePassword(Context& ctx, Services& s) {
  Json body = bodyObject(ctx);
  std::string current = requireText(body, "current_password", 1024);
  std::string next = requireText(body, "new_password", 1024);
  store::User user = self(s, ctx);
  if (!crypto::verifyPassword(current, user.passwordHash)) {
    audit(s, ctx, "user.password", "user:" + std::to_string(user.id), std::nullopt,
          "wrong current password");
    throw Error(ErrorKind::kForbidden, "the current password is wrong");
  }
  auto policy = security::password_policy::check(next, user.username);
  if (!policy.ok()) throw Error(ErrorKind::kBadRequest, policy.message());
  user.passwordHash = crypto::hashPassword(next);
  s.store.updateUser(user);
  s.store.deleteSessionsOfUser(user.id);
  audit(s, ctx, "user.password", "user:" + std::to_string(user.id), std::nullopt);
  return jsonResponse(200, Json{{"ok", true}, {"signed_out", true}});
}

// POST /api/v1/me/totp: a new secret to scan; it protects nothing until confirmed.
net::Response startTotp(Context& ctx, Services& s) {
  store::User user = self(s, ctx);
  user.totpPending = security::newTotpSecret();
  s.store.updateUser(user);
  audit(s, ctx, "user.totp.start", "user:" + std::to_string(user.id), std::nullopt);
  return jsonResponse(
      200, Json{{"secret", user.totpPending},
                {"otpauth_uri", security::otpauthUri("Parc", user.username, user.totpPending)}});
}

net::Response confirmTotp(Context& ctx, Services& s) {
  Json body = bodyObject(ctx);
  std::string code = requireText(body, "code", 16);
  store::User user = self(s, ctx);
  if (user.totpPending.empty()) throw Error(ErrorKind::kConflict, "start the enrolment first");
  std::optional<std::int64_t> step = user.totpLastStep;
  if (!security::verifyTotp(user.totpPending, code, ctx.now, 1, &step)) {
    audit(s, ctx, "user.totp.confirm", "user:" + std::to_string(user.id), std::nullopt,
          "wrong code");
    throw Error(ErrorKind::kBadRequest, "wrong code: check the device's clock and try again");
  }
  user.totpSecret = user.totpPending;
  user.totpPending.clear();
  user.totpLastStep = *step;
  s.store.updateUser(user);
  audit(s, ctx, "user.totp.enable", "user:" + std::to_string(user.id), std::nullopt);
  return jsonResponse(200, Json{{"totp_enabled", true}});
}

// DELETE /api/v1/me/totp {code}: turning the factor off needs the factor.
net::Response disableTotp(Context& ctx, Services& s) {
  Json body = bodyObject(ctx);
  std::string code = requireText(body, "code", 16);
  store::User user = self(s, ctx);
  if (user.totpSecret.empty()) return jsonResponse(200, Json{{"totp_enabled", false}});
  std::optional<std::int64_t> step = user.totpLastStep;
  if (!security::verifyTotp(user.totpSecret, code, ctx.now, 1, &step)) {
    audit(s, ctx, "user.totp.disable", "user:" + std::to_string(user.id), std::nullopt,
          "wrong code");
    throw Error(ErrorKind::kForbidden, "wrong or already used code");
  }
  user.totpSecret.clear();
  user.totpLastStep = *step;
  s.store.updateUser(user);
  audit(s, ctx, "user.totp.disable", "user:" + std::to_string(user.id), std::nullopt);
  return jsonResponse(200, Json{{"totp_enabled", false}});
}

}  // namespace

void addSessionRoutes(Router& r, Services& s) {
  r.add("POST", "/api/v1/login", Permission::kPublic, [&s](Context& c) { return login(c, s); });
  r.add("POST", "/api/v1/logout", Permission::kAuthenticated,
        [&s](Context& c) { return logout(c, s, false); });
  r.add("POST", "/api/v1/logout-all", Permission::kAuthenticated,
        [&s](Context& c) { return logout(c, s, true); });
  r.add("GET", "/api/v1/me", Permission::kAuthenticated, [&s](Context& c) { return me(c, s); });
  r.add("POST", "/api/v1/me/password", Permission::kAuthenticated,
        [&s](Context& c) { return changePassword(c, s); });
  r.add("POST", "/api/v1/me/totp", Permission::kAuthenticated,
        [&s](Context& c) { return startTotp(c, s); });
  r.add("POST", "/api/v1/me/totp/confirm", Permission::kAuthenticated,
        [&s](Context& c) { return confirmTotp(c, s); });
  r.add("DELETE", "/api/v1/me/totp", Permission::kAuthenticated,
        [&s](Context& c) { return disableTotp(c, s); });
}

}  // namespace parc::server::api
