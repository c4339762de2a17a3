#pragma once
// What installing an agent package takes on one operating system, behind one interface:
// the updater (updater.h) decides what to install and when, a platform does it. Debian's
// (linux/debian_platform.cpp) runs dpkg and starts the apply step with systemd-run; a
// Windows one (msiexec, a scheduled task) is added beside it, not inside the updater.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "agent/remote/process_runner.h"
#include "agent/update/update_settings.h"
#include "common/update/release.h"

namespace parc::agent::update {

class UpdatePlatform {
 public:
  virtual ~UpdatePlatform() = default;

  /// The staged package's file name for a release (e.g. parc-agent_1.2.0_amd64.deb).
  virtual std::string packageFileName(const parc::update::Release& release) const = 0;
  /// Installs `package`; only a rollback may install an older version than what runs.
  virtual remote::RunOutcome install(const std::string& package, bool rollback) const = 0;
  /// Starts `parc-agent update-apply <arguments>` outside the agent's own service (the
  /// installation restarts that service) and detached from it, its output in `log`.
  virtual void launchApply(const std::vector<std::string>& arguments,
                           const std::filesystem::path& log) const = 0;
};

/// The running system's platform, configured by the agent's [update] settings.
std::unique_ptr<UpdatePlatform> nativeUpdatePlatform(const UpdateSettings& settings);

}  // namespace parc::agent::update
