// `parcctl remote terminal HOST`: the terminal session the console's xterm.js opens,
// from a shell. With a terminal on stdin, it is put in raw mode (restored on every way
// out) and its size follows SIGWINCH; with a pipe, bytes go as they come and the end of
// stdin sends ^D, so `printf 'cmd\nexit\n' | parcctl remote terminal 12` works in scripts.
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>

#include "cli/commands/remote_streams.h"
#include "cli/commands/stream_session.h"
#include "common/error.h"

namespace parc::cli {

namespace {

std::atomic<bool> windowChanged{false};

void onWindowChange(int) {
  windowChanged = true;
}

// Raw mode for the life of the session; the previous settings come back in the destructor.
class RawTerminal {
 public:
  explicit RawTerminal(bool enable) {
    if (!enable || ::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    active_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0;
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

// The window's size, or 80x24 for a pipe.
std::pair<int, int> windowSize(bool tty) {
  winsize ws{};
  if (tty && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && ws.ws_row > 1)
    return {ws.ws_col, ws.ws_row};
  return {80, 24};
}

void writeAll(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // stdout gone: the session goes on until it ends
    done += static_cast<std::size_t>(n);
  }
}

// Keystrokes (or piped bytes) to the session until it ends.
void pumpInput(StreamSession& s, bool tty) {
  char buf[4096];
  while (!s.finished()) {
    if (windowChanged.exchange(false)) {
      auto [cols, rows] = windowSize(tty);
      s.sendText(Json{{"type", "resize"}, {"cols", cols}, {"rows", rows}});
    }
    pollfd in{STDIN_FILENO, POLLIN, 0};
    int ready = ::poll(&in, 1, 100);
    if (ready <= 0) continue;  // timeout, or EINTR from SIGWINCH
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // End of a pipe: ^D, which ends the shell once it has read what came before; the
      // caller then waits for the session's end.
      s.send("\x04");
      return;
    }
    s.send(std::string_view(buf, static_cast<std::size_t>(n)));
  }
}

}  // namespace

void runTerminal(const Globals& g, long long host) {
  const bool tty = ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
  auto [cols, rows] = windowSize(tty);
  StreamSession s(sessionSocketOptions(g, "/api/v1/hosts/" + std::to_string(host) +
                                              "/sessions/terminal?cols=" + std::to_string(cols) +
                                              "&rows=" + std::to_string(rows)),
                  {[](const std::string& bytes) { writeAll(STDOUT_FILENO, bytes); }, {}});
  if (s.waitReady()) {
    struct sigaction sa {};
    sa.sa_handler = onWindowChange;
    if (tty) ::sigaction(SIGWINCH, &sa, nullptr);
    RawTerminal raw(tty);
    pumpInput(s, tty);
  }
  Json end = s.waitEnd();
  if (tty) std::fputs("\r\n", stderr);
  failUnlessOk(end, "terminal session");
}

}  // namespace parc::cli
