// A terminal: the login shell of the configured local account (never root unless the
// configuration says so) on a PTY, relayed both ways, resized on request, closed when
// idle or when the shell exits.
#include <fcntl.h>
#include <grp.h>
#include <pty.h>
#include <pwd.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include "agent/remote/child_process.h"
#include "agent/remote/consent.h"
#include "agent/remote/streams.h"
#include "agent/remote/terminal_unit.h"
#include "common/error.h"

namespace parc::agent::remote {

namespace {

struct Account {
  uid_t uid;
  gid_t gid;
  std::string name, home, shell;
  std::vector<gid_t> groups;
};

Account lookup(const RemoteSettings& s) {
  if (s.terminalUser.empty())
    throw Error(ErrorKind::kForbidden,
                "the terminal is not enabled on this PC ([remote] terminal_user not set)");
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (::getpwnam_r(s.terminalUser.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || !found)
    throw Error(ErrorKind::kNotFound, "terminal account '" + s.terminalUser + "' does not exist");
  Account a{pw.pw_uid,
            pw.pw_gid,
            pw.pw_name,
            pw.pw_dir ? pw.pw_dir : "/",
            pw.pw_shell && *pw.pw_shell ? pw.pw_shell : "/bin/sh",
            {}};
  if (a.uid == 0 && !s.allowRootTerminal)
    throw Error(ErrorKind::kForbidden,
                "a root terminal is refused (set [remote] allow_root_terminal to allow it)");
  if (!s.terminalShell.empty()) a.shell = s.terminalShell;
  int n = 64;
  a.groups.resize(static_cast<std::size_t>(n));
  if (::getgrouplist(a.name.c_str(), a.gid, a.groups.data(), &n) < 0) {
    a.groups.resize(static_cast<std::size_t>(n));
    ::getgrouplist(a.name.c_str(), a.gid, a.groups.data(), &n);
  }
  a.groups.resize(static_cast<std::size_t>(std::max(n, 0)));
  return a;
}

// Keystrokes sent before the shell's first output wait for it, at most this long.
constexpr std::chrono::seconds kTypeAheadHold{10};

class TerminalStream final : public FdPumpStream {
 public:
  TerminalStream(protocol::StreamId id, std::uint32_t window, std::shared_ptr<StreamOutput> out,
                 std::shared_ptr<const RemoteSettings> settings)
      : FdPumpStream(id, window, std::move(out)), settings_(std::move(settings)) {}

  ~TerminalStream() override { reap(); }

 protected:
  void run(const Json& params) override {
    Account account = lookup(*settings_);
    auto consent = obtainConsent(*settings_, params.value("consent", Json::object()));
    if (!consent.allowed) throw Error(ErrorKind::kForbidden, consent.reason);
    if (cancelled()) return;
    winsize ws{};
    ws.ws_col = static_cast<unsigned short>(std::clamp(params.value("cols", 80), 2, 1000));
    ws.ws_row = static_cast<unsigned short>(std::clamp(params.value("rows", 24), 2, 1000));
    spawn(account, ws);
    spdlog::info("remote terminal {} opened for {} as {}", id(),
                 params.value("consent", Json::object()).value("technician", "?"), account.name);
    opened(Json{{"user", account.name}, {"shell", account.shell}});
    pump(master_.get(), settings_->terminalIdleTimeout, kTypeAheadHold);
    reap();
    spdlog::info("remote terminal {} closed", id());
  }

  void onControl(const Json& data) override {
    auto it = data.find("resize");
    if (it == data.end() || !it->is_object()) return;
    winsize ws{};
    ws.ws_col = static_cast<unsigned short>(std::clamp(it->value("cols", 80), 2, 1000));
    ws.ws_row = static_cast<unsigned short>(std::clamp(it->value("rows", 24), 2, 1000));
    ::ioctl(master_.get(), TIOCSWINSZ, &ws);
  }

 private:
  void spawn(const Account& a, winsize ws) {
    // Everything the child needs is prepared before fork: after it, only system calls.
    std::string login = "-" + std::filesystem::path(a.shell).filename().string();
    std::vector<std::string> env = {"HOME=" + a.home,      "USER=" + a.name,
                                    "LOGNAME=" + a.name,   "SHELL=" + a.shell,
                                    "TERM=xterm-256color", "PATH=/usr/local/bin:/usr/bin:/bin",
                                    "LANG=C.UTF-8"};
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    char* loginArgv[] = {login.data(), nullptr};
    char** argv = loginArgv;
    std::string program = a.shell;
    // Own unit: systemd-run switches to the account and relays the unit's PTY to ours.
    std::vector<std::string> unitCommand;
    std::vector<char*> unitArgv;
    if (settings_->terminalInOwnUnit) {
      static std::atomic<unsigned> sequence{0};
      unit_ = "parc-terminal-" + std::to_string(::getpid()) + "-" + std::to_string(++sequence);
      unitCommand = terminalUnitCommand(unit_, a.uid, a.gid, a.home, a.shell);
      for (auto& arg : unitCommand) unitArgv.push_back(arg.data());
      unitArgv.push_back(nullptr);
      argv = unitArgv.data();
      program = unitCommand.front();
    }
    bool ownUnit = settings_->terminalInOwnUnit;
    bool dropPrivileges = ::geteuid() == 0 && !ownUnit;
    bool sameUser = ::geteuid() == a.uid;
    if (::geteuid() != 0 && !sameUser)
      throw Error(ErrorKind::kForbidden,
                  "the agent is not root: it can only open a terminal as its own account");
    int master = -1;
    pid_t pid = ::forkpty(&master, nullptr, nullptr, &ws);
    if (pid < 0)
      throw Error(ErrorKind::kUnavailable, std::string("forkpty: ") + std::strerror(errno));
    if (pid == 0) {
      if (dropPrivileges && !sameUser) {
        if (::setgroups(a.groups.size(), a.groups.data()) != 0 || ::setgid(a.gid) != 0 ||
            ::setuid(a.uid) != 0)
          ::_exit(126);
      }
      if (ownUnit ? ::chdir("/") != 0 : (::chdir(a.home.c_str()) != 0 && ::chdir("/") != 0))
        ::_exit(126);
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      ::signal(SIGPIPE, SIG_DFL);
      ::execve(program.c_str(), argv, envp.data());
      ::_exit(127);
    }
    ::fcntl(master, F_SETFD, FD_CLOEXEC);
    ::fcntl(master, F_SETFL, ::fcntl(master, F_GETFL) | O_NONBLOCK);
    master_.reset(master);
    child_ = pid;
  }

  // The shell and what it started go with the session.
  void reap() {
    stopUnit();
    if (child_ <= 0) return;
    ::kill(-child_, SIGHUP);
    ::kill(child_, SIGHUP);
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(child_, nullptr, WNOHANG) == child_) {
        child_ = -1;
        master_.reset();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(-child_, SIGKILL);
    ::kill(child_, SIGKILL);
    ::waitpid(child_, nullptr, 0);
    child_ = -1;
    master_.reset();
  }

  // Ending systemd-run's relay does not end the unit's shell: stop the unit itself.
  void stopUnit() {
    if (unit_.empty()) return;
    try {
      runWithTimeout({"systemctl", "stop", unit_ + ".service"}, std::chrono::seconds(10));
    } catch (const Error& e) {
      spdlog::warn("remote terminal: cannot stop {}: {}", unit_, e.what());
    }
    unit_.clear();
  }

  std::shared_ptr<const RemoteSettings> settings_;
  UniqueFd master_;
  pid_t child_ = -1;
  std::string unit_;  // the transient unit of the shell, when in its own unit
};

}  // namespace

std::shared_ptr<AgentStream> makeTerminalStream(protocol::StreamId id, std::uint32_t window,
                                                std::shared_ptr<StreamOutput> out,
                                                std::shared_ptr<const RemoteSettings> settings) {
  return std::make_shared<TerminalStream>(id, window, std::move(out), std::move(settings));
}

}  // namespace parc::agent::remote
