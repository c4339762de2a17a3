#include "agent/collectors/linux/users.h"

#include "agent/collectors/linux/read.h"

namespace parc::agent::collectors::linux_ {

namespace {

// Debian's login.defs: UID_MIN 1000; 65534 is nobody.
constexpr std::int64_t kFirstHumanUid = 1000;
constexpr std::int64_t kNobody = 65534;

std::vector<std::string> splitColons(std::string_view line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto colon = line.find(':', start);
    out.emplace_back(
        line.substr(start, colon == std::string_view::npos ? line.npos : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  return out;
}

bool skippable(std::string_view line) {
  // NIS compat entries ("+", "-user") name no local account.
  return line.empty() || line.front() == '#' || line.front() == '+' || line.front() == '-';
}

}  // namespace

Json parsePasswd(std::string_view text, std::vector<std::string>& problems) {
  Json out = Json::array();
  int lineNo = 0;
  for (std::string_view line : splitLines(text)) {
    ++lineNo;
    if (skippable(line)) continue;
    auto f = splitColons(line);
    auto uid = f.size() == 7 ? parseInt(f[2]) : std::nullopt;
    auto gid = f.size() == 7 ? parseInt(f[3]) : std::nullopt;
    if (!uid || !gid || f[0].empty()) {
      problems.push_back("passwd line " + std::to_string(lineNo) + " is malformed");
      continue;
    }
    Json u = Json::object();
    u["name"] = f[0];
    u["uid"] = *uid;
    u["gid"] = *gid;
    // GECOS: "Full Name,Room,Work phone,Home phone,Other"; only the name is kept.
    if (std::string full = f[4].substr(0, f[4].find(',')); !full.empty()) u["full_name"] = full;
    u["home"] = f[5];
    u["shell"] = f[6];
    u["system"] = *uid < kFirstHumanUid || *uid == kNobody;
    out.push_back(std::move(u));
  }
  return out;
}

Json parseGroup(std::string_view text, std::vector<std::string>& problems) {
  Json out = Json::array();
  int lineNo = 0;
  for (std::string_view line : splitLines(text)) {
    ++lineNo;
    if (skippable(line)) continue;
    auto f = splitColons(line);
    auto gid = f.size() == 4 ? parseInt(f[2]) : std::nullopt;
    if (!gid || f[0].empty()) {
      problems.push_back("group line " + std::to_string(lineNo) + " is malformed");
      continue;
    }
    Json g = Json::object();
    g["name"] = f[0];
    g["gid"] = *gid;
    Json members = Json::array();
    std::string_view m = f[3];
    while (!m.empty()) {
      auto comma = m.find(',');
      if (auto name = trim(m.substr(0, comma)); !name.empty()) members.push_back(name);
      if (comma == std::string_view::npos) break;
      m.remove_prefix(comma + 1);
    }
    g["members"] = std::move(members);
    out.push_back(std::move(g));
  }
  return out;
}

namespace {

class UsersCollector final : public Collector {
 public:
  std::string_view name() const override { return "users"; }

  Json collect(const CollectContext& context, std::vector<std::string>& warnings) const override {
    Json out = Json::object();
    std::vector<std::string> problems;
    auto read = [&](const char* file, auto parse) {
      auto path = context.roots.etc / file;
      FileRead r = readFile(path, 16 << 20);
      if (!r.ok()) {
        warnings.push_back("users: cannot read " + path.string() + ": " + r.reason());
        return Json::array();
      }
      Json list = parse(*r.data, problems);
      for (const auto& p : problems) warnings.push_back("users: " + path.string() + ": " + p);
      problems.clear();
      return list;
    };
    out["users"] = read("passwd", parsePasswd);
    out["groups"] = read("group", parseGroup);
    return out;
  }
};

}  // namespace

CollectorPtr makeUsersCollector() { return std::make_shared<UsersCollector>(); }

}  // namespace parc::agent::collectors::linux_
