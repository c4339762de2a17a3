#include <sys/stat.h>

#include <ctime>
#include <optional>
#include <string>

#include "agent/collectors/linux/read.h"
#include "agent/health/samplers/samplers.h"

namespace parc::agent::health::samplers {

namespace lx = collectors::linux_;

namespace {

// The modification times and sizes of what apt's simulation reads: equal stamps, equal
// answer. A directory's time changes when apt renames a new list into it.
std::string stampOf(const std::vector<std::filesystem::path>& paths) {
  std::string stamp;
  for (const auto& path : paths) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      stamp += "-;";
      continue;
    }
    stamp += std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + ":" +
             std::to_string(st.st_size) + ";";
  }
  return stamp;
}

// Pending updates from apt's simulation (no lock taken, nothing changed):
//   Inst libssl3 [3.0.11-1~deb12u1] (3.0.11-1~deb12u2 Debian-Security:12/stable-security [amd64])
// Reads the package lists as they are; refreshing them is apt's own timer's job. The
// simulation costs seconds of CPU (3.2 s on this project's VM), as much as an hour of all
// the other samplers: it runs again only when the lists, dpkg's status or apt's settings
// have changed since, or after a day; otherwise the last answer is sent again.
class UpdatesSampler : public Sampler {
 public:
  std::string_view name() const override { return "updates"; }
  bool slow() const override { return true; }

  void sample(const HealthContext& c, std::vector<Metric>& out,
              std::vector<std::string>& warnings) override {
    if (!c.run) return;
    std::string stamp = stampOf(c.aptState);
    std::int64_t now = c.now ? c.now() : std::time(nullptr);
    if (last_ && stamp == last_->stamp && now - last_->at < kRecheckAfterSeconds) {
      out.push_back({"updates.pending", "", double(last_->pending)});
      out.push_back({"updates.security", "", double(last_->security)});
      return;
    }
    auto r = c.run(
        {"/usr/bin/env", "LC_ALL=C", c.aptGet, "-s", "-o", "Debug::NoLocking=true", "upgrade"},
        c.commandTimeout);
    if (!r.error.empty() || r.timedOut || r.exitCode != 0) {
      warnings.push_back("updates: apt-get -s upgrade failed" +
                         (r.error.empty() ? std::string() : ": " + r.error));
      return;
    }
    int pending = 0, security = 0;
    for (auto line : lx::splitLines(r.output)) {
      if (line.rfind("Inst ", 0) != 0) continue;
      ++pending;
      if (line.find("-security") != std::string_view::npos ||
          line.find("Debian-Security") != std::string_view::npos) {
        ++security;
      }
    }
    out.push_back({"updates.pending", "", double(pending)});
    out.push_back({"updates.security", "", double(security)});
    last_ = Answer{stamp, now, pending, security};
  }

 private:
  static constexpr std::int64_t kRecheckAfterSeconds = 24 * 3600;
  struct Answer {
    std::string stamp;
    std::int64_t at = 0;
    int pending = 0, security = 0;
  };
  std::optional<Answer> last_;  // of the last simulation that succeeded
};

}  // namespace

SamplerPtr makeUpdates() {
  return std::make_unique<UpdatesSampler>();
}

}  // namespace parc::agent::health::samplers
