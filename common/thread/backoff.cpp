#include "common/thread/backoff.h"

#include <algorithm>
#include <cstdint>
#include <random>

namespace parc {

std::chrono::milliseconds backoffWithFullJitter(int attempt, std::chrono::milliseconds base,
                                                std::chrono::milliseconds cap) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  auto ceiling = std::min<std::chrono::milliseconds>(
      cap, base * (std::int64_t{1} << std::clamp(attempt, 0, 20)));
  std::uniform_int_distribution<std::int64_t> dist(0, ceiling.count());
  return std::chrono::milliseconds(dist(rng));
}

}  // namespace parc
