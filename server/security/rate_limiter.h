#pragma once
// A token bucket per key (a source address, an account…): each key may spend up to
// `capacity` requests at once, then `refillPerSecond` on average. Thread-safe; memory
// bounded by evicting idle keys and, past `maxKeys`, the least recently seen key.
#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

namespace parc::server::security {

class RateLimiter {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  struct Options {
    double capacity = 20;        // burst size, in requests
    double refillPerSecond = 1;  // sustained rate
    std::size_t maxKeys = 100'000;
  };

  /// Throws parc::Error kInternal on a non-positive capacity, rate or key cap.
  explicit RateLimiter(Options options, Clock clock = std::chrono::steady_clock::now);

  /// Spends one token of `key`'s bucket; false when it is empty (refuse, 429).
  bool allow(const std::string& key);

  /// Distinct keys currently held (for tests and metrics).
  std::size_t size() const;

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point updated;
    std::list<std::string>::iterator lruPosition;
  };

  void evict(std::chrono::steady_clock::time_point now);

  const Options options_;
  const Clock clock_;
  // Time for an empty bucket to fill up: a key idle that long is indistinguishable from
  // a new one, so forgetting it changes no decision.
  const std::chrono::steady_clock::duration idleAfter_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::list<std::string> lru_;  // most recently used first
};

}  // namespace parc::server::security
