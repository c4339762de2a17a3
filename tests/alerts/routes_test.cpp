// The console routes of health monitoring, called through the router with a caller
// (authentication itself is the dispatcher's, tested elsewhere): permissions declared,
// tenant scoping, lifecycle actions, rule overrides and channels.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/crypto/hash.h"
#include "common/error.h"
#include "server/api/health_routes.h"
#include "server/api/host_group_routes.h"
#include "server/app/config.h"
#include "server/auth/sessions.h"
#include "server/ca/internal_ca.h"
#include "server/control/control_hub.h"
#include "server/security/rate_limiter.h"
#include "server/store/sqlite/host_groups_store.h"
#include "server/store/sqlite/sqlite_store.h"

namespace parc::server::api {
namespace {

namespace fs = std::filesystem;
using auth::Permission;
constexpr store::Time kT0 = 1795950000;

struct Server {
  fs::path dir = fs::temp_directory_path() / ("parc-health-routes-" + std::to_string(getpid()));
  std::unique_ptr<store::SqliteStore> store;
  std::unique_ptr<ca::InternalCa> ca;
  ServerConfig config;
  std::unique_ptr<auth::SessionManager> sessions;
  std::unique_ptr<control::ControlHub> hub;
  security::RateLimiter limiterA{{1000, 1000}}, limiterB{{1000, 1000}};
  std::unique_ptr<Services> services;
  std::unique_ptr<alerts::HealthService> health;
  std::unique_ptr<store::HostGroupStore> groups;
  Router router;
  store::Id tenantA = 0, tenantB = 0, hostA = 0, hostB = 0;

  Server() {
    fs::create_directories(dir);
    store = std::make_unique<store::SqliteStore>(dir / "parc.db");
    ca = std::make_unique<ca::InternalCa>(ca::InternalCa::openOrCreate(dir / "tls", {}));
    sessions = std::make_unique<auth::SessionManager>(*store, 3600, 86400);
    hub = std::make_unique<control::ControlHub>(*store, std::chrono::milliseconds(5000));
    services = std::make_unique<Services>(
        Services{*store, *ca, config, *sessions, *hub, limiterA, limiterB});
    alerts::HealthSettings hs;
    hs.outgoingAllow = {"127.0.0.1/32"};
    health = alerts::HealthService::inMemory(hs);
    groups = std::make_unique<store::HostGroupStore>(dir / "parc.db");
    services->health = health.get();
    services->hostGroups = groups.get();
    addHealthRoutes(router, *services, *health);
    addHostGroupRoutes(router, *services);
    tenantA = store->createTenant("Mairie de Saint-Affrique", "12208", kT0).id;
    tenantB = store->createTenant("Mairie de Millau", "12145", kT0).id;
    hostA = enrol(tenantA, "pc-a");
    hostB = enrol(tenantB, "pc-b");
  }
  ~Server() {
    hub.reset();
    fs::remove_all(dir);
  }

  store::Id enrol(store::Id tenant, const std::string& name) {
    store::EnrollmentToken t;
    t.tenantId = tenant;
    t.createdAt = kT0;
    t.expiresAt = kT0 + (1LL << 30);
    t.maxUses = 1;
    std::string secret = crypto::hashSecret(name + "-token");
    store->createToken(t, secret);
    store::NewHost h;
    h.uid = crypto::uuid4();
    h.hostname = name;
    h.deviceId = name;
    h.certFingerprint = crypto::sha256Hex(name);
    h.certSerial = name;
    h.certNotAfter = kT0 + 86400 * 365;
    auto out = store->enrollHost(secret, kT0, h);
    if (!out.host) throw std::runtime_error("enrolment failed");
    health->setHost({out.host->id, tenant, name, {}, {}});
    return out.host->id;
  }

  // Calls a route as a user with a role and a tenant scope; returns (status, body).
  std::pair<int, Json> call(const std::string& method, const std::string& target, store::Role role,
                            std::optional<std::vector<store::Id>> tenants,
                            const Json& body = nullptr) {
    net::Request req;
    req.method = method;
    req.target = target;
    req.body = body.is_null() ? "" : body.dump();
    req.remoteAddress = "127.0.0.1";
    Match m = router.match(method, req.path());
    if (!m.route) return {404, Json()};
    store::User user;
    user.id = 1;
    user.username = "tech";
    user.role = role;
    if (!auth::roleAllows(role, m.route->permission)) return {403, Json()};
    Caller caller;
    caller.user = user;
    caller.scope.tenants = tenants;
    Context ctx{req, m.params, caller, kT0 + 100};
    try {
      net::Response r = m.route->handler(ctx);
      return {r.status, r.body.empty() ? Json() : Json::parse(r.body)};
    } catch (const Error& e) {
      return {httpStatus(e.kind()), Json{{"message", e.what()}}};
    }
  }
};

Json fullDisk(store::Time t) {
  return Json{{"collected_at", t},
              {"metrics", {{{"name", "disk.used_pct"}, {"subject", "/"}, {"value", 96}}}}};
}

TEST(HealthRoutes, EveryRouteDeclaresAHealthPermission) {
  Server s;
  int n = 0;
  for (const auto& r : s.router.routes()) {
    ++n;
    // Host groups are hosts' settings (hosts.read / hosts.write).
    if (r.pattern.find("groups") != std::string::npos) {
      EXPECT_TRUE(r.permission == Permission::kHostsRead || r.permission == Permission::kHostsWrite)
          << r.method << " " << r.pattern;
      continue;
    }
    EXPECT_TRUE(
        r.permission == Permission::kAlertsRead || r.permission == Permission::kAlertsWrite ||
        r.permission == Permission::kAlertRulesWrite || r.permission == Permission::kChannelsWrite)
        << r.method << " " << r.pattern;
  }
  EXPECT_GE(n, 14);
  using store::Role;
  for (Role role : {Role::kAdministrator, Role::kTechnician, Role::kHelpdesk, Role::kReadOnly,
                    Role::kTownHallStaff}) {
    EXPECT_TRUE(auth::roleAllows(role, Permission::kAlertsRead));
  }
  EXPECT_TRUE(auth::roleAllows(Role::kHelpdesk, Permission::kAlertsWrite));
  EXPECT_FALSE(auth::roleAllows(Role::kReadOnly, Permission::kAlertsWrite));
  EXPECT_FALSE(auth::roleAllows(Role::kTownHallStaff, Permission::kAlertsWrite));
  EXPECT_TRUE(auth::roleAllows(Role::kTechnician, Permission::kChannelsWrite));
  EXPECT_FALSE(auth::roleAllows(Role::kHelpdesk, Permission::kAlertRulesWrite));
  EXPECT_FALSE(auth::roleAllows(Role::kHelpdesk, Permission::kChannelsWrite));
}

TEST(HealthRoutes, AlertsAndMetricsAreScopedToTheCallersTenants) {
  Server s;
  using store::Role;
  s.health->ingestMetrics(s.hostA, s.tenantA, "a1", fullDisk(kT0), kT0);
  s.health->ingestMetrics(s.hostB, s.tenantB, "b1", fullDisk(kT0), kT0);
  s.health->evaluate(kT0);
  auto all = s.call("GET", "/api/v1/alerts?state=open", Role::kTechnician, std::nullopt);
  ASSERT_EQ(all.first, 200);
  EXPECT_EQ(all.second["count"], 2);
  auto onlyA =
      s.call("GET", "/api/v1/alerts", Role::kTownHallStaff, std::vector<store::Id>{s.tenantA});
  ASSERT_EQ(onlyA.second["count"], 1);
  EXPECT_EQ(onlyA.second["items"][0]["host_name"], "pc-a");
  store::Id alertB = 0;
  for (const auto& a : all.second["items"]) {
    if (a["host_id"] == s.hostB) alertB = a["id"];
  }
  std::string b = "/api/v1/alerts/" + std::to_string(alertB);
  EXPECT_EQ(s.call("GET", b, Role::kTownHallStaff, std::vector<store::Id>{s.tenantA}).first, 404);
  EXPECT_EQ(
      s.call("POST", b + "/acknowledge", Role::kHelpdesk, std::vector<store::Id>{s.tenantA}).first,
      404);
  EXPECT_EQ(s.call("POST", b + "/acknowledge", Role::kReadOnly, std::nullopt).first, 403);
  auto ack = s.call("POST", b + "/acknowledge", Role::kHelpdesk, std::nullopt);
  ASSERT_EQ(ack.first, 200);
  EXPECT_EQ(ack.second["state"], "acknowledged");
  EXPECT_EQ(ack.second["acknowledged_by"], "user:tech");
  EXPECT_EQ(s.call("POST", b + "/comment", Role::kHelpdesk, std::nullopt,
                   Json{{"text", "technicien en route"}})
                .first,
            201);
  auto detail = s.call("GET", b, Role::kReadOnly, std::nullopt);
  EXPECT_EQ(detail.second["comments"][0]["text"], "technicien en route");
  EXPECT_EQ(
      s.call("POST", b + "/silence", Role::kHelpdesk, std::nullopt, Json{{"minutes", 0}}).first,
      400);
  EXPECT_EQ(
      s.call("POST", b + "/silence", Role::kHelpdesk, std::nullopt, Json{{"minutes", 120}}).first,
      201);
  // Metrics of a host outside the scope read as missing.
  std::string m = "/api/v1/hosts/" + std::to_string(s.hostB) +
                  "/metrics?name=disk.used_pct&from=" + std::to_string(kT0 - 60) +
                  "&to=" + std::to_string(kT0 + 60) + "&step=60";
  EXPECT_EQ(s.call("GET", m, Role::kTownHallStaff, std::vector<store::Id>{s.tenantA}).first, 404);
  auto chart = s.call("GET", m, Role::kTownHallStaff, std::vector<store::Id>{s.tenantB});
  ASSERT_EQ(chart.first, 200);
  EXPECT_EQ(chart.second["resolution"], "raw");
  EXPECT_EQ(chart.second["series"][0]["subject"], "/");
  EXPECT_EQ(chart.second["series"][0]["points"][0][1], 96);
  std::string base = "/api/v1/hosts/" + std::to_string(s.hostB) + "/metrics?name=disk.used_pct";
  EXPECT_EQ(s.call("GET", base + "&step=1", Role::kReadOnly, std::nullopt).first, 400);
  EXPECT_EQ(s.call("GET", base + "&from=0&to=100000000", Role::kReadOnly, std::nullopt).first,
            400);  // 2,000 points per series at most
  EXPECT_EQ(s.call("GET", "/api/v1/hosts/" + std::to_string(s.hostB) + "/metrics", Role::kReadOnly,
                   std::nullopt)
                .first,
            400);  // name is required
}

TEST(HealthRoutes, RuleOverridesAndChannels) {
  Server s;
  using store::Role;
  auto put = [&](const Json& body, std::optional<std::vector<store::Id>> scope = std::nullopt) {
    return s.call("PUT", "/api/v1/alert-rules", Role::kTechnician, scope, body);
  };
  EXPECT_EQ(put({{"scope", "tenant"},
                 {"scope_id", s.tenantA},
                 {"rule", "disk_usage"},
                 {"settings", {{"warning", 80}}}})
                .first,
            200);
  EXPECT_EQ(put({{"scope", "tenant"},
                 {"scope_id", s.tenantA},
                 {"rule", "disk_usage"},
                 {"settings", {{"bogus", 1}}}})
                .first,
            400);
  EXPECT_EQ(put({{"scope", "tenant"},
                 {"scope_id", s.tenantB},
                 {"rule", "disk_usage"},
                 {"settings", {{"warning", 1}}}},
                std::vector<store::Id>{s.tenantA})
                .first,
            404);
  EXPECT_EQ(put({{"scope", "group"},
                 {"scope_id", 3},
                 {"rule", "disk_usage"},
                 {"settings", {{"enabled", false}}}},
                std::vector<store::Id>{s.tenantA})
                .first,
            404);
  // A group that does not exist takes no setting (it would be stored and never apply),
  // even from a caller who sees every tenant; removing a stale one is allowed.
  EXPECT_EQ(put({{"scope", "group"},
                 {"scope_id", 3},
                 {"rule", "disk_usage"},
                 {"settings", {{"enabled", false}}}})
                .first,
            404);
  EXPECT_EQ(
      put({{"scope", "group"}, {"scope_id", 3}, {"rule", "disk_usage"}, {"settings", nullptr}})
          .first,
      200);
  EXPECT_EQ(s.call("PUT", "/api/v1/alert-rules", Role::kHelpdesk, std::nullopt,
                   Json{{"scope", "tenant"},
                        {"scope_id", s.tenantA},
                        {"rule", "disk_usage"},
                        {"settings", {{"warning", 1}}}})
                .first,
            403);
  auto rules = s.call("GET", "/api/v1/alert-rules?tenant_id=" + std::to_string(s.tenantA),
                      Role::kReadOnly, std::nullopt);
  ASSERT_EQ(rules.first, 200);
  EXPECT_EQ(rules.second["overrides"].size(), 1u);
  for (const auto& r : rules.second["effective"]) {
    if (r["id"] == "disk_usage") {
      EXPECT_EQ(r["warning"], 80);
    }
  }

  Json channel{{"tenant_id", s.tenantA},
               {"kind", "webhook"},
               {"name", "n8n"},
               {"min_severity", "critical"},
               {"settings", {{"url", "https://127.0.0.1:9/x"}, {"secret", "0123456789abcdef"}}}};
  auto created = s.call("POST", "/api/v1/channels", Role::kTechnician, std::nullopt, channel);
  ASSERT_EQ(created.first, 201) << created.second.dump();
  EXPECT_EQ(created.second["settings"]["secret"], "********");
  std::string path = "/api/v1/channels/" + created.second["id"].dump();
  // A client sending the masked secret back keeps the stored one.
  auto updated =
      s.call("PUT", path, Role::kTechnician, std::nullopt,
             Json{{"name", "n8n (astreinte)"}, {"settings", created.second["settings"]}});
  ASSERT_EQ(updated.first, 200);
  EXPECT_EQ(s.health->alerts().findChannel(created.second["id"])->settings["secret"],
            "0123456789abcdef");
  channel["settings"]["url"] = "https://169.254.169.254/latest/meta-data";
  EXPECT_EQ(s.call("POST", "/api/v1/channels", Role::kTechnician, std::nullopt, channel).first,
            403);
  EXPECT_EQ(
      s.call("GET", "/api/v1/channels", Role::kTownHallStaff, std::vector<store::Id>{s.tenantB})
          .second["count"],
      0);
  EXPECT_EQ(s.call("DELETE", path, Role::kTechnician, std::vector<store::Id>{s.tenantB}).first,
            404);
  EXPECT_EQ(s.call("DELETE", path, Role::kTechnician, std::nullopt).first, 200);
}

// Host groups: tenant-scoped, audited, fed to the rules engine, and their overrides
// apply between the tenant's and the host's (host > group > tenant > default).
TEST(HealthRoutes, HostGroupsAndTheirRuleOverrides) {
  Server s;
  using store::Role;
  const std::vector<store::Id> onlyA{s.tenantA}, onlyB{s.tenantB};
  auto group = [&](const std::string& name, std::optional<std::vector<store::Id>> scope) {
    return s.call("POST", "/api/v1/host-groups", Role::kTechnician, scope,
                  Json{{"tenant_id", s.tenantA}, {"name", name}});
  };
  EXPECT_EQ(group("Accueil", onlyB).first, 404);  // another commune's caller
  EXPECT_EQ(s.call("POST", "/api/v1/host-groups", Role::kHelpdesk, std::nullopt,
                   Json{{"tenant_id", s.tenantA}, {"name", "Accueil"}})
                .first,
            403);
  auto created = group("Accueil", onlyA);
  ASSERT_EQ(created.first, 201) << created.second.dump();
  store::Id g = created.second["id"];
  EXPECT_EQ(group("Accueil", onlyA).first, 409);
  EXPECT_EQ(s.call("GET", "/api/v1/host-groups", Role::kReadOnly, onlyB).second["count"], 0);
  EXPECT_EQ(s.call("GET", "/api/v1/host-groups", Role::kReadOnly, onlyA).second["count"], 1);

  // Membership: only a group of the host's own tenant.
  auto setGroups = [&](store::Id host, const Json& ids, std::optional<std::vector<store::Id>> sc) {
    return s.call("PUT", "/api/v1/hosts/" + std::to_string(host) + "/groups", Role::kTechnician, sc,
                  Json{{"groups", ids}});
  };
  EXPECT_EQ(setGroups(s.hostB, Json::array({g}), std::nullopt).first, 400);
  EXPECT_EQ(setGroups(s.hostA, Json::array({g}), onlyB).first, 404);
  ASSERT_EQ(setGroups(s.hostA, Json::array({g}), onlyA).first, 200);
  EXPECT_EQ(s.health->engine().host(s.hostA)->groups, std::vector<store::Id>{g});
  EXPECT_EQ(s.groups->groupsOf(s.hostA), std::vector<store::Id>{g});
  auto listed = s.call("GET", "/api/v1/host-groups?tenant_id=" + std::to_string(s.tenantA),
                       Role::kReadOnly, onlyA);
  EXPECT_EQ(listed.second["items"][0]["hosts"], Json::array({s.hostA}));

  // Precedence, disk at 96 %: default warns (> 90); the tenant's 97 silences it; the
  // group's 95 wins over the tenant and warns again; the host's switch-off wins over all.
  auto rule = [&](const std::string& scope, store::Id id, const Json& settings,
                  std::optional<std::vector<store::Id>> sc = std::nullopt) {
    return s
        .call(
            "PUT", "/api/v1/alert-rules", Role::kTechnician, sc,
            Json{
                {"scope", scope}, {"scope_id", id}, {"rule", "disk_usage"}, {"settings", settings}})
        .first;
  };
  auto diskAlerts = [&](store::Time t) {
    s.health->ingestMetrics(s.hostA, s.tenantA, "m" + std::to_string(t), fullDisk(t), t);
    s.health->evaluate(t);
    int n = 0;
    for (const auto& a : s.health->alerts().openAlerts()) n += a.ruleId == "disk_usage";
    return n;
  };
  ASSERT_EQ(rule("tenant", s.tenantA, {{"warning", 97}}), 200);
  EXPECT_EQ(rule("group", g, {{"warning", 95}}, onlyB), 404);
  ASSERT_EQ(rule("group", g, {{"warning", 95}}, onlyA), 200);
  EXPECT_EQ(diskAlerts(kT0), 1);  // the group's setting over the tenant's
  ASSERT_EQ(rule("host", s.hostA, {{"enabled", false}}), 200);
  EXPECT_EQ(diskAlerts(kT0 + 60), 0);  // the host's over the group's (disabled: at once)
  ASSERT_EQ(rule("host", s.hostA, nullptr), 200);
  auto rules = s.call("GET", "/api/v1/alert-rules", Role::kReadOnly, onlyA).second;
  int groupOverrides = 0;
  for (const auto& o : rules["overrides"]) groupOverrides += o["scope"] == "group";
  EXPECT_EQ(groupOverrides, 1);  // visible to the group's commune
  rules = s.call("GET", "/api/v1/alert-rules", Role::kReadOnly, onlyB).second;
  for (const auto& o : rules["overrides"]) EXPECT_NE(o["scope"], "group") << o.dump();

  // Leaving the group: the tenant's 97 applies again.
  ASSERT_EQ(setGroups(s.hostA, Json::array(), onlyA).first, 200);
  EXPECT_TRUE(s.health->engine().host(s.hostA)->groups.empty());
  ASSERT_EQ(setGroups(s.hostA, Json::array({g}), onlyA).first, 200);

  // Deleting: 404 elsewhere; members leave it and its overrides go with it.
  EXPECT_EQ(
      s.call("DELETE", "/api/v1/host-groups/" + std::to_string(g), Role::kTechnician, onlyB).first,
      404);
  ASSERT_EQ(
      s.call("DELETE", "/api/v1/host-groups/" + std::to_string(g), Role::kTechnician, onlyA).first,
      200);
  EXPECT_TRUE(s.health->engine().host(s.hostA)->groups.empty());
  for (const auto& o : s.health->alerts().overrides()) EXPECT_NE(o.scope, "group");
  EXPECT_TRUE(s.groups->groupsOf(s.hostA).empty());

  std::string actions;
  for (const auto& e : s.store->listAudit(100)) actions += e.action + " ";
  EXPECT_NE(actions.find("host_group.create"), std::string::npos) << actions;
  EXPECT_NE(actions.find("host.groups"), std::string::npos);
  EXPECT_NE(actions.find("host_group.delete"), std::string::npos);
}

TEST(HealthRoutes, UnsilenceLiftsTheAlertsOwnSilence) {
  Server s;
  using store::Role;
  s.health->ingestMetrics(s.hostA, s.tenantA, "a1", fullDisk(kT0), kT0);
  s.health->evaluate(kT0);
  auto open = s.call("GET", "/api/v1/alerts?state=open", Role::kTechnician, std::nullopt);
  ASSERT_EQ(open.second["count"], 1);
  std::string path = "/api/v1/alerts/" + open.second["items"][0]["id"].dump();
  ASSERT_EQ(s.call("POST", path + "/silence", Role::kHelpdesk, std::nullopt,
                   Json{{"minutes", 120}, {"comment", "intervention"}})
                .first,
            201);
  s.health->evaluate(kT0 + 150);  // due while muted: marked silenced
  EXPECT_EQ(s.call("GET", path, Role::kReadOnly, std::nullopt).second["silenced"], true);

  EXPECT_EQ(s.call("POST", path + "/unsilence", Role::kReadOnly, std::nullopt).first, 403);
  EXPECT_EQ(
      s.call("POST", path + "/unsilence", Role::kHelpdesk, std::vector<store::Id>{s.tenantB}).first,
      404);
  auto lifted = s.call("POST", path + "/unsilence", Role::kHelpdesk, std::nullopt);
  ASSERT_EQ(lifted.first, 200) << lifted.second.dump();
  EXPECT_EQ(lifted.second["silenced"], false);
  EXPECT_EQ(lifted.second["silences_ended"], 1);
  EXPECT_EQ(s.call("GET", "/api/v1/silences", Role::kReadOnly, std::nullopt).second["count"], 0);
  // Ended, not forgotten: the alert's history keeps it, with its reason.
  auto history = s.call("GET", path, Role::kReadOnly, std::nullopt).second["silences"];
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0]["comment"], "intervention");
  EXPECT_EQ(history[0]["ends_at"], kT0 + 100);
  s.health->evaluate(kT0 + 200);  // no window left: it stays unmuted
  EXPECT_EQ(s.call("GET", path, Role::kReadOnly, std::nullopt).second["silenced"], false);
  auto audit = s.store->listAudit(100);
  ASSERT_FALSE(audit.empty());
  bool logged = false;
  for (const auto& e : audit) logged = logged || e.action == "alert.unsilence";
  EXPECT_TRUE(logged);
  // Again: nothing left to remove, still a success.
  EXPECT_EQ(
      s.call("POST", path + "/unsilence", Role::kHelpdesk, std::nullopt).second["silences_ended"],
      0);
}

// A technician of commune A guessing the ids of commune B's alert, channel, host group
// and silence gets 404 exactly as for ids that do not exist, changes nothing, and each
// probe of a real id leaves an `access.denied` record naming the object's commune
// (docs/security.md, "Audit log"); ids that do not exist leave none.
TEST(HealthRoutes, ProbesOfAnotherCommunesIdsAreAuditedAndAnswerAsMissing) {
  Server s;
  using store::Role;
  const std::vector<store::Id> onlyA{s.tenantA};
  s.health->ingestMetrics(s.hostB, s.tenantB, "b1", fullDisk(kT0), kT0);
  s.health->evaluate(kT0);
  auto alerts = s.call("GET", "/api/v1/alerts?state=open", Role::kTechnician, std::nullopt);
  ASSERT_EQ(alerts.second["count"], 1);
  std::string alert = alerts.second["items"][0]["id"].dump();
  Json channelBody{
      {"tenant_id", s.tenantB},
      {"kind", "webhook"},
      {"name", "millau"},
      {"settings", {{"url", "https://127.0.0.1:9/x"}, {"secret", "0123456789abcdef"}}}};
  auto channel = s.call("POST", "/api/v1/channels", Role::kTechnician, std::nullopt, channelBody);
  ASSERT_EQ(channel.first, 201) << channel.second.dump();
  auto group = s.call("POST", "/api/v1/host-groups", Role::kTechnician, std::nullopt,
                      Json{{"tenant_id", s.tenantB}, {"name", "Accueil"}});
  ASSERT_EQ(group.first, 201) << group.second.dump();
  auto silence = s.call("POST", "/api/v1/silences", Role::kTechnician, std::nullopt,
                        Json{{"tenant_id", s.tenantB}, {"ends_at", kT0 + 3600}});
  ASSERT_EQ(silence.first, 201) << silence.second.dump();
  std::string ch = channel.second["id"].dump(), gr = group.second["id"].dump(),
              sl = silence.second["id"].dump();

  struct Probe {
    std::string method, path;
    Json body;
  };
  auto probes = [&](const std::string& a, const std::string& c, const std::string& g,
                    const std::string& si) {
    return std::vector<Probe>{{"GET", "/api/v1/alerts/" + a, nullptr},
                              {"POST", "/api/v1/alerts/" + a + "/acknowledge", nullptr},
                              {"POST", "/api/v1/alerts/" + a + "/silence", Json::object()},
                              {"POST", "/api/v1/alerts/" + a + "/unsilence", nullptr},
                              {"POST", "/api/v1/alerts/" + a + "/comment", Json{{"text", "vu"}}},
                              {"PUT", "/api/v1/channels/" + c, Json{{"name", "pris"}}},
                              {"POST", "/api/v1/channels/" + c + "/test", nullptr},
                              {"DELETE", "/api/v1/channels/" + c, nullptr},
                              {"DELETE", "/api/v1/host-groups/" + g, nullptr},
                              {"PUT", "/api/v1/alert-rules",
                               Json{{"scope", "group"},
                                    {"scope_id", std::stoll(g)},
                                    {"rule", "disk_usage"},
                                    {"settings", {{"warning", 50}}}}},
                              {"DELETE", "/api/v1/silences/" + si, nullptr}};
  };
  auto denied = [&] {
    std::vector<store::AuditEntry> out;
    for (const auto& e : s.store->listAudit(1000))
      if (e.action == "access.denied") out.push_back(e);
    return out;
  };
  // Ids that do not exist: 404, no record.
  std::vector<std::pair<int, Json>> missing;
  for (const auto& p : probes("99999", "99999", "99999", "99999")) {
    missing.push_back(s.call(p.method, p.path, Role::kTechnician, onlyA, p.body));
    EXPECT_EQ(missing.back().first, 404) << p.path;
  }
  EXPECT_TRUE(denied().empty());
  // B's real ids: the same answers, and one record each.
  auto real = probes(alert, ch, gr, sl);
  for (std::size_t i = 0; i < real.size(); ++i) {
    const auto& p = real[i];
    EXPECT_EQ(s.call(p.method, p.path, Role::kTechnician, onlyA, p.body), missing[i])
        << p.method << " " << p.path;
  }
  auto records = denied();
  ASSERT_EQ(records.size(), real.size());
  for (std::size_t i = 0; i < real.size(); ++i) {
    EXPECT_EQ(records[real.size() - 1 - i].target, real[i].method + " " + real[i].path);
    EXPECT_EQ(records[real.size() - 1 - i].result, "denied");
    EXPECT_NE(records[real.size() - 1 - i].detail.find("out of scope: " +
                                                       std::string(i < 5    ? "alert"
                                                                   : i < 8  ? "channel"
                                                                   : i < 10 ? "host group"
                                                                            : "silence") +
                                                       " of tenant " + std::to_string(s.tenantB)),
              std::string::npos)
        << records[real.size() - 1 - i].detail;
  }
  // Nothing of B changed.
  EXPECT_TRUE(s.health->alerts().findChannel(std::stoll(ch)).has_value());
  EXPECT_EQ(s.call("GET", "/api/v1/alerts/" + alert, Role::kReadOnly, std::nullopt).second["state"],
            "firing");
  EXPECT_EQ(s.call("GET", "/api/v1/host-groups", Role::kReadOnly, std::nullopt).second["count"], 1);
  EXPECT_EQ(s.call("GET", "/api/v1/silences", Role::kReadOnly, std::nullopt).second["count"], 1);
}

}  // namespace
}  // namespace parc::server::api
