#pragma once
// How long to wait before trying again after failures in a row: exponential backoff with
// full jitter, so that PCs refused together (a server restart, a full queue) do not come
// back together. Shared by the agent's delivery and the load generator that mimics it.
#include <chrono>

namespace parc {

/// Uniform in [0, min(cap, base * 2^attempt)]; `attempt` counts failures from 0.
std::chrono::milliseconds backoffWithFullJitter(int attempt, std::chrono::milliseconds base,
                                                std::chrono::milliseconds cap);

/// The wait before sending again after a refusal. When the refusal named one (`hint`, a
/// busy server's turn for the message: protocol::ReportAck::retryAfter), that wait plus
/// up to a tenth more, so that turns given close together do not land together: the
/// server knows its pace, our doubling only guesses it. Without one (zero), the
/// backoff above. At most `cap` either way.
std::chrono::milliseconds retryDelay(int attempt, std::chrono::milliseconds base,
                                     std::chrono::milliseconds cap, std::chrono::milliseconds hint);

}  // namespace parc
