#include "server/auth/sessions.h"

#include <algorithm>
#include <cctype>

#include "common/crypto/hash.h"
#include "common/crypto/password.h"
#include "server/security/totp.h"

namespace parc::server::auth {

namespace {

constexpr const char* kSessionPrefix = "parc_ses";
constexpr const char* kApiPrefix = "parc_api";
// Writing last_used_at on every request would make every read a write.
constexpr store::Time kTouchEverySeconds = 60;

std::string normalised(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

int rank(store::Role r) {
  switch (r) {
    case store::Role::kAdministrator: return 4;
    case store::Role::kTechnician: return 3;
    case store::Role::kHelpdesk: return 2;
    case store::Role::kReadOnly: return 1;
    case store::Role::kTownHallStaff: return 0;
  }
  return 0;
}

}  // namespace

store::Role lesserRole(store::Role a, store::Role b) {
  return rank(a) <= rank(b) ? a : b;
}

SessionManager::SessionManager(store::Store& store, std::int64_t idleSeconds,
                               std::int64_t absoluteSeconds)
    : store_(store),
      idleSeconds_(idleSeconds),
      absoluteSeconds_(absoluteSeconds),
      dummyHash_(crypto::hashPassword(crypto::generatePassword())) {}

std::string SessionManager::csrfTokenFor(const std::string& sessionToken) {
  return crypto::sha256Hex("parc-csrf-v1:" + sessionToken);
}

bool SessionManager::isApiToken(const std::string& secret) {
  return secret.rfind(kApiPrefix, 0) == 0;
}

LoginOutcome SessionManager::login(const LoginRequest& r) {
  LoginOutcome out;
  const std::string account = normalised(r.username);
  if (auto wait = throttle_.retryAfter(account, r.source, r.steadyNow); wait.count() > 0) {
    out.failure = LoginFailure::kThrottled;
    out.reason = "throttled";
    out.retryAfter = wait;
    return out;  // no password check: guessing costs the attacker time, not us CPU
  }
  auto user = store_.findUserByName(r.username);
  bool passwordOk = crypto::verifyPassword(r.password, user ? user->passwordHash : dummyHash_);
  if (!user || !passwordOk || user->disabled) {
    throttle_.recordFailure(account, r.source, r.steadyNow);
    out.failure = LoginFailure::kBadCredentials;
    out.reason = !user ? "unknown user" : !passwordOk ? "wrong password" : "disabled account";
    return out;
  }
  if (!user->totpSecret.empty()) {
    if (r.totpCode.empty()) {
      out.failure = LoginFailure::kTotpRequired;
      out.reason = "second factor required";
      return out;
    }
    std::optional<std::int64_t> lastStep = user->totpLastStep;
    if (!security::verifyTotp(user->totpSecret, r.totpCode, r.now, 1, &lastStep)) {
      throttle_.recordFailure(account, r.source, r.steadyNow);
      out.failure = LoginFailure::kTotpInvalid;
      out.reason = "wrong or replayed second-factor code";
      return out;
    }
    user->totpLastStep = *lastStep;  // each code signs in once
    store_.updateUser(*user);
  }
  throttle_.recordSuccess(account, r.source, r.steadyNow);
  out.token = crypto::generateSecret(kSessionPrefix);
  out.csrfToken = csrfTokenFor(out.token);
  out.user = *user;
  out.expiresAt = r.now + absoluteSeconds_;
  store_.createSession(
      store::Session{crypto::hashSecret(out.token), user->id, r.now, r.now, out.expiresAt});
  return out;
}

std::optional<store::User> SessionManager::authenticate(const std::string& token, store::Time now) {
  if (token.empty() || isApiToken(token)) return std::nullopt;
  std::string hash = crypto::hashSecret(token);
  auto session = store_.findSession(hash);
  if (!session) return std::nullopt;
  if (now >= session->expiresAt || now - session->lastUsedAt > idleSeconds_) {
    store_.deleteSession(hash);
    return std::nullopt;
  }
  auto user = store_.findUser(session->userId);
  if (!user || user->disabled) return std::nullopt;
  if (now - session->lastUsedAt >= std::min(kTouchEverySeconds, idleSeconds_ / 2)) {
    store_.touchSession(hash, now);
  }
  return user;
}

std::optional<Principal> SessionManager::authenticateApiToken(const std::string& secret,
                                                              store::Time now) {
  if (!isApiToken(secret)) return std::nullopt;
  auto token = store_.findApiTokenByHash(crypto::hashSecret(secret));
  if (!token || token->revoked || now >= token->expiresAt) return std::nullopt;
  auto user = store_.findUser(token->userId);
  if (!user || user->disabled) return std::nullopt;
  if (!token->lastUsedAt || now - *token->lastUsedAt >= kTouchEverySeconds) {
    store_.touchApiToken(token->id, now);
  }
  user->role = lesserRole(user->role, token->role);
  return Principal{*user, token->id};
}

void SessionManager::logout(const std::string& token) {
  store_.deleteSession(crypto::hashSecret(token));
}

}  // namespace parc::server::auth
