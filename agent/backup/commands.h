#pragma once
// `parc-agent backup` and `parc-agent restore`: options and the code behind them, so
// agent/main.cpp only registers and dispatches.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace parc::agent::backup {

struct CommandOptions {
  std::string repo, keyFile, cacheFile, host, snapshot = "latest", targetDir, include;
  std::string recoveryPublicKey, recoveryPrivateKey;
  std::vector<std::string> sources;
  unsigned threads = 0;
  int compression = 3;
  int limitKiBps = 0;  // upload limit for this run, KiB/s (0: none)
  bool init = false, list = false, verify = false, scheduled = false;
};

class Commands {
 public:
  /// Adds the `backup` and `restore` subcommands to the agent's command line.
  explicit Commands(CLI::App& app);
  /// Runs the selected subcommand; -1 when neither was selected.
  int run(const std::filesystem::path& dataDir);

 private:
  int backup(const std::filesystem::path& dataDir);
  int scheduledBackup(const std::filesystem::path& dataDir);
  int restore(const std::filesystem::path& dataDir);
  CommandOptions o_;
  CLI::App* backup_;
  CLI::App* restore_;
};

}  // namespace parc::agent::backup
