#include "agent/collectors/linux/software.h"

#include <algorithm>
#include <limits>
#include <map>

#include "agent/collectors/linux/read.h"

namespace parc::agent::collectors::linux_ {

namespace {

using Paragraph = std::map<std::string, std::string>;

// A paragraph's fields; continuation lines (leading blank) belong to the previous field
// and are dropped except for Description's first line, which is all the inventory keeps.
void flush(Paragraph& p, Json& out, std::vector<std::string>& problems) {
  if (p.empty()) return;
  auto status = p.find("Status");
  bool installed = status != p.end() && (status->second == "install ok installed" ||
                                         status->second == "hold ok installed");
  if (installed) {
    auto name = p.find("Package");
    if (name == p.end() || name->second.empty()) {
      problems.push_back("an installed package has no name");
    } else {
      Json s = Json::object();
      s["name"] = name->second;
      auto put = [&](const char* field, const char* key) {
        if (auto it = p.find(field); it != p.end() && !it->second.empty()) s[key] = it->second;
      };
      put("Version", "version");
      put("Architecture", "architecture");
      put("Maintainer", "publisher");
      put("Section", "section");
      put("Description", "summary");
      put("Homepage", "homepage");
      if (auto it = p.find("Installed-Size"); it != p.end()) {
        // deb-control(5): Installed-Size is in KiB.
        auto kib = parseInt(it->second);
        // Above INT64_MAX / 1024 the product overflows: a corrupt field, not a package.
        if (kib && *kib > std::numeric_limits<std::int64_t>::max() / 1024) {
          problems.push_back(name->second.substr(0, 64) + ": Installed-Size out of range");
        } else if (kib && *kib >= 0) {
          s["installed_size_bytes"] = *kib * 1024;
        }
      }
      if (status->second.rfind("hold", 0) == 0) s["held"] = true;
      out.push_back(std::move(s));
    }
  }
  p.clear();
}

}  // namespace

Json parseDpkgStatus(std::string_view text, std::vector<std::string>& problems) {
  Json out = Json::array();
  Paragraph p;
  for (std::string_view line : splitLines(text)) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      flush(p, out, problems);
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t') continue;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    p[std::string(line.substr(0, colon))] = trim(line.substr(colon + 1));
  }
  flush(p, out, problems);
  auto key = [](const Json& s) {
    return std::make_pair(s.value("name", std::string()), s.value("architecture", std::string()));
  };
  std::sort(out.begin(), out.end(), [&](const Json& a, const Json& b) { return key(a) < key(b); });
  return out;
}

namespace {

class SoftwareCollector final : public Collector {
 public:
  std::string_view name() const override { return "software"; }

  Json collect(const CollectContext& context, std::vector<std::string>& warnings) const override {
    auto status = context.roots.varLib / "dpkg/status";
    FileRead r = readFile(status, 64 << 20);
    if (!r.ok()) {
      // Not a Debian system (or not this package manager): say so, once.
      warnings.push_back("software: cannot read " + status.string() + ": " + r.reason());
      return Json::array();
    }
    std::vector<std::string> problems;
    Json list = parseDpkgStatus(*r.data, problems);
    for (const auto& p : problems) warnings.push_back("software: " + status.string() + ": " + p);
    for (Json& s : list) s["source"] = "dpkg";
    return list;
  }
};

}  // namespace

CollectorPtr makeSoftwareCollector() {
  return std::make_shared<SoftwareCollector>();
}

}  // namespace parc::agent::collectors::linux_
