#pragma once
// Technicians' sessions: argon2id password check at login, then an opaque bearer
// token whose SHA-256 is stored, with idle and absolute expiry.
#include <optional>
#include <string>

#include "server/store/store.h"

namespace parc::server::auth {

struct LoginResult {
  std::string token;  // shown once to the client, never stored
  store::User user;
  store::Time expiresAt = 0;
};

class SessionManager {
 public:
  SessionManager(store::Store& store, std::int64_t idleSeconds, std::int64_t absoluteSeconds);

  /// nullopt for an unknown user or a wrong password (same time taken for both).
  std::optional<LoginResult> login(const std::string& username, const std::string& password,
                                   store::Time now);
  /// The user behind a live session token; refreshes its idle timer.
  std::optional<store::User> authenticate(const std::string& token, store::Time now);
  void logout(const std::string& token);

 private:
  store::Store& store_;
  std::int64_t idleSeconds_;
  std::int64_t absoluteSeconds_;
  std::string dummyHash_;  // verified against for unknown users, to hide which names exist
};

}  // namespace parc::server::auth
