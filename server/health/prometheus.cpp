#include "server/health/prometheus.h"

#include <cmath>
#include <sstream>

namespace parc::server::health {

std::string prometheusName(const std::string& metric) {
  // A namespace of their own: an agent metric named "hosts" must not become a second
  // parc_hosts block (Prometheus rejects the whole scrape over one duplicated family).
  // The server's own families never start with parc_agent_.
  std::string out = "parc_agent_";
  for (char c : metric) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out += ok ? c : '_';
  }
  return out;
}

std::string prometheusLabel(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += ' ';  // other control bytes (terminal escapes) have no place in a label
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::ostringstream s;
  s.precision(15);
  s << v;
  return s.str();
}

void header(std::ostringstream& out, const std::string& name, const std::string& help) {
  out << prometheusFamily(name, "gauge", help);
}

}  // namespace

std::string prometheusFamily(const std::string& name, const std::string& type,
                             const std::string& help) {
  return "# HELP " + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n';
}

std::string prometheusText(const FleetCounts& counts, const std::vector<LatestValue>& values,
                           const std::map<Id, HostLabels>& hosts) {
  std::ostringstream out;
  header(out, "parc_hosts", "Enrolled hosts per commune.");
  for (const auto& [tenant, n] : counts.hostsByTenant) {
    out << "parc_hosts{tenant=\"" << prometheusLabel(tenant) << "\"} " << n.first << '\n';
  }
  header(out, "parc_hosts_online", "Hosts with an open control channel, per commune.");
  for (const auto& [tenant, n] : counts.hostsByTenant) {
    out << "parc_hosts_online{tenant=\"" << prometheusLabel(tenant) << "\"} " << n.second << '\n';
  }
  header(out, "parc_alerts_open", "Open alerts (firing or acknowledged) per severity.");
  for (const auto& [severity, n] : counts.openAlertsBySeverity) {
    out << "parc_alerts_open{severity=\"" << prometheusLabel(severity) << "\"} " << n << '\n';
  }
  // `values` is ordered by metric name: one HELP/TYPE block per name. Two agent metric
  // names that sanitise to the same Prometheus name would repeat a block, which the
  // format forbids: the second is skipped.
  std::string current;
  std::map<std::string, std::string> seen;  // prometheus name → metric name
  for (const auto& v : values) {
    auto host = hosts.find(v.hostId);
    if (host == hosts.end()) continue;  // outside the caller's scope, or deleted
    std::string name = prometheusName(v.name);
    if (v.name != current) {
      auto [it, fresh] = seen.emplace(name, v.name);
      if (!fresh && it->second != v.name) continue;
      current = v.name;
      header(out, name, "Parc agent metric " + prometheusLabel(v.name) + " (newest value).");
    }
    out << name << "{host=\"" << prometheusLabel(host->second.host) << "\",tenant=\""
        << prometheusLabel(host->second.tenant) << '"';
    if (!v.subject.empty()) out << ",subject=\"" << prometheusLabel(v.subject) << '"';
    out << "} " << number(v.value) << ' ' << v.t * 1000 << '\n';
  }
  return out.str();
}

}  // namespace parc::server::health
