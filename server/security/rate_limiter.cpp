#include "server/security/rate_limiter.h"

#include <algorithm>

#include "common/error.h"

namespace parc::server::security {

namespace {

std::chrono::steady_clock::duration timeToFill(const RateLimiter::Options& o) {
  if (o.capacity < 1 || o.refillPerSecond <= 0 || o.maxKeys == 0) {
    throw Error(ErrorKind::kInternal, "rate limiter: capacity >= 1, rate > 0 and keys > 0");
  }
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(o.capacity / o.refillPerSecond));
}

}  // namespace

RateLimiter::RateLimiter(Options options, Clock clock)
    : options_(options), clock_(std::move(clock)), idleAfter_(timeToFill(options)) {}

bool RateLimiter::allow(const std::string& key) {
  auto now = clock_();
  std::lock_guard lock(mutex_);
  evict(now);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    lru_.push_front(key);
    it = buckets_.emplace(key, Bucket{options_.capacity, now, lru_.begin()}).first;
    if (buckets_.size() > options_.maxKeys) {
      // Past the cap the stalest key goes, even if not idle: it restarts with a full
      // bucket, which is the price of bounded memory under a flood of distinct keys.
      buckets_.erase(lru_.back());
      lru_.pop_back();
    }
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lruPosition);
  }
  Bucket& b = it->second;
  // A clock that goes backwards (a test, or a broken clock source) refills nothing.
  if (now > b.updated) {
    std::chrono::duration<double> elapsed = now - b.updated;
    b.tokens = std::min(options_.capacity, b.tokens + elapsed.count() * options_.refillPerSecond);
    b.updated = now;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

std::size_t RateLimiter::size() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

void RateLimiter::evict(std::chrono::steady_clock::time_point now) {
  // The list is in order of last use, so idle keys are all at its end.
  while (!lru_.empty()) {
    const Bucket& oldest = buckets_.at(lru_.back());
    if (now - oldest.updated < idleAfter_) break;
    buckets_.erase(lru_.back());
    lru_.pop_back();
  }
}

}  // namespace parc::server::security
