#include "server/auth/sessions.h"

#include "common/crypto/hash.h"
#include "common/crypto/password.h"

namespace parc::server::auth {

SessionManager::SessionManager(store::Store& store, std::int64_t idleSeconds,
                               std::int64_t absoluteSeconds)
    : store_(store),
      idleSeconds_(idleSeconds),
      absoluteSeconds_(absoluteSeconds),
      dummyHash_(crypto::hashPassword(crypto::generatePassword())) {}

std::optional<LoginResult> SessionManager::login(const std::string& username,
                                                 const std::string& password, store::Time now) {
  auto user = store_.findUserByName(username);
  if (!user) {
    crypto::verifyPassword(password, dummyHash_);
    return std::nullopt;
  }
  if (!crypto::verifyPassword(password, user->passwordHash)) return std::nullopt;
  LoginResult result;
  result.token = crypto::generateSecret("parc_ses");
  result.user = *user;
  result.expiresAt = now + absoluteSeconds_;
  store_.createSession(
      store::Session{crypto::hashSecret(result.token), user->id, now, now, result.expiresAt});
  return result;
}

std::optional<store::User> SessionManager::authenticate(const std::string& token, store::Time now) {
  if (token.empty()) return std::nullopt;
  std::string hash = crypto::hashSecret(token);
  auto session = store_.findSession(hash);
  if (!session) return std::nullopt;
  if (now >= session->expiresAt || now - session->lastUsedAt > idleSeconds_) {
    store_.deleteSession(hash);
    return std::nullopt;
  }
  store_.touchSession(hash, now);
  return store_.findUser(session->userId);
}

void SessionManager::logout(const std::string& token) {
  store_.deleteSession(crypto::hashSecret(token));
}

}  // namespace parc::server::auth
