#include "agent/collectors/linux/firewall.h"

#include <unistd.h>

#include "agent/collectors/linux/read.h"
#include "agent/collectors/linux/run.h"
#include "agent/collectors/linux/units.h"

namespace parc::agent::collectors::linux_ {

namespace fs = std::filesystem;

namespace {

constexpr auto kNftTimeout = std::chrono::seconds(3);

std::string unquoted(std::string v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
    return v.substr(1, v.size() - 2);
  return v;
}

// KEY=value lines (ufw.conf, firewalld.conf); "#" starts a comment.
std::optional<std::string> confValue(std::string_view text, std::string_view key) {
  std::optional<std::string> out;
  for (std::string_view line : splitLines(text)) {
    std::string l = trim(line);
    if (l.empty() || l.front() == '#') continue;
    auto eq = l.find('=');
    if (eq == std::string::npos || trim(std::string_view(l).substr(0, eq)) != key) continue;
    out = unquoted(trim(std::string_view(l).substr(eq + 1)));
  }
  return out;
}

Json lines(std::string_view text) {
  Json out = Json::array();
  for (std::string_view line : splitLines(text)) {
    if (std::string t = trim(line); !t.empty()) out.push_back(t);
  }
  return out;
}

class FirewallCollector final : public Collector {
 public:
  std::string_view name() const override { return "firewall"; }

  Json collect(const CollectContext& context, std::vector<std::string>& warnings) const override {
    const SystemRoots& roots = context.roots;
    Json out = Json::object();
    Json managers = Json::array();
    collectUfw(roots, managers, warnings);
    collectFirewalld(roots, managers, warnings);
    // Debian's nftables package ships etc/nftables.conf; iptables-persistent keeps its
    // rules in etc/iptables/. Either is a firewall only when its service is enabled.
    for (auto [unit, config] :
         {std::pair{"nftables", "nftables.conf"}, std::pair{"netfilter-persistent", "iptables"}}) {
      if (!pathExists(roots.etc / config)) continue;
      managers.push_back(
          Json{{"name", unit},
               {"enabled", systemdUnitEnabled(roots.etc, std::string(unit) + ".service")}});
    }
    bool on = false;
    for (const Json& m : managers) on = on || m["enabled"].get<bool>();
    out["status"] = on ? "on" : "off";
    out["managers"] = std::move(managers);
    collectKernelTables(context, out, warnings);
    return out;
  }

 private:
  static void collectUfw(const SystemRoots& roots, Json& managers,
                         std::vector<std::string>& warnings) {
    fs::path conf = roots.etc / "ufw/ufw.conf";
    FileRead r = readFile(conf, 1 << 16);
    if (!r.ok()) {
      if (!r.missing())
        warnings.push_back("firewall: cannot read " + conf.string() + ": " + r.reason());
      return;
    }
    managers.push_back(
        Json{{"name", "ufw"}, {"enabled", parseUfwEnabled(*r.data).value_or(false)}});
  }

  static void collectFirewalld(const SystemRoots& roots, Json& managers,
                               std::vector<std::string>& warnings) {
    fs::path conf = roots.etc / "firewalld/firewalld.conf";
    FileRead r = readFile(conf, 1 << 16);
    if (!r.ok()) {
      if (!r.missing())
        warnings.push_back("firewall: cannot read " + conf.string() + ": " + r.reason());
      return;
    }
    Json m{{"name", "firewalld"}, {"enabled", systemdUnitEnabled(roots.etc, "firewalld.service")}};
    if (auto zone = parseFirewalldDefaultZone(*r.data); !zone.empty()) m["default_zone"] = zone;
    managers.push_back(std::move(m));
  }

  static void collectKernelTables(const CollectContext& context, Json& out,
                                  std::vector<std::string>& warnings) {
    // Listed once a table is in use (Docker's nat, a ruleset...); mode 0440 root.
    for (auto [file, key] : {std::pair{"net/ip_tables_names", "iptables_tables"},
                             std::pair{"net/ip6_tables_names", "ip6tables_tables"}}) {
      FileRead r = readFile(context.roots.proc / file, 1 << 16);
      if (r.ok()) {
        out[key] = lines(*r.data);
      } else if (!r.missing()) {
        warnings.push_back("firewall: cannot read " + (context.roots.proc / file).string() + ": " +
                           r.reason() + " (readable by root only)");
      }
    }
    if (!context.roots.live) return;
    const char* nft = "/usr/sbin/nft";
    if (!pathExists(nft)) return;
    if (::geteuid() != 0) {
      warnings.push_back("firewall: nftables tables unknown (nft needs root)");
      return;
    }
    auto r = runProgram({nft, "list", "tables"}, kNftTimeout, 1 << 20);
    if (r.exitCode != 0) {
      warnings.push_back(std::string("firewall: nft list tables failed") +
                         (r.timedOut        ? " (timed out)"
                          : r.error.empty() ? ""
                                            : ": " + r.error));
      return;
    }
    Json tables = Json::array();
    for (auto& t : parseNftTables(r.output)) tables.push_back(std::move(t));
    out["nftables_tables"] = std::move(tables);
  }
};

}  // namespace

std::optional<bool> parseUfwEnabled(std::string_view ufwConf) {
  auto v = confValue(ufwConf, "ENABLED");
  if (!v) return std::nullopt;
  return *v == "yes";
}

std::string parseFirewalldDefaultZone(std::string_view conf) {
  return confValue(conf, "DefaultZone").value_or("");
}

std::vector<std::string> parseNftTables(std::string_view output) {
  std::vector<std::string> out;
  for (std::string_view line : splitLines(output)) {
    std::string t = trim(line);
    if (t.rfind("table ", 0) == 0 && t.size() > 6)
      out.push_back(trim(std::string_view(t).substr(6)));
  }
  return out;
}

CollectorPtr makeFirewallCollector() {
  return std::make_shared<FirewallCollector>();
}

}  // namespace parc::agent::collectors::linux_
