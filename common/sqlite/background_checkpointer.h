#pragma once
// Copies a WAL database's committed pages into its file on a thread and a connection of
// its own, so that the writer's commits never wait for that copy and its flush: inline,
// a 1,000-page checkpoint of metrics.sqlite held a commit (and the agents' answers) up to
// ~300 ms on this machine's disk (docs/benchmarks.md, "Metrics stored once"). The
// writer's commit hook says how full the WAL is; a checkpoint runs once it holds `pages`
// pages, PASSIVE: it never blocks the writer. But the writer starts the WAL over only
// once a checkpoint has caught up with it, which one running beside a steady writer
// never does (the WAL grew by 320 MB in 40 s at saturation): past `restartPages`, the
// writer's next commit copies what is left itself, as its commits did before.
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "common/sqlite/database.h"

namespace parc::sqlite {

class BackgroundCheckpointer {
 public:
  /// Takes over the checkpoints of `writer` (a connection to `file`, which must outlive
  /// this object).
  BackgroundCheckpointer(Database& writer, const std::filesystem::path& file, int pages = 1000,
                         int restartPages = 4000);
  /// Gives the checkpoints back to the writer's commits, after a last one here.
  ~BackgroundCheckpointer();
  BackgroundCheckpointer(const BackgroundCheckpointer&) = delete;
  BackgroundCheckpointer& operator=(const BackgroundCheckpointer&) = delete;

 private:
  void run();

  Database& writer_;
  Database db_;
  int pages_;
  int restartPages_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool due_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace parc::sqlite
