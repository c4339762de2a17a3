#include "server/remote/asciicast.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include "common/error.h"
#include "common/json/json.h"

namespace parc::server::remote {

namespace {

// Length of the trailing incomplete UTF-8 sequence of `s` (0 when it ends cleanly).
std::size_t incompleteTail(const std::string& s) {
  std::size_t n = s.size();
  for (std::size_t back = 1; back <= 3 && back <= n; ++back) {
    auto c = static_cast<unsigned char>(s[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte: look further back
    std::size_t need = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

}  // namespace

AsciicastRecorder::AsciicastRecorder(const std::filesystem::path& path, int cols, int rows,
                                     std::int64_t timestamp, const std::string& title)
    : start_(std::chrono::steady_clock::now()) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    throw Error(ErrorKind::kUnavailable,
                "cannot create recording " + path.string() + ": " + std::strerror(errno));
  file_.reset(::fdopen(fd, "w"));
  if (!file_) {
    ::close(fd);
    throw Error(ErrorKind::kUnavailable, "cannot open recording " + path.string());
  }
  Json header{{"version", 2},           {"width", cols},  {"height", rows},
              {"timestamp", timestamp}, {"title", title}, {"env", {{"TERM", "xterm-256color"}}}};
  std::string line = header.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  std::fwrite(line.data(), 1, line.size(), file_.get());
  std::fflush(file_.get());
}

void AsciicastRecorder::output(std::string_view bytes) {
  std::string text = std::move(carry_);
  text.append(bytes);
  std::size_t tail = incompleteTail(text);
  carry_ = text.substr(text.size() - tail);
  text.resize(text.size() - tail);
  if (!text.empty()) event("o", text);
}

void AsciicastRecorder::resize(int cols, int rows) {
  event("r", std::to_string(cols) + "x" + std::to_string(rows));
}

void AsciicastRecorder::event(const char* code, const std::string& text) {
  double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  Json e = Json::array({std::round(t * 1e6) / 1e6, code, text});
  std::string line = e.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  std::fwrite(line.data(), 1, line.size(), file_.get());
  // Each event reaches the kernel at once: a killed server keeps what was shown.
  std::fflush(file_.get());
}

}  // namespace parc::server::remote
