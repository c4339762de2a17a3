#include "server/control/report_turns.h"

#include <algorithm>

namespace parc::server::control {

namespace {
ReportTurns::Clock::duration seconds(double s) {
  return std::chrono::duration_cast<ReportTurns::Clock::duration>(std::chrono::duration<double>(s));
}
}  // namespace

void ReportTurns::busy(Clock::time_point now) {
  busySince_ = now;
  recent_.clear();  // stored before an idle spell: not this busy spell's pace
  recentBytes_ = 0;
}

void ReportTurns::stored(std::size_t bytes, Clock::time_point now) {
  recent_.emplace_back(now, bytes);
  recentBytes_ += bytes;
}

double ReportTurns::bytesPerSecond(Clock::time_point now) {
  Clock::time_point from = std::max(busySince_, now - settings_.window);
  while (!recent_.empty() && recent_.front().first < from) {
    recentBytes_ -= recent_.front().second;
    recent_.pop_front();
  }
  if (recent_.empty()) return settings_.assumedBytesPerSecond;
  // At least a second: one group stored just after the queue filled is no rate yet.
  double span = std::max(1.0, std::chrono::duration<double>(now - from).count());
  return static_cast<double>(recentBytes_) / span;
}

std::chrono::milliseconds ReportTurns::turnFor(std::size_t bytes, std::size_t heldBytes,
                                               std::size_t boundBytes, Clock::time_point now) {
  double rate = bytesPerSecond(now);
  // Its own room: freed once the held reports are down to the bound less its size (none
  // needed when it was refused for the count of reports, not their bytes)...
  double need = static_cast<double>(heldBytes + bytes) - static_cast<double>(boundBytes);
  Clock::time_point ownRoom = now + seconds(std::max(0.0, need) / rate);
  // ... and behind the reports refused before it, which will take their room first.
  Clock::time_point behind = booked_ + seconds(static_cast<double>(bytes) / rate);
  booked_ = std::min(std::max(ownRoom, behind), now + settings_.longest);
  auto wait = std::chrono::ceil<std::chrono::milliseconds>(booked_ - now);
  return std::clamp(wait, settings_.shortest, settings_.longest);
}

}  // namespace parc::server::control
