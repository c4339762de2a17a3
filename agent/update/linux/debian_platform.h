#pragma once
// Agent updates on Debian and its derivatives: packages installed with dpkg (the
// [update] install_command), the apply step started through systemd-run (launcher), so
// that the package's restart of parc-agent.service does not kill it.
#include "agent/update/platform.h"

namespace parc::agent::update {

class DebianPlatform : public UpdatePlatform {
 public:
  explicit DebianPlatform(UpdateSettings settings) : settings_(std::move(settings)) {}

  std::string packageFileName(const parc::update::Release& release) const override;
  remote::RunOutcome install(const std::string& package, bool rollback) const override;
  void launchApply(const std::vector<std::string>& arguments,
                   const std::filesystem::path& log) const override;

 private:
  UpdateSettings settings_;
};

}  // namespace parc::agent::update
