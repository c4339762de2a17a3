// `parcctl backups policy get|set|unset`: the tenant's backup policy and a host's
// override (docs/backups.md, "Policies"). `set` reads the current document, changes
// what the flags name (or takes a whole document with --file) and sends it back; the
// server validates everything and changes nothing on a bad value.
#include <iostream>

#include "cli/commands/commands.h"
#include "cli/table.h"
#include "common/error.h"
#include "common/files/files.h"

namespace parc::cli {

namespace {

struct PolicyOptions {
  long long tenant = 0, host = 0;
  std::string file, enabled, schedule, legalHold, officeHours;
  std::vector<std::string> include, exclude, officeDays;
  bool clearExclude = false;
  int keepLast = -1, daily = -1, weekly = -1, monthly = -1, yearly = -1;
  int spread = -1, officeKiB = -1, otherKiB = -1;
};

std::string path(const PolicyOptions& o) {
  if ((o.tenant > 0) == (o.host > 0))
    throw Error(ErrorKind::kBadRequest, "name exactly one of --tenant or --host");
  return o.tenant > 0 ? "/api/v1/tenants/" + std::to_string(o.tenant) + "/backup-policy"
                      : "/api/v1/hosts/" + std::to_string(o.host) + "/backup-policy";
}

bool onOff(const std::string& v, const char* flag) {
  if (v == "on" || v == "true" || v == "yes") return true;
  if (v == "off" || v == "false" || v == "no") return false;
  throw Error(ErrorKind::kBadRequest, std::string(flag) + " takes on or off");
}

// "daily@12:30", "every:6"
Json scheduleJson(const std::string& s, int spread) {
  if (s.rfind("daily@", 0) == 0) {
    Json j{{"kind", "daily"}, {"at", s.substr(6)}};
    if (spread >= 0) j["spread_minutes"] = spread;
    return j;
  }
  if (s.rfind("every:", 0) == 0) {
    try {
      return Json{{"kind", "every"}, {"hours", std::stoi(s.substr(6))}};
    } catch (const std::exception&) {
    }
  }
  throw Error(ErrorKind::kBadRequest, "--schedule is daily@HH:MM or every:HOURS");
}

Json edited(Json doc, const PolicyOptions& o) {
  if (!o.enabled.empty()) doc["enabled"] = onOff(o.enabled, "--enabled");
  if (!o.include.empty()) doc["include"] = o.include;
  if (o.clearExclude) doc["exclude"] = Json::array();
  if (!o.exclude.empty()) {
    if (!doc.contains("exclude") || !doc["exclude"].is_array()) doc["exclude"] = Json::array();
    for (const auto& e : o.exclude) doc["exclude"].push_back(e);
  }
  if (!o.schedule.empty()) {
    doc["schedule"] = scheduleJson(o.schedule, o.spread);
  } else if (o.spread >= 0) {
    doc["schedule"]["spread_minutes"] = o.spread;
  }
  auto setInt = [&](const char* group, const char* key, int v) {
    if (v >= 0) doc[group][key] = v;
  };
  setInt("retention", "keep_last", o.keepLast);
  setInt("retention", "daily", o.daily);
  setInt("retention", "weekly", o.weekly);
  setInt("retention", "monthly", o.monthly);
  setInt("retention", "yearly", o.yearly);
  setInt("bandwidth", "office_kib_per_s", o.officeKiB);
  setInt("bandwidth", "other_kib_per_s", o.otherKiB);
  if (!o.officeDays.empty()) doc["bandwidth"]["office_days"] = o.officeDays;
  if (!o.officeHours.empty()) doc["bandwidth"]["office_hours"] = o.officeHours;
  if (!o.legalHold.empty()) doc["legal_hold"] = onOff(o.legalHold, "--legal-hold");
  return doc;
}

void printPolicy(const Json& p) {
  std::cout << "enabled:    " << (p.value("enabled", false) ? "yes" : "no") << "\n";
  std::cout << "include:    ";
  for (const auto& i : p.value("include", Json::array()))
    std::cout << printable(i.get<std::string>()) << "  ";
  std::cout << "\nexclude:    ";
  for (const auto& i : p.value("exclude", Json::array()))
    std::cout << printable(i.get<std::string>()) << "  ";
  const auto& s = p["schedule"];
  std::cout << "\nschedule:   ";
  if (s.value("kind", "") == "every") {
    std::cout << "every " << s.value("hours", 0) << " h";
  } else {
    std::cout << "daily at " << printable(s.value("at", "")) << " (+ up to "
              << s.value("spread_minutes", 0) << " min per host";
    if (s.contains("start")) std::cout << "; this host: " << printable(s.value("start", ""));
    std::cout << ")";
  }
  const auto& r = p["retention"];
  std::cout << "\nretention:  last " << r.value("keep_last", 0) << ", daily " << r.value("daily", 0)
            << ", weekly " << r.value("weekly", 0) << ", monthly " << r.value("monthly", 0)
            << ", yearly " << r.value("yearly", 0) << "\n";
  const auto& b = p["bandwidth"];
  auto kib = [](int v) { return v > 0 ? std::to_string(v) + " KiB/s" : std::string("unlimited"); };
  std::cout << "bandwidth:  " << kib(b.value("office_kib_per_s", 0)) << " during office hours ("
            << b.value("office_hours", "");
  for (const auto& d : b.value("office_days", Json::array()))
    std::cout << " " << printable(d.get<std::string>());
  std::cout << "), " << kib(b.value("other_kib_per_s", 0)) << " otherwise\n";
  if (p.value("legal_hold", false)) std::cout << "legal hold: yes (nothing is ever forgotten)\n";
}

void printAnswer(const Globals& g, const Json& j) {
  if (printJsonIf(g, j)) return;
  if (j.contains("host_id")) {
    std::cout << "host " << text(j, "host_id") << " — "
              << (j["override"].is_null() ? "no override: the tenant's policy applies"
                                          : "override: " + printable(j["override"].dump()))
              << "\n";
    printPolicy(j["effective"]);
  } else {
    std::cout << "tenant " << text(j, "tenant_id")
              << (j.value("stored", false) ? "" : " (defaults: never set)") << "\n";
    printPolicy(j["policy"]);
  }
}

}  // namespace

void addBackupCommands(CLI::App& app, std::shared_ptr<Globals> g) {
  auto* backups = app.add_subcommand("backups", "backup policies and verification");
  backups->require_subcommand(1);
  auto* policy = backups->add_subcommand("policy", "a tenant's backup policy or a host's override");
  policy->require_subcommand(1);
  auto o = std::make_shared<PolicyOptions>();

  auto* get = policy->add_subcommand("get", "show the policy (a host: its effective policy)");
  get->add_option("--tenant", o->tenant, "tenant id");
  get->add_option("--host", o->host, "host id");
  get->callback([g, o] { printAnswer(*g, g->client().call("GET", path(*o))); });

  auto* set = policy->add_subcommand("set", "change the policy (a host: its override)");
  set->add_option("--tenant", o->tenant, "tenant id");
  set->add_option("--host", o->host, "host id (only the fields given override the tenant's)");
  set->add_option("--file", o->file, "whole document (JSON; - for standard input)");
  set->add_option("--enabled", o->enabled, "on or off");
  set->add_option("--include", o->include, "folder to back up (repeatable; replaces the list)");
  set->add_option("--exclude", o->exclude, "glob to leave out (repeatable; added to the list)");
  set->add_flag("--clear-exclude", o->clearExclude, "empty the exclude list first");
  set->add_option("--schedule", o->schedule, "daily@HH:MM or every:HOURS");
  set->add_option("--spread", o->spread, "daily: minutes over which hosts' starts spread");
  set->add_option("--keep-last", o->keepLast, "retention: newest snapshots kept");
  set->add_option("--keep-daily", o->daily, "retention: days");
  set->add_option("--keep-weekly", o->weekly, "retention: weeks");
  set->add_option("--keep-monthly", o->monthly, "retention: months");
  set->add_option("--keep-yearly", o->yearly, "retention: years");
  set->add_option("--office-kib", o->officeKiB,
                  "upload limit during office hours, KiB/s (0: none)");
  set->add_option("--other-kib", o->otherKiB, "upload limit outside office hours, KiB/s");
  set->add_option("--office-days", o->officeDays, "mon … sun (repeatable)");
  set->add_option("--office-hours", o->officeHours, "HH:MM-HH:MM");
  set->add_option("--legal-hold", o->legalHold, "tenant only: on or off");
  set->callback([g, o] {
    auto client = g->client();
    auto p = path(*o);
    Json doc;
    if (!o->file.empty()) {
      std::string text;
      if (o->file == "-") {
        text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
      } else {
        text = files::read(o->file);
      }
      doc = parseJson(text);
    } else {
      Json current = client.call("GET", p);
      doc = o->tenant > 0 ? current["policy"]
                          : (current["override"].is_null() ? Json::object() : current["override"]);
    }
    printAnswer(*g, client.call("PUT", p, edited(std::move(doc), *o)));
  });

  auto* unset = policy->add_subcommand("unset", "remove a host's override");
  unset->add_option("--host", o->host, "host id")->required();
  unset->callback([g, o] { printAnswer(*g, g->client().call("DELETE", path(*o))); });

  // Exit 2 when damage was found, as `parc-agent backup --verify`.
  auto* verify = backups->add_subcommand("verify", "re-hash a tenant's backup packs now");
  auto tenant = std::make_shared<long long>(0);
  auto seconds = std::make_shared<int>(120);
  verify->add_option("--tenant", *tenant, "tenant id")->required();
  verify->add_option("--seconds", *seconds, "time budget; the server continues later")
      ->check(CLI::Range(1, 3600));
  verify->callback([g, tenant, seconds] {
    Json r =
        g->client().call("POST", "/api/v1/tenants/" + std::to_string(*tenant) + "/backups/verify",
                         Json{{"seconds", *seconds}});
    if (!printJsonIf(*g, r)) {
      for (const auto& p : r["problems"]) std::cout << "problem: " << p.get<std::string>() << "\n";
      std::cout << text(r, "packs") << " packs, " << text(r, "blobs") << " blobs";
      if (r.value("complete", false)) std::cout << ", " << text(r, "snapshots") << " snapshots";
      std::cout << ": " << (r.value("ok", false) ? "ok" : "DAMAGED")
                << (r.value("complete", false) ? "" : " so far (the server continues)") << "\n";
    }
    if (!r.value("ok", false)) throw CLI::RuntimeError(2);
  });
}

}  // namespace parc::cli
