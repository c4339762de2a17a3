#include "common/thread/periodic_thread.h"

#include "common/thread/thread_name.h"

namespace parc {

PeriodicThread::PeriodicThread(std::string name, std::chrono::milliseconds interval, Work work)
    : interval_(interval),
      work_(std::move(work)),
      thread_(namedThread(std::move(name), [this] { run(); })) {}

PeriodicThread::~PeriodicThread() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool PeriodicThread::stopping() {
  std::lock_guard lock(mutex_);
  return stopping_;
}

void PeriodicThread::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    work_([this] { return !stopping(); });
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

}  // namespace parc
