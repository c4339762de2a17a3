#pragma once
// How long to wait before trying again after failures in a row: exponential backoff with
// full jitter, so that PCs refused together (a server restart, a full queue) do not come
// back together. Shared by the agent's delivery and the load generator that mimics it.
#include <chrono>

namespace parc {

/// Uniform in [0, min(cap, base * 2^attempt)]; `attempt` counts failures from 0.
std::chrono::milliseconds backoffWithFullJitter(int attempt, std::chrono::milliseconds base,
                                                std::chrono::milliseconds cap);

}  // namespace parc
