#include "agent/collectors/linux/printers.h"

#include <algorithm>
#include <cctype>

#include "agent/collectors/linux/read.h"

namespace parc::agent::collectors::linux_ {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool secretName(std::string_view name) {
  std::string n = lower(name);
  for (const char* word : {"pass", "pwd", "token", "secret", "key", "auth"}) {
    if (n.find(word) != std::string::npos) return true;
  }
  return false;
}

// Backends that print over the network (CUPS' backend names; hp: depends on its path).
bool networkUri(std::string_view uri) {
  std::string scheme = lower(uri.substr(0, uri.find(':')));
  static const char* kNetwork[] = {"ipp", "ipps",  "http", "https", "socket", "lpd",
                                   "smb", "dnssd", "mdns", "beh",   "ipp14"};
  if (std::find_if(std::begin(kNetwork), std::end(kNetwork),
                   [&](const char* s) { return scheme == s; }) != std::end(kNetwork))
    return true;
  return (scheme == "hp" || scheme == "hpfax") && uri.find("/net/") != std::string_view::npos;
}

}  // namespace

std::string withoutCredentials(std::string_view uri) {
  auto scheme = uri.find("://");
  std::string out;
  std::string_view rest = uri;
  if (scheme != std::string_view::npos) {
    out = std::string(uri.substr(0, scheme + 3));
    rest = uri.substr(scheme + 3);
    // user:password@ precedes the host; the last '@' before the query ends it, since a
    // password may itself hold '@' or '/' (smb://DOM/user:p@ss@server/queue).
    auto queryStart = rest.find_first_of("?#");
    auto at = rest.substr(0, queryStart).rfind('@');
    if (at != std::string_view::npos) rest.remove_prefix(at + 1);
  }
  auto q = rest.find('?');
  out += std::string(rest.substr(0, q));
  if (q == std::string_view::npos) return out;
  std::string_view query = rest.substr(q + 1);
  std::string kept;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view param = query.substr(0, amp);
    if (!secretName(param.substr(0, param.find('=')))) {
      kept += kept.empty() ? "" : "&";
      kept += std::string(param);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  if (!kept.empty()) out += "?" + kept;
  return out;
}

Json parsePrintersConf(std::string_view text) {
  Json out = Json::array();
  Json current;
  for (std::string_view raw : splitLines(text)) {
    std::string line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    if (line.front() == '<') {
      if (line.rfind("</", 0) == 0) {
        if (current.is_object()) out.push_back(std::move(current));
        current = Json();
        continue;
      }
      bool isDefault = line.rfind("<DefaultPrinter ", 0) == 0;
      if ((isDefault || line.rfind("<Printer ", 0) == 0) && line.back() == '>') {
        auto name = trim(
            std::string_view(line).substr(line.find(' ') + 1, line.size() - line.find(' ') - 2));
        if (name.empty()) continue;
        current = Json{{"name", name}, {"default", isDefault}};
      }
      continue;
    }
    if (!current.is_object()) continue;
    auto sp = line.find(' ');
    std::string key = line.substr(0, sp);
    std::string value = sp == std::string::npos ? "" : trim(std::string_view(line).substr(sp + 1));
    if (key == "Info" && !value.empty()) {
      current["description"] = value;
    } else if (key == "Location" && !value.empty()) {
      current["location"] = value;
    } else if (key == "MakeModel" && !value.empty()) {
      current["make_model"] = value;
    } else if (key == "DeviceURI" && !value.empty()) {
      current["uri"] = withoutCredentials(value);
      current["network"] = networkUri(value);
    } else if (key == "State" && !value.empty()) {
      current["state"] = value;  // Idle, Stopped or Processing
    } else if (key == "Shared") {
      current["shared"] = lower(value) == "yes" || value == "1" || lower(value) == "on";
    } else if (key == "Accepting") {
      current["accepting"] = lower(value) == "yes";
    }
  }
  return out;
}

namespace {

class PrintersCollector final : public Collector {
 public:
  std::string_view name() const override { return "printers"; }

  Json collect(const CollectContext& context, std::vector<std::string>& warnings) const override {
    auto path = context.roots.etc / "cups/printers.conf";
    FileRead r = readFile(path, 4 << 20);
    if (!r.ok()) {
      if (!r.missing()) {
        warnings.push_back("printers: cannot read " + path.string() + ": " + r.reason() +
                           (r.error == EACCES ? " (readable by root only)" : ""));
      }
      return Json::array();
    }
    return parsePrintersConf(*r.data);
  }
};

}  // namespace

CollectorPtr makePrintersCollector() {
  return std::make_shared<PrintersCollector>();
}

}  // namespace parc::agent::collectors::linux_
