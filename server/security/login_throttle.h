#pragma once
// Failed-login backoff, per account and per source address: the first few failures
// cost nothing, then each further failure doubles the wait (1 s, 2 s, 4 s… up to
// 15 min). A delay rather than a hard lock, so that an attacker cannot lock a real
// user out for long, while guessing is slowed to a few hundred tries a day.
//
// Per account it stops guessing one password; per source it stops spraying many
// accounts from one address. The source threshold is higher because a town hall's
// staff share one public address. Time is passed in, never read, so tests are exact.
#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

namespace parc::server::security {

class LoginThrottle {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  struct Options {
    int accountFreeFailures = 5;  // failures before the first delay
    int sourceFreeFailures = 20;  // per source address
    // Failures are forgotten after this long without one, counted from the end of the delay.
    std::chrono::seconds window{std::chrono::minutes(15)};
    std::chrono::seconds firstDelay{1};
    std::chrono::seconds maxDelay{std::chrono::minutes(15)};
    std::size_t maxEntries = 100'000;  // per kind (accounts, sources)
  };

  LoginThrottle() : LoginThrottle(Options{}) {}
  explicit LoginThrottle(Options options);

  /// How long the caller must refuse a login for this account from this source
  /// (0 = may try now): the longer of the two waits, rounded up to whole seconds, for
  /// a Retry-After header. Callers normalise the account name (e.g. lower case).
  std::chrono::seconds retryAfter(const std::string& account, const std::string& source,
                                  TimePoint now);

  void recordFailure(const std::string& account, const std::string& source, TimePoint now);

  /// Forgets the account's failures. The source keeps its count: otherwise an attacker
  /// could wipe it by logging into an account of their own between guesses.
  void recordSuccess(const std::string& account, const std::string& source, TimePoint now);

 private:
  struct Entry {
    int failures = 0;
    TimePoint lastFailure;
    TimePoint blockedUntil;
    std::list<std::string>::iterator lruPosition;
  };

  /// One kind of key (accounts or sources), with its threshold and its bounded map.
  struct Table {
    int freeFailures = 0;
    std::unordered_map<std::string, Entry> entries;
    std::list<std::string> lru;  // most recent failure first
  };

  void fail(Table& table, const std::string& key, TimePoint now);
  std::chrono::seconds wait(Table& table, const std::string& key, TimePoint now);
  void evict(Table& table, TimePoint now);
  std::chrono::seconds delayFor(int failures, int freeFailures) const;
  bool isQuiet(const Entry& e, TimePoint now) const;

  const Options options_;
  std::mutex mutex_;
  Table accounts_;
  Table sources_;
};

}  // namespace parc::server::security
