#pragma once
// `parc-server ca rotate | promote | retire FINGERPRINT | status`: the CA rotation steps
// on the files of <data>/tls (docs/operations.md, "Rotating the agents' CA").
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace parc::server::ca {

/// Runs one step on `tlsDir`; writes what happened to `out`, errors to `err`.
/// Returns the exit code (0 done, 1 refused or failed, 2 usage).
int runCaCommand(const std::filesystem::path& tlsDir, const std::vector<std::string>& args,
                 std::ostream& out, std::ostream& err);

}  // namespace parc::server::ca
