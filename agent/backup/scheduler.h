#pragma once
// Backups on schedule (docs/backups.md, "Schedule"): a thread of the agent service that
// fetches the PC's effective policy at start and every 15 minutes (kept in the data
// directory: the schedule holds offline), and when a run is due starts
// `parc-agent backup --scheduled` as a child — in its own transient systemd unit with
// low CPU and I/O weight when systemd runs the agent, a niced child otherwise. One run
// at a time; a failed run becomes an outbox event for the server.
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/transport/identity.h"
#include "agent/transport/outbox.h"
#include "common/json/json.h"

namespace parc::agent::backup {

struct SchedulerSettings {
  explicit SchedulerSettings(std::filesystem::path data, std::filesystem::path config = {})
      : dataDir(std::move(data)), configFile(std::move(config)) {}
  std::filesystem::path dataDir;
  std::filesystem::path configFile;  // passed on to the child when it exists
  std::filesystem::path agentBinary = "/proc/self/exe";
  std::chrono::seconds policyRefresh = std::chrono::minutes(15);
  std::chrono::seconds tick = std::chrono::seconds(30);
  std::chrono::hours maxRun = std::chrono::hours(12);  // a run stopped past this
  /// Run the child under systemd-run (auto: when the agent itself runs under systemd).
  std::optional<bool> ownUnit;
};

class Scheduler {
 public:
  Scheduler(SchedulerSettings settings, transport::Identity identity, transport::Outbox& outbox,
            std::function<void()> outboxChanged);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void start();
  /// Stops the thread; a running backup child is stopped too (it resumes next time:
  /// packs already stored are not sent again).
  void stop();
  void setIdentity(const transport::Identity& identity);

  /// Starts a backup now (the backup_now action). Returns {"started": bool, "reason"}.
  Json requestNow();

  /// The running service's scheduler, for the backup_now action (nullptr: none).
  static Scheduler* current();

 private:
  void loop();
  void refreshPolicy();
  void runBackup(std::int64_t now, const char* why);
  int runChild(const std::vector<std::string>& argv);
  std::vector<std::string> childArgv() const;
  void report(const std::string& result, const std::string& error, std::int64_t at);

  SchedulerSettings settings_;
  transport::Outbox& outbox_;
  std::function<void()> outboxChanged_;
  std::mutex mutex_;  // guards everything below
  std::condition_variable cv_;
  transport::Identity identity_;
  bool stopping_ = false, requested_ = false, running_ = false;
  std::thread thread_;
};

}  // namespace parc::agent::backup
