#include "server/security/login_throttle.h"

#include <algorithm>

#include "common/error.h"

namespace parc::server::security {

LoginThrottle::LoginThrottle(Options options) : options_(options) {
  if (options.accountFreeFailures < 0 || options.sourceFreeFailures < 0 ||
      options.firstDelay.count() <= 0 || options.maxDelay < options.firstDelay ||
      options.window.count() <= 0 || options.maxEntries == 0) {
    throw Error(ErrorKind::kInternal, "login throttle: invalid options");
  }
  accounts_.freeFailures = options.accountFreeFailures;
  sources_.freeFailures = options.sourceFreeFailures;
}

std::chrono::seconds LoginThrottle::retryAfter(const std::string& account,
                                               const std::string& source, TimePoint now) {
  std::lock_guard lock(mutex_);
  return std::max(wait(accounts_, account, now), wait(sources_, source, now));
}

void LoginThrottle::recordFailure(const std::string& account, const std::string& source,
                                  TimePoint now) {
  std::lock_guard lock(mutex_);
  fail(accounts_, account, now);
  fail(sources_, source, now);
}

void LoginThrottle::recordSuccess(const std::string& account, const std::string& /*source*/,
                                  TimePoint /*now*/) {
  std::lock_guard lock(mutex_);
  auto it = accounts_.entries.find(account);
  if (it == accounts_.entries.end()) return;
  accounts_.lru.erase(it->second.lruPosition);
  accounts_.entries.erase(it);
}

bool LoginThrottle::isQuiet(const Entry& e, TimePoint now) const {
  // The window is counted from the end of the delay, not from the last failure: else
  // an attacker at the maximum delay would wait it out and find the count reset.
  return now - std::max(e.lastFailure, e.blockedUntil) >= options_.window;
}

std::chrono::seconds LoginThrottle::delayFor(int failures, int freeFailures) const {
  int over = failures - freeFailures;  // 1 after the first failure past the free ones
  if (over <= 0) return std::chrono::seconds(0);
  std::chrono::seconds delay = options_.firstDelay;
  // Doubling stops at the cap, so no overflow however many failures pile up.
  for (int i = 1; i < over && delay < options_.maxDelay; ++i) delay *= 2;
  return std::min(delay, options_.maxDelay);
}

void LoginThrottle::fail(Table& table, const std::string& key, TimePoint now) {
  evict(table, now);
  auto it = table.entries.find(key);
  if (it == table.entries.end()) {
    table.lru.push_front(key);
    it = table.entries.emplace(key, Entry{0, now, now, table.lru.begin()}).first;
    if (table.entries.size() > options_.maxEntries) {
      table.entries.erase(table.lru.back());
      table.lru.pop_back();
    }
  } else {
    table.lru.splice(table.lru.begin(), table.lru, it->second.lruPosition);
    if (isQuiet(it->second, now)) it->second.failures = 0;
  }
  Entry& e = it->second;
  // Saturate: the delay is capped long before, and the count must not overflow.
  if (e.failures < 1'000'000) ++e.failures;
  e.lastFailure = std::max(e.lastFailure, now);
  e.blockedUntil = std::max(e.blockedUntil, now + delayFor(e.failures, table.freeFailures));
}

std::chrono::seconds LoginThrottle::wait(Table& table, const std::string& key, TimePoint now) {
  auto it = table.entries.find(key);
  if (it == table.entries.end() || it->second.blockedUntil <= now) {
    return std::chrono::seconds(0);
  }
  auto remaining = it->second.blockedUntil - now;
  return std::chrono::ceil<std::chrono::seconds>(remaining);
}

void LoginThrottle::evict(Table& table, TimePoint now) {
  // An entry whose window has passed and whose delay is over holds no information.
  while (!table.lru.empty()) {
    const Entry& oldest = table.entries.at(table.lru.back());
    if (!isQuiet(oldest, now)) break;
    table.entries.erase(table.lru.back());
    table.lru.pop_back();
  }
}

}  // namespace parc::server::security
