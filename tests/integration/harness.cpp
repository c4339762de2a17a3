#include "tests/integration/harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>
#include <thread>

#include "common/files/files.h"

namespace parc::testing {

namespace {

std::vector<char*> cStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// fork + exec with stdout/stderr to files and optional stdin file.
pid_t spawn(std::vector<std::string> argv, const std::map<std::string, std::string>& env,
            const std::filesystem::path& out, const std::filesystem::path& err,
            const std::filesystem::path& in) {
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    int inFd = open(in.empty() ? "/dev/null" : in.c_str(), O_RDONLY);
    int outFd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int errFd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(inFd, 0);
    dup2(outFd, 1);
    dup2(errFd, 2);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    auto args = cStrings(argv);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

int decode(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

std::string lastLines(const std::string& text, std::size_t count) {
  std::size_t at = text.size();
  while (count-- > 0 && at > 0) {
    at = text.rfind('\n', at - 1);
    if (at == std::string::npos) return text;
  }
  return text.substr(at);
}

// What a process that will not stop is doing: each thread's stack (gdb attaches, bounded
// as any runProgram; the frames only), for a failure seen once in CI to say where it hung.
std::string stacksOf(pid_t pid) {
  if (::access("/usr/bin/gdb", X_OK) != 0) return "(no gdb for the stacks)";
  RunResult gdb = runProgram({"/usr/bin/gdb", "-batch", "-nx", "-p", std::to_string(pid), "-ex",
                              "thread apply all bt 15"});
  std::string frames;
  std::istringstream lines(gdb.out);
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with("Thread ") || line.starts_with("#")) frames += line.substr(0, 200) + "\n";
  return frames.empty() ? "(gdb printed no stack)" : frames;
}

}  // namespace

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "parc-it-XXXXXX").string();
  path_ = mkdtemp(pattern.data());
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string binary(const std::string& name) {
  static const std::map<std::string, std::string> kPaths = {
      {"parc-server", "/server/parc-server"},
      {"parc-agent", "/agent/parc-agent"},
      {"parcctl", "/cli/parcctl"},
      {"parc-loadgen", "/bench/parc-loadgen"}};
  return std::string(PARC_BINARY_DIR) + kPaths.at(name);
}

std::uint16_t freeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::uint16_t waitHelperReady(Process& helper, const std::filesystem::path& stdoutFile,
                              std::chrono::milliseconds timeout) {
  std::uint16_t port = 0;
  waitFor(
      [&] {
        std::istringstream out(files::tryRead(stdoutFile).value_or(""));
        for (std::string word; out >> word;) {
          if (word == "ready" && out >> port) return true;
        }
        return !helper.running();
      },
      timeout);
  return port;
}

RunResult runProgram(const std::vector<std::string>& argv,
                     const std::map<std::string, std::string>& env, const std::string& input,
                     std::chrono::seconds timeout) {
  TempDir io;
  auto in = io.path() / "in", out = io.path() / "out", err = io.path() / "err";
  files::writeAtomic(in, input);
  pid_t pid = spawn(argv, env, out, err, in);
  int status = 0;
  bool done = waitFor([&] { return waitpid(pid, &status, WNOHANG) == pid; }, timeout);
  if (!done) {
    ::kill(-pid, SIGKILL);
    waitpid(pid, &status, 0);
    ADD_FAILURE() << argv[0] << " did not finish within " << timeout.count() << " s";
  }
  return RunResult{decode(status), files::tryRead(out).value_or(""),
                   files::tryRead(err).value_or("")};
}

Process::Process(const std::vector<std::string>& argv, const std::filesystem::path& logPrefix,
                 const std::map<std::string, std::string>& env)
    : logPrefix_(logPrefix) {
  auto out = logPrefix_, err = logPrefix_;
  out += ".out";
  err += ".err";
  pid_ = spawn(argv, env, out, err, {});
}

Process::~Process() {
  // As long as stop()'s own bound: under ASan, LeakSanitizer's scan at exit alone takes a
  // second for a server that billed a month (0.16 s without it), and CI runs two such
  // tests at once; 5 s was once too short (ModulesRest, 2026-12-01).
  if (!reaped_) stop();
}

bool Process::running() {
  if (reaped_) return false;
  if (waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

int Process::stop(std::chrono::seconds timeout) {
  if (!reaped_) {
    ::kill(pid_, SIGTERM);
    if (!waitFor([this] { return !running(); }, timeout)) {
      std::string stacks = stacksOf(pid_);
      ::kill(-pid_, SIGKILL);
      waitpid(pid_, &status_, 0);
      reaped_ = true;
      ADD_FAILURE() << "process " << pid_ << " ignored SIGTERM for " << timeout.count()
                    << " s; its last log lines:" << lastLines(stderrText(), 15)
                    << "\nits threads:\n"
                    << stacks;
    }
  }
  return decode(status_);
}

void Process::kill9() {
  ::kill(-pid_, SIGKILL);
  waitpid(pid_, &status_, 0);
  reaped_ = true;
}

std::string Process::stderrText() const {
  auto err = logPrefix_;
  err += ".err";
  return files::tryRead(err).value_or("");
}

ServerFixture::ServerFixture(const std::filesystem::path& dataDir, std::uint16_t agentPort,
                             std::uint16_t consolePort, const std::vector<std::string>& extraArgs) {
  auto runtime = dataDir / "server.json";
  std::filesystem::remove(runtime);
  std::vector<std::string> argv{binary("parc-server"),
                                "--data-dir",
                                dataDir.string(),
                                "--agent-listen",
                                "127.0.0.1:" + std::to_string(agentPort),
                                "--console-listen",
                                "127.0.0.1:" + std::to_string(consolePort)};
  argv.insert(argv.end(), extraArgs.begin(), extraArgs.end());
  process_ = std::make_unique<Process>(
      argv, dataDir.parent_path() / (dataDir.filename().string() + "-server"));
  bool up = waitFor([&] { return std::filesystem::exists(runtime) || !process_->running(); },
                    std::chrono::seconds(30));
  if (!up || !std::filesystem::exists(runtime)) {
    throw std::runtime_error("parc-server did not start: " + process_->stderrText());
  }
  Json j = parseJson(files::read(runtime));
  agentUrl = j["agent_url"];
  consoleUrl = j["console_url"];
  caFingerprint = j["ca_fingerprint"];
  this->agentPort = static_cast<std::uint16_t>(std::stoi(agentUrl.substr(agentUrl.rfind(':') + 1)));
  this->consolePort =
      static_cast<std::uint16_t>(std::stoi(consoleUrl.substr(consoleUrl.rfind(':') + 1)));
  adminPassword = files::read(dataDir / "initial-admin-password");
  adminPassword.erase(adminPassword.find_last_not_of("\n") + 1);
}

RunResult Parcctl::run(std::vector<std::string> args, const std::string& input) const {
  args.insert(args.begin(), binary("parcctl"));
  return runProgram(args, {{"XDG_CONFIG_HOME", home_.string()}}, input);
}

Json Parcctl::json(std::vector<std::string> args) const {
  args.insert(args.begin(), "--json");
  RunResult r = run(args);
  if (r.exitCode != 0) {
    ADD_FAILURE() << "parcctl " << args[1] << " failed (" << r.exitCode << "): " << r.err;
    return Json();
  }
  return parseJson(r.out);
}

void Parcctl::login(const ServerFixture& server) const {
  RunResult r = run({"login", "--server", server.consoleUrl, "--ca-fingerprint",
                     server.caFingerprint, "--password-stdin"},
                    server.adminPassword + "\n");
  ASSERT_EQ(r.exitCode, 0) << r.err;
}

}  // namespace parc::testing
