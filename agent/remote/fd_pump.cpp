#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>

#include "agent/remote/streams.h"
#include "common/error.h"

namespace parc::agent::remote {

void FdPumpStream::pump(int fd, std::chrono::seconds idle, std::chrono::milliseconds holdInput) {
  std::deque<std::string> toWrite;
  std::string buf(protocol::kMaxStreamChunk, '\0');
  auto last = std::chrono::steady_clock::now();
  auto holdUntil = last + holdInput;  // moved to now once the descriptor has spoken
  for (;;) {
    bool holding = std::chrono::steady_clock::now() < holdUntil;
    clearWake();  // before draining: a message arriving now wakes the next poll
    if (cancelled()) return;
    while (auto m = tryNext()) {
      if (m->control) {
        onControl(m->data);
      } else if (!m->bytes.empty()) {
        toWrite.push_back(std::move(m->bytes));
      }
    }
    std::size_t credit = creditAvailable();
    short events =
        static_cast<short>((credit > 0 ? POLLIN : 0) | (toWrite.empty() || holding ? 0 : POLLOUT));
    // Without credit nor anything to write, the descriptor is left alone (a hang-up is
    // seen once credit returns: trailing output is not lost).
    pollfd fds[2] = {{events ? fd : -1, events, 0}, {wakeFd(), POLLIN, 0}};
    auto left = idle - std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - last);
    if (left.count() <= 0)
      throw Error(ErrorKind::kUnavailable,
                  "idle for " + std::to_string(idle.count()) + " s: session closed");
    int rc = ::poll(fds, 2,
                    static_cast<int>(std::min<std::int64_t>(left.count(), holding ? 100 : 1000)));
    if (rc < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorKind::kInternal, std::string("poll: ") + std::strerror(errno));
    }
    if (fds[0].revents & POLLOUT) {
      ssize_t n = ::write(fd, toWrite.front().data(), toWrite.front().size());
      if (n < 0 && errno != EAGAIN && errno != EINTR) return;  // the other end is gone
      if (n > 0) {
        delivered(static_cast<std::size_t>(n));
        if (static_cast<std::size_t>(n) == toWrite.front().size()) {
          toWrite.pop_front();
        } else {
          toWrite.front().erase(0, static_cast<std::size_t>(n));
        }
        last = std::chrono::steady_clock::now();
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::read(fd, buf.data(), std::min(credit, buf.size()));
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) return;  // EOF, or EIO: the PTY's shell has exited
      sendChunk(std::string_view(buf.data(), static_cast<std::size_t>(n)));
      last = std::chrono::steady_clock::now();
      holdUntil = std::min(holdUntil, last);
    }
  }
}

}  // namespace parc::agent::remote
