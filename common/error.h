#pragma once
// Parc's one error policy (docs/development.md): failures are exceptions of type
// parc::Error carrying a kind that maps to an HTTP status and an exit code.
// Expected outcomes (end of stream, a missing optional file) are values, not throws.
#include <stdexcept>
#include <string>

namespace parc {

enum class ErrorKind {
  kBadRequest,    // malformed or invalid input from a peer or a user
  kUnauthorized,  // missing or wrong credentials
  kForbidden,     // authenticated but not allowed
  kNotFound,
  kConflict,
  kTooLarge,
  kUnavailable,  // a dependency (network, disk, server) cannot be reached now
  kInternal,     // a bug or an environment failure we cannot recover from here
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

/// HTTP status for an error kind (400, 401, 403, 404, 409, 413, 503, 500).
int httpStatus(ErrorKind kind);

/// Stable machine-readable name, e.g. "bad_request", used in JSON error bodies.
const char* errorCode(ErrorKind kind);

/// Inverse of httpStatus for clients reading a response.
ErrorKind kindFromHttpStatus(int status);

}  // namespace parc
