#include <ctime>
#include <map>

#include "agent/collectors/linux/read.h"
#include "agent/health/samplers/samplers.h"

namespace parc::agent::health::samplers {

namespace lx = collectors::linux_;

namespace {

struct Queue {
  double state = 0;  // 0 idle, 1 printing, 2 disabled (CUPS "stopped")
  int jobs = 0;
  int stuck = 0;
  std::int64_t oldest = 0;  // submission time of the oldest job
};

// "Sun Nov 29 10:00:00 2026", lpstat's date in the C locale and UTC (forced below).
std::optional<std::int64_t> parseDate(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%a %b %d %H:%M:%S %Y", &tm);
  if (!end) return std::nullopt;
  return static_cast<std::int64_t>(timegm(&tm));
}

// CUPS print queues from `lpstat -p -o`:
//   printer Accueil is idle.  enabled since Sun Nov 29 10:00:00 2026
//   printer Compta disabled since Sun Nov 29 09:00:00 2026 -
//   printer Mairie now printing Mairie-12.  enabled since ...
//   Mairie-12    secretaire    1024   Sun Nov 29 10:00:00 2026
class PrintersSampler : public Sampler {
 public:
  std::string_view name() const override { return "printers"; }

  void sample(const HealthContext& c, std::vector<Metric>& out,
              std::vector<std::string>& warnings) override {
    if (!c.run) return;
    // env fixes the locale and zone of lpstat's dates so they can be read back.
    auto r = c.run({"/usr/bin/env", "LC_ALL=C", "TZ=UTC", c.lpstat, "-p", "-o"}, c.commandTimeout);
    if (!r.error.empty() || r.timedOut) {
      warnings.push_back("printers: cannot run lpstat" +
                         (r.error.empty() ? std::string(" (timed out)") : ": " + r.error));
      return;
    }
    std::map<std::string, Queue> queues;
    std::int64_t now = c.now();
    for (auto lineView : lx::splitLines(r.output)) {
      std::string line(lineView);
      if (line.rfind("printer ", 0) == 0) {
        std::string rest = line.substr(8);
        std::string name = rest.substr(0, rest.find(' '));
        Queue& q = queues[name];
        if (rest.find(" disabled") != std::string::npos) {
          q.state = 2;
        } else if (rest.find(" now printing") != std::string::npos) {
          q.state = 1;
        }
        continue;
      }
      if (line.empty() || line[0] == ' ' || line[0] == '\t') continue;  // continuation lines
      // A job line: "<queue>-<n>  user  size  date".
      std::string id = line.substr(0, line.find(' '));
      auto dash = id.rfind('-');
      if (dash == std::string::npos || dash == 0) continue;
      Queue& q = queues[id.substr(0, dash)];
      ++q.jobs;
      // The date is the last five words.
      std::vector<std::string> words;
      for (std::size_t pos = 0; pos < line.size();) {
        std::size_t start = line.find_first_not_of(' ', pos);
        if (start == std::string::npos) break;
        std::size_t end = line.find(' ', start);
        words.push_back(line.substr(start, end - start));
        pos = end == std::string::npos ? line.size() : end;
      }
      if (words.size() < 5) continue;
      std::string date;
      for (std::size_t i = words.size() - 5; i < words.size(); ++i) {
        date += (date.empty() ? "" : " ") + words[i];
      }
      if (auto at = parseDate(date)) {
        if (q.oldest == 0 || *at < q.oldest) q.oldest = *at;
        if (now - *at > c.stuckJobAge.count()) ++q.stuck;
      }
    }
    if (r.exitCode != 0 && queues.empty()) return;  // no CUPS, or no queue: nothing to watch
    for (const auto& [name, q] : queues) {
      out.push_back({"printer.state", name, q.state});
      out.push_back({"printer.jobs", name, double(q.jobs)});
      out.push_back({"printer.stuck_jobs", name, double(q.stuck)});
      if (q.oldest > 0) {
        out.push_back(
            {"printer.oldest_job_age_s", name, double(std::max<std::int64_t>(0, now - q.oldest))});
      }
    }
  }
};

}  // namespace

SamplerPtr makePrinters() {
  return std::make_unique<PrintersSampler>();
}

}  // namespace parc::agent::health::samplers
