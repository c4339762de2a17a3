#pragma once
// Group commit: callers that arrive while a transaction is being written wait, then the
// first of them (the leader) writes all of theirs in one transaction: one flush for many
// callers, each still returning only once its own part is durable. Used by parc.db's
// message store and by metrics.sqlite, whose commits wait for the disk.
#include <condition_variable>
#include <mutex>
#include <span>
#include <vector>

namespace parc::sqlite {

/// `Pending` is the caller's part; it must have a `bool done`, false when submitted.
template <typename Pending>
class GroupCommit {
 public:
  /// Queues `mine` (queued together, so one leader takes them all at once) and returns
  /// once `commit` has run over a group holding them, on this thread or another's.
  /// `commit` must not throw: it records each part's outcome in the part.
  template <typename Commit>
  void submit(std::span<Pending> mine, Commit&& commit) {
    std::unique_lock lock(mutex_);
    for (auto& p : mine) queue_.push_back(&p);
    while (!mine.empty() && !mine.front().done) {
      if (leader_) {
        done_.wait(lock);
        continue;
      }
      leader_ = true;
      std::vector<Pending*> taken;
      taken.swap(queue_);
      lock.unlock();
      commit(taken);
      lock.lock();
      for (auto* p : taken) p->done = true;
      leader_ = false;
      done_.notify_all();
    }
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  std::vector<Pending*> queue_;
  bool leader_ = false;
};

}  // namespace parc::sqlite
