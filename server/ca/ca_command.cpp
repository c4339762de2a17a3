#include "server/ca/ca_command.h"

#include <ctime>
#include <ostream>

#include "server/ca/internal_ca.h"

namespace parc::server::ca {

namespace {

std::string date(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

constexpr const char* kUsage =
    "usage: parc-server ca rotate | promote | retire FINGERPRINT | status [--data-dir DIR]\n";

}  // namespace

int runCaCommand(const std::filesystem::path& tlsDir, const std::vector<std::string>& args,
                 std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << kUsage;
    return 2;
  }
  const std::string& step = args[0];
  try {
    if (step == "rotate" && args.size() == 1) {
      out << InternalCa::rotate(tlsDir) << "\n";
    } else if (step == "promote" && args.size() == 1) {
      out << InternalCa::promote(tlsDir) << "\n";
    } else if (step == "retire" && args.size() == 2) {
      out << InternalCa::retire(tlsDir, args[1]) << "\n";
    } else if (step == "status" && args.size() == 1) {
      for (const auto& a : InternalCa::list(tlsDir)) {
        out << a.state << (a.state.size() < 8 ? "\t\t" : "\t") << a.fingerprint << "\t"
            << "until " << date(a.notAfter) << "\t" << a.commonName << "\n";
      }
    } else {
      err << kUsage;
      return 2;
    }
  } catch (const std::exception& e) {  // parc::Error, or the file system's
    err << "parc-server ca " << step << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace parc::server::ca
