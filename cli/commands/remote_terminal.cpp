// `parcctl remote terminal HOST`: the terminal session the console's xterm.js opens,
// from a shell. With a terminal on stdin, it is put in raw mode (restored on every way
// out) and its size follows SIGWINCH; with a pipe, bytes go as they come and the end of
// stdin sends ^D, so `printf 'cmd\nexit\n' | parcctl remote terminal 12` works in scripts.
// When stdout closes (`| head`), the session is ended and parcctl exits non-zero.
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <optional>

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

// False once `fd` is gone (a closed pipe: EPIPE, SIGPIPE being ignored).
bool writeAll(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
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
  // Output piped into a program that exits (`| head`) must end the session, not leave a
  // shell running blind on the PC nor kill parcctl by SIGPIPE halfway.
  ::signal(SIGPIPE, SIG_IGN);
  std::atomic<bool> outputGone{false};
  std::atomic<StreamSession*> session{nullptr};
  StreamSession s(sessionSocketOptions(g, "/api/v1/hosts/" + std::to_string(host) +
                                              "/sessions/terminal?cols=" + std::to_string(cols) +
                                              "&rows=" + std::to_string(rows)),
                  {[&](const std::string& bytes) {
                     if (outputGone || writeAll(STDOUT_FILENO, bytes)) return;
                     outputGone = true;
                     if (StreamSession* open = session.load()) open->stop();
                   },
                   {}});
  session = &s;
  if (s.waitReady()) {
    struct sigaction sa {};
    sa.sa_handler = onWindowChange;
    if (tty) ::sigaction(SIGWINCH, &sa, nullptr);
    RawTerminal raw(tty);
    pumpInput(s, tty);
  }
  std::optional<Json> end;
  try {
    end = s.waitEnd();
  } catch (const Error&) {
    if (!outputGone) throw;
  }
  if (tty) std::fputs("\r\n", stderr);
  if (outputGone)
    throw Error(ErrorKind::kUnavailable, "standard output closed: the terminal session was ended");
  failUnlessOk(*end, "terminal session");
}

}  // namespace parc::cli
