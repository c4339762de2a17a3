#pragma once
// Agent self-update (docs/operations.md, "Agent self-update"). The service asks the
// server now and then whether its ring offers a newer release; a release is taken only
// when signed by a trusted offline release key, newer than what runs, for this
// architecture, with a package of the announced size and SHA-256. The release of the
// running version is fetched and checked too, to roll back to.
//
// Installing happens in a separate process (`parc-agent update-apply`, started outside the
// service), because installing the package restarts the service. That process waits for
// the new version to check in with the server ("committed"); if it does not in time, it
// reinstalls the previous package ("rolled_back"). Whichever version then runs reports
// the outcome to the server, which does not offer a failed version to that host again.
//
// Files under <data>/update/: state.json, the staged packages, apply.log.
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "agent/transport/identity.h"
#include "agent/update/platform.h"
#include "agent/update/update_settings.h"
#include "common/net/client.h"
#include "common/update/release.h"

namespace parc::agent::update {

struct UpdateState {
  std::string phase;  // "", "installing", "committed", "rolled_back", "failed"
  std::string from, to;
  std::string package, rollbackPackage;
  std::int64_t startedAt = 0;
  std::string detail;
  bool reported = true;           // the last outcome reached the server
  std::set<std::string> refused;  // versions refused here: not downloaded again
};

UpdateState readState(const std::filesystem::path& dataDir);
void writeState(const std::filesystem::path& dataDir, const UpdateState& state);

/// Why this release must not be installed over `current` on `arch`; nullopt when it may.
/// `mustBeNewer` is false for the release of the running version (the rollback target).
std::optional<std::string> refusal(const parc::update::SignedRelease& r,
                                   const std::vector<std::string>& trustedKeys,
                                   const std::string& current, const std::string& arch,
                                   bool mustBeNewer);

class Updater {
 public:
  Updater(std::filesystem::path dataDir, std::filesystem::path configFile,
          transport::Identity identity, UpdateSettings settings);
  ~Updater();
  Updater(const Updater&) = delete;
  Updater& operator=(const Updater&) = delete;

  void start();
  void stop();
  void setIdentity(const transport::Identity& identity);

  /// One round: confirm or report the previous update, then look for a new one and
  /// launch its installation. Throws parc::Error when the server cannot be reached.
  void checkOnce();

 private:
  void loop();
  net::HttpsClient client(std::chrono::seconds timeout);
  Json get(const std::string& target, int* status);
  std::string download(const std::string& target, const parc::update::Release& expected);
  void report(const std::string& version, const std::string& status, const std::string& detail);
  void launchApply();

  std::filesystem::path dataDir_, configFile_;
  UpdateSettings settings_;
  std::unique_ptr<UpdatePlatform> platform_;  // after settings_: made from them
  std::mutex mutex_;
  transport::Identity identity_;  // guarded by mutex_
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

/// `parc-agent update-apply`: installs the staged package, waits for the new version to
/// commit, rolls back otherwise. Returns 0 when committed.
int applyUpdate(const std::filesystem::path& dataDir, const UpdateSettings& settings);

}  // namespace parc::agent::update
