#include "agent/update/linux/debian_platform.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.h"

namespace parc::agent::update {

namespace fs = std::filesystem;

std::unique_ptr<UpdatePlatform> nativeUpdatePlatform(const UpdateSettings& settings) {
  return std::make_unique<DebianPlatform>(settings);
}

std::string DebianPlatform::packageFileName(const parc::update::Release& release) const {
  return "parc-agent_" + release.version + "_" + release.architecture + ".deb";
}

// A rollback reinstalls an older package, which the package's preinst refuses unless
// PARC_ALLOW_DOWNGRADE=1: that permission is given to this one call only, so an older
// package offered as an update is still refused by dpkg as well as by the agent.
remote::RunOutcome DebianPlatform::install(const std::string& package, bool rollback) const {
  std::vector<std::string> argv = settings_.installCommand;
  for (auto& a : argv) {
    if (a == "{package}") a = package;
  }
  fs::path program = argv.front();
  // dpkg's maintainer scripts need the sbin directories on PATH.
  auto path = remote::ProcessRunner::defaultPath();
  if (program.is_absolute()) path.insert(path.begin(), program.parent_path());
  remote::ProcessRunner runner(path);
  remote::RunLimits limits;
  limits.timeout = settings_.installTimeout;
  limits.maxOutputBytes = 16 * 1024;
  std::vector<std::string> env;
  if (rollback) env.emplace_back("PARC_ALLOW_DOWNGRADE=1");
  spdlog::info("update: {} {}", rollback ? "reinstalling" : "installing", package);
  return runner.run(program.filename().string(), {argv.begin() + 1, argv.end()}, limits, env);
}

void DebianPlatform::launchApply(const std::vector<std::string>& arguments,
                                 const fs::path& log) const {
  std::vector<std::string> argv = settings_.launcher;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  argv.push_back(ec ? std::string("/usr/bin/parc-agent") : self.string());
  argv.emplace_back("update-apply");
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  std::string line;
  for (const auto& a : argv) line += (line.empty() ? "" : " ") + a;
  spdlog::info("update: starting the apply step: {}", line);
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  pid_t child = fork();
  if (child < 0) throw Error(ErrorKind::kInternal, "fork failed");
  if (child == 0) {
    // Detached twice over: its own session, reparented to init, none of our descriptors.
    setsid();
    if (fork() != 0) _exit(0);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, 0);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    close_range(3, ~0U, 0);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  int ignored = 0;
  waitpid(child, &ignored, 0);
}

}  // namespace parc::agent::update
