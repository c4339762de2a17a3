#pragma once
// The GLPI stand-in (glpi_receiver.py) as a test fixture: started on 127.0.0.1, port
// chosen by the OS (or a given one, to come back after a stop), every wait bounded.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/files/files.h"
#include "common/json/json.h"
#include "tests/integration/harness.h"

namespace parc::testing {

class GlpiReceiver {
 public:
  /// `state` keeps the received log and the mode across restarts.
  explicit GlpiReceiver(std::filesystem::path state, std::uint16_t port = 0,
                        const std::vector<std::string>& tlsArgs = {})
      : state_(std::move(state)) {
    std::filesystem::create_directories(state_);
    std::filesystem::remove(state_ / "port");
    std::vector<std::string> argv{"/usr/bin/python3",
                                  std::string(PARC_SOURCE_DIR) + "/tests/forward/glpi_receiver.py",
                                  state_.string(), "--port", std::to_string(port)};
    argv.insert(argv.end(), tlsArgs.begin(), tlsArgs.end());
    process_ = std::make_unique<Process>(argv, state_ / "receiver-log");
    if (!waitFor([&] { return std::filesystem::exists(state_ / "port") || !process_->running(); },
                 std::chrono::seconds(20)) ||
        !std::filesystem::exists(state_ / "port"))
      throw std::runtime_error("GLPI receiver did not start: " + process_->stderrText());
    port_ = static_cast<std::uint16_t>(std::stoi(files::read(state_ / "port")));
  }

  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  void stop() { process_->stop(std::chrono::seconds(5)); }
  /// ok, 500, garbage or refuse: how the next requests are answered.
  void setMode(const std::string& mode) const {
    files::writeAtomic(state_ / "mode", mode + "\n", 0644);
  }
  /// Every request received so far, oldest first.
  std::vector<Json> received() const {
    std::vector<Json> out;
    auto text = files::tryRead(state_ / "received.jsonl");
    if (!text) return out;
    size_t pos = 0;
    while (pos < text->size()) {
      size_t nl = text->find('\n', pos);
      if (nl == std::string::npos) break;
      out.push_back(Json::parse(text->substr(pos, nl - pos)));
      pos = nl + 1;
    }
    return out;
  }
  std::string log() const { return process_->stderrText(); }

 private:
  std::filesystem::path state_;
  std::unique_ptr<Process> process_;
  std::uint16_t port_ = 0;
};

}  // namespace parc::testing
