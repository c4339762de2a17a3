#pragma once
// A terminal session's recording in asciicast v2 (https://docs.asciinema.org, "asciicast
// file format v2"): a JSON header line, then one `[seconds, "o"|"r", "text"]` line per
// output chunk or resize. Only output is recorded: keystrokes may be passwords.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace parc::server::remote {

class AsciicastRecorder {
 public:
  /// Creates the file (0600, refusing to overwrite); kUnavailable when it cannot.
  AsciicastRecorder(const std::filesystem::path& path, int cols, int rows, std::int64_t timestamp,
                    const std::string& title);
  void output(std::string_view bytes);
  void resize(int cols, int rows);

 private:
  void event(const char* code, const std::string& text);
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, Closer> file_;
  std::chrono::steady_clock::time_point start_;
  std::string carry_;  // an incomplete UTF-8 sequence held for the next chunk
};

}  // namespace parc::server::remote
