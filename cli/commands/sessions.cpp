// Remote sessions: `parcctl sessions list [--active] [--limit N]`, `parcctl sessions end
// ID`, `parcctl sessions consent TENANT [none|notify|ask]` (docs/remote-support.md).
#include <ctime>
#include <iostream>

#include "cli/commands/commands.h"
#include "cli/table.h"

namespace parc::cli {

namespace {

std::string when(const Json& t) {
  if (!t.is_number_integer()) return "";
  std::time_t v = t.get<std::int64_t>();
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", std::localtime(&v));
  return buf;
}

}  // namespace

void addSessionCommands(CLI::App& app, std::shared_ptr<Globals> g) {
  auto* sessions = app.add_subcommand("sessions", "remote sessions (terminal, files, desktop)");
  sessions->require_subcommand(1);

  auto active = std::make_shared<bool>(false);
  auto limit = std::make_shared<int>(50);
  auto listTenant = std::make_shared<long long>(0);
  auto* list = sessions->add_subcommand(
      "list",
      "newest first: everyone's for administrators, one's own otherwise; --tenant: that "
      "commune's (any account that reads it, town-hall staff included)");
  list->add_flag("--active", *active, "only sessions running now");
  list->add_option("--limit", *limit, "how many (default 50)")->check(CLI::Range(1, 1000));
  list->add_option("--tenant", *listTenant, "the sessions on this tenant's PCs");
  list->callback([g, active, limit, listTenant] {
    std::string path = *listTenant > 0 ? "/api/v1/tenants/" + std::to_string(*listTenant) +
                                             "/remote-sessions?limit=" + std::to_string(*limit)
                                       : "/api/v1/remote/sessions?limit=" + std::to_string(*limit);
    Json r = g->client().call("GET", path);
    if (*active) {
      Json kept = Json::array();
      for (const auto& s : r["items"])
        if (s.value("active", false)) kept.push_back(s);
      r["items"] = kept;
      r["count"] = kept.size();
    }
    if (printJsonIf(*g, r)) return;
    std::vector<std::vector<std::string>> rows;
    for (const auto& s : r["items"]) {
      std::string duration =
          s.contains("duration_seconds") ? text(s, "duration_seconds") + " s" : "";
      std::string host = s.contains("hostname") ? text(s, "hostname") : text(s, "host_id");
      rows.push_back({text(s, "id"), text(s, "username"), host, text(s, "kind"),
                      when(s["started_at"]), duration, text(s, "result"),
                      s.contains("bytes_to_host")
                          ? text(s, "bytes_to_host") + "/" + text(s, "bytes_from_host")
                          : "",
                      text(s, "consent")});
    }
    printTable(
        std::cout,
        {"ID", "USER", "HOST", "KIND", "STARTED", "DURATION", "RESULT", "BYTES IN/OUT", "CONSENT"},
        rows);
  });

  auto id = std::make_shared<long long>(0);
  auto* end = sessions->add_subcommand("end", "end a running session");
  end->add_option("id", *id, "session id")->required();
  end->callback([g, id] {
    Json r = g->client().call("DELETE", "/api/v1/remote/sessions/" + std::to_string(*id));
    if (!printJsonIf(*g, r)) std::cout << "session " << *id << " ended\n";
  });

  auto tenant = std::make_shared<long long>(0);
  auto policy = std::make_shared<std::string>();
  auto* consent = sessions->add_subcommand(
      "consent", "show or set a tenant's consent policy (none, notify, ask)");
  consent->add_option("tenant", *tenant, "tenant id")->required();
  consent->add_option("policy", *policy, "none, notify or ask")
      ->check(CLI::IsMember({"none", "notify", "ask"}));
  consent->callback([g, tenant, policy] {
    std::string path = "/api/v1/tenants/" + std::to_string(*tenant) + "/remote-consent";
    Json r = policy->empty() ? g->client().call("GET", path)
                             : g->client().call("PUT", path, Json{{"policy", *policy}});
    if (!printJsonIf(*g, r)) std::cout << "tenant " << *tenant << ": " << text(r, "policy") << "\n";
  });
}

}  // namespace parc::cli
