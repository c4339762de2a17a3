#include "common/thread/backoff.h"

#include <algorithm>
#include <cstdint>
#include <random>

namespace parc {

namespace {
std::mt19937_64& rng() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen;
}
}  // namespace

std::chrono::milliseconds backoffWithFullJitter(int attempt, std::chrono::milliseconds base,
                                                std::chrono::milliseconds cap) {
  auto ceiling = std::min<std::chrono::milliseconds>(
      cap, base * (std::int64_t{1} << std::clamp(attempt, 0, 20)));
  std::uniform_int_distribution<std::int64_t> dist(0, ceiling.count());
  return std::chrono::milliseconds(dist(rng()));
}

std::chrono::milliseconds retryDelay(int attempt, std::chrono::milliseconds base,
                                     std::chrono::milliseconds cap,
                                     std::chrono::milliseconds hint) {
  if (hint.count() <= 0) return backoffWithFullJitter(attempt, base, cap);
  std::uniform_int_distribution<std::int64_t> extra(0, hint.count() / 10);
  return std::min(cap, hint + std::chrono::milliseconds(extra(rng())));
}

}  // namespace parc
