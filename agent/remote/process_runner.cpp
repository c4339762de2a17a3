#include "agent/remote/process_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace parc::agent::remote {

namespace {

// A pipe whose ends close themselves.
struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() {
    if (pipe2(fd, O_CLOEXEC) != 0)
      throw Error(ErrorKind::kInternal, std::string("pipe: ") + std::strerror(errno));
  }
  ~Pipe() {
    closeEnd(0);
    closeEnd(1);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  void closeEnd(int i) {
    if (fd[i] >= 0) close(fd[i]);
    fd[i] = -1;
  }
};

std::int64_t msSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t)
      .count();
}

}  // namespace

std::vector<std::filesystem::path> ProcessRunner::defaultPath() {
  return {"/usr/sbin", "/usr/bin", "/sbin", "/bin"};
}

ProcessRunner::ProcessRunner(std::vector<std::filesystem::path> searchPath)
    : searchPath_(std::move(searchPath)) {}

std::optional<std::filesystem::path> ProcessRunner::find(const std::string& program) const {
  if (program.empty() || program.find('/') != std::string::npos) return std::nullopt;
  for (const auto& dir : searchPath_) {
    auto candidate = dir / program;
    if (access(candidate.c_str(), X_OK) == 0 && std::filesystem::is_regular_file(candidate))
      return candidate;
  }
  return std::nullopt;
}

RunOutcome ProcessRunner::run(const std::string& program, const std::vector<std::string>& args,
                              const RunLimits& limits,
                              const std::vector<std::string>& extraEnv) const {
  RunOutcome outcome;
  outcome.command = program;
  for (const auto& a : args) outcome.command += " " + a;
  auto path = find(program);
  if (!path) throw Error(ErrorKind::kNotFound, program + ": not installed on this PC");

  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::string pathVar = "PATH=";
  for (const auto& d : searchPath_) pathVar += (pathVar.size() > 5 ? ":" : "") + d.string();
  std::vector<std::string> envStrings = {pathVar, "LANG=C.UTF-8", "HOME=/root",
                                         "SYSTEMD_PAGER=", "TERM=dumb"};
  envStrings.insert(envStrings.end(), extraEnv.begin(), extraEnv.end());
  std::vector<char*> envp;
  for (auto& e : envStrings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string file = path->string();
  std::vector<std::string> argStrings = {file};
  argStrings.insert(argStrings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argStrings) argv.push_back(a.data());
  argv.push_back(nullptr);

  Pipe out, err;
  auto started = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid < 0) throw Error(ErrorKind::kInternal, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    setpgid(0, 0);  // its own group: a timeout kills what it started too
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    dup2(out.fd[1], 1);
    dup2(err.fd[1], 2);
    syscall(SYS_close_range, 3U, ~0U, 0U);  // nothing of the agent's leaks into it
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);  // the agent blocks SIGTERM in its threads
    execve(file.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  setpgid(pid, pid);
  out.closeEnd(1);
  err.closeEnd(1);

  std::array<std::string*, 2> sinks = {&outcome.out, &outcome.err};
  std::array<int, 2> fds = {out.fd[0], err.fd[0]};
  auto deadline = started + limits.timeout;
  char buf[16384];
  while (fds[0] >= 0 || fds[1] >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      outcome.timedOut = true;
      break;
    }
    std::array<pollfd, 2> p{};
    for (int i = 0; i < 2; ++i) p[i] = {fds[i], POLLIN, 0};
    int n = poll(p.data(), 2, static_cast<int>(std::min<std::int64_t>(left.count(), 1000)));
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i] < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t got = read(fds[i], buf, sizeof buf);
      if (got <= 0) {
        if (got < 0 && errno == EINTR) continue;
        fds[i] = -1;  // closed by the Pipe's destructor
        continue;
      }
      std::size_t room = limits.maxOutputBytes - std::min(limits.maxOutputBytes, sinks[i]->size());
      sinks[i]->append(buf, std::min(room, static_cast<std::size_t>(got)));
      if (static_cast<std::size_t>(got) > room) outcome.truncated = true;
    }
  }
  if (outcome.timedOut) kill(-pid, SIGKILL);
  int status = 0;
  // After the pipes closed the child is ending; a timed-out one was just killed.
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!outcome.timedOut) kill(-pid, SIGKILL);  // leftovers of the group, if any
  if (WIFEXITED(status)) outcome.exitCode = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
  outcome.durationMs = msSince(started);
  return outcome;
}

}  // namespace parc::agent::remote
