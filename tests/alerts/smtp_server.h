#pragma once
// A real SMTP server for the tests of e-mail: tests/alerts/smtp_server.py (aiosmtpd,
// STARTTLS and AUTH required, user "helpdesk"), started on a free port of 127.0.0.1 with
// the test PKI's certificate and stopped with its owner. Each accepted message is a
// JSON file in <dir>/mail.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/files/files.h"
#include "common/json/json.h"
#include "tests/common/test_pki.h"

namespace parc::testing {

class SmtpServer {
 public:
  SmtpServer(const std::filesystem::path& dir, const std::string& password)
      : outdir_(dir / "mail") {
    std::filesystem::create_directories(outdir_);
    files::writeAtomic(dir / "smtp-cert.pem", testPki().certPem, 0600);
    files::writeAtomic(dir / "smtp-key.pem", testPki().keyPem, 0600);
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe");
    std::string script = std::string(PARC_SOURCE_DIR) + "/tests/alerts/smtp_server.py";
    std::string cert = (dir / "smtp-cert.pem").string(), key = (dir / "smtp-key.pem").string(),
                outdir = outdir_.string();
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      execl("/usr/bin/python3", "python3", script.c_str(), "--cert", cert.c_str(), "--key",
            key.c_str(), "--user", "helpdesk", "--password", password.c_str(), "--outdir",
            outdir.c_str(), nullptr);
      _exit(127);
    }
    close(out[1]);
    // The script prints its port once it listens.
    pollfd p{out[0], POLLIN, 0};
    std::string line;
    char c;
    while (poll(&p, 1, 15000) == 1 && read(out[0], &c, 1) == 1 && c != '\n') line += c;
    close(out[0]);
    if (line.empty()) throw std::runtime_error("SMTP server did not start (python3-aiosmtpd?)");
    port_ = std::stoi(line);
  }
  ~SmtpServer() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  int port() const { return port_; }
  /// The messages received so far, oldest first.
  std::vector<Json> messages() const {
    std::vector<std::filesystem::path> names;
    for (const auto& e : std::filesystem::directory_iterator(outdir_)) {
      if (e.path().extension() == ".json") names.push_back(e.path());
    }
    std::sort(names.begin(), names.end());
    std::vector<Json> out;
    for (const auto& n : names) out.push_back(parseJson(files::read(n)));
    return out;
  }

 private:
  std::filesystem::path outdir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace parc::testing
