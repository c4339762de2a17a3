#pragma once
// Technicians' and staff's sign-in: argon2id password check, the optional TOTP second
// factor, failed-login backoff, then an opaque bearer token whose SHA-256 is stored,
// with idle and absolute expiry. Also the API tokens that scripts use instead.
#include <chrono>
#include <optional>
#include <string>

#include "server/security/login_throttle.h"
#include "server/store/store.h"

namespace parc::server::auth {

struct LoginRequest {
  std::string username;
  std::string password;
  std::string totpCode;  // empty when the client has not asked the user yet
  std::string source;    // remote address, for the per-source backoff
  store::Time now = 0;
  std::chrono::steady_clock::time_point steadyNow = std::chrono::steady_clock::now();
};

enum class LoginFailure {
  kNone,
  kBadCredentials,  // unknown user, wrong password or disabled account: one answer for all
  kTotpRequired,    // password right, the second factor is needed
  kTotpInvalid,
  kThrottled,  // too many failures: wait `retryAfter`
};

struct LoginOutcome {
  LoginFailure failure = LoginFailure::kNone;
  std::string reason;  // for the audit log only (e.g. "disabled account")
  std::chrono::seconds retryAfter{0};
  std::string token;      // when signed in: shown once to the client, never stored
  std::string csrfToken;  // what a cookie-based client sends back in X-CSRF-Token
  store::User user;
  store::Time expiresAt = 0;
};

/// Who a credential belongs to, with the role it acts with (an API token may carry
/// less than its owner's role).
struct Principal {
  store::User user;
  std::optional<store::Id> apiTokenId;
};

class SessionManager {
 public:
  SessionManager(store::Store& store, std::int64_t idleSeconds, std::int64_t absoluteSeconds);

  LoginOutcome login(const LoginRequest& request);
  /// The user behind a live session token; refreshes its idle timer (to the minute).
  std::optional<store::User> authenticate(const std::string& token, store::Time now);
  /// The user behind a live API token, acting with the lesser of the two roles.
  std::optional<Principal> authenticateApiToken(const std::string& secret, store::Time now);
  void logout(const std::string& token);

  /// The CSRF token bound to a session token: only the holder of the session can know it.
  static std::string csrfTokenFor(const std::string& sessionToken);
  static bool isApiToken(const std::string& secret);

 private:
  store::Store& store_;
  std::int64_t idleSeconds_;
  std::int64_t absoluteSeconds_;
  std::string dummyHash_;  // verified against for unknown users, to hide which names exist
  security::LoginThrottle throttle_;
};

/// The lesser of two roles (an API token never acts with more than its owner).
store::Role lesserRole(store::Role a, store::Role b);

}  // namespace parc::server::auth
