#include "common/sqlite/background_checkpointer.h"

#include <spdlog/spdlog.h>

#include "common/thread/thread_name.h"

namespace parc::sqlite {

BackgroundCheckpointer::BackgroundCheckpointer(Database& writer, const std::filesystem::path& file,
                                               int pages, int restartPages)
    : writer_(writer), db_(Database::open(file)), pages_(pages), restartPages_(restartPages) {
  writer_.checkpointElsewhere([this](int walPages) {
    if (walPages >= restartPages_) return true;  // the writer copies the tail
    if (walPages >= pages_) {
      {
        std::lock_guard lock(mutex_);
        due_ = true;
      }
      wake_.notify_one();
    }
    return false;
  });
  thread_ = namedThread("wal-checkpoint", [this] { run(); });
}

BackgroundCheckpointer::~BackgroundCheckpointer() {
  writer_.checkpointElsewhere(nullptr);  // nothing writes meanwhile: its owner is going
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void BackgroundCheckpointer::run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return due_ || stopping_; });
      due_ = false;
    }
    try {
      db_.checkpoint();
    } catch (const std::exception& e) {
      // The writer's data is safe in the WAL; the next commit asks again.
      spdlog::warn("WAL checkpoint failed: {}", e.what());
    }
    std::lock_guard lock(mutex_);
    if (stopping_) return;
  }
}

}  // namespace parc::sqlite
