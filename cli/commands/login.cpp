#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "cli/commands/commands.h"
#include "common/error.h"

namespace parc::cli {

namespace {

struct LoginOptions {
  std::string server, caFingerprint, caFile, username = "admin", totpCode;
  bool passwordStdin = false;
};

// Reads a password without echo from the terminal, or one line from stdin.
std::string readPassword(bool fromStdin) {
  if (const char* env = std::getenv("PARC_PASSWORD"); env && *env && !fromStdin) return env;
  bool tty = !fromStdin && isatty(STDIN_FILENO);
  termios old{};
  if (tty) {
    std::cerr << "Password: " << std::flush;
    tcgetattr(STDIN_FILENO, &old);
    termios noEcho = old;
    noEcho.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &noEcho);
  }
  std::string password;
  std::getline(std::cin, password);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
  }
  if (password.empty()) throw Error(ErrorKind::kBadRequest, "no password given");
  return password;
}

}  // namespace

void addLoginCommands(CLI::App& app, std::shared_ptr<Globals> g) {
  auto opts = std::make_shared<LoginOptions>();
  auto* login = app.add_subcommand("login", "sign in and keep the session in the per-user file");
  login->add_option("--server", opts->server, "console URL, https://HOST:PORT")->required();
  login->add_option("--ca-fingerprint", opts->caFingerprint, "pin the server's CA (SHA-256)");
  login->add_option("--ca-file", opts->caFile, "trust this CA bundle (PEM)");
  login->add_option("-u,--username", opts->username, "user name");
  login->add_flag("--password-stdin", opts->passwordStdin, "read the password from standard input");
  login->add_option("--totp-code", opts->totpCode,
                    "the authenticator code, if the account has one");
  login->callback([g, opts] {
    SessionFile session{opts->server, opts->caFingerprint, opts->caFile, ""};
    std::string password = readPassword(opts->passwordStdin);
    Json request{{"username", opts->username}, {"password", password}};
    if (!opts->totpCode.empty()) request["totp_code"] = opts->totpCode;
    ApiClient client(session);
    net::Response first = client.send("POST", "/api/v1/login", request);
    if (first.status == 401 && first.body.find("totp_required") != std::string::npos) {
      // The second factor: asked only once the password is known to be right.
      std::cerr << "Authenticator code: " << std::flush;
      std::string code;
      std::getline(std::cin, code);
      request["totp_code"] = code;
    }
    Json answer = client.call("POST", "/api/v1/login", request);
    session.token = answer.at("token").get<std::string>();
    writeSessionFile(g->sessionPath, session);
    if (!printJsonIf(*g, answer["user"])) {
      std::cout << "Signed in to " << opts->server << " as " << opts->username << " ("
                << text(answer["user"], "role") << ")\n";
    }
  });

  auto* logout = app.add_subcommand("logout", "end the session");
  logout->callback([g] {
    SessionFile session = g->session();
    ApiClient(session).call("POST", "/api/v1/logout");
    session.token.clear();
    writeSessionFile(g->sessionPath, session);
    std::cout << "Signed out\n";
  });
}

}  // namespace parc::cli
