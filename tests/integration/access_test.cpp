// Technicians' side of the trust model, attacked through the real server: every route
// guarded, roles, tenant isolation by id guessing, CSRF, sessions, TOTP, throttling,
// hostile agent strings, connection floods. docs/security.md lists each with its test.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "common/crypto/hash.h"
#include "common/crypto/x509.h"
#include "common/error.h"
#include "common/files/files.h"
#include "common/net/client.h"
#include "server/auth/permissions.h"
#include "server/security/totp.h"
#include "server/store/model.h"
#include "tests/integration/console_api.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

using Headers = std::map<std::string, std::string>;

constexpr const char* kStrongPassword = "Cassoulet-Aveyron-2026!";

class Access : public ::testing::Test, protected ConsoleApi {
 protected:
  using store_id = std::int64_t;

  // Low limits so that floods are reached quickly; short sessions for expiry.
  virtual std::string securityToml() const {
    return "[security]\nsession_idle_seconds = 3\nsession_absolute_seconds = 3600\n"
           "console_connections_per_address = 12\npublic_request_burst = 30\n";
  }

  void SetUp() override {
    files::writeAtomic(tmp.path() / "server.toml", securityToml(), 0600);
    server = std::make_unique<ServerFixture>(
        tmp.path() / "server", 0, 0,
        std::vector<std::string>{"--config", (tmp.path() / "server.toml").string()});
    connect(*server);
    tls::ClientTlsConfig pinned;
    pinned.pinnedFingerprint = server->caFingerprint;
    agentSide = std::make_unique<net::HttpsClient>(
        net::parseUrl(server->agentUrl), tls::TlsContext::client(pinned), std::chrono::seconds(20));
    admin = login("admin", server->adminPassword);
  }

  store_id createTenant(const std::string& name, const std::string& insee) {
    return ok("POST", "/api/v1/tenants", admin, Json{{"name", name}, {"insee_code", insee}})["id"];
  }

  Json createUser(const std::string& name, const std::string& role, const Json& tenants) {
    return ok("POST", "/api/v1/users", admin,
              Json{{"username", name},
                   {"password", kStrongPassword},
                   {"role", role},
                   {"tenants", tenants}});
  }

  // Enrols a host into a tenant with a raw request (hostname chosen by the test).
  Json enrolHost(store_id tenant, const std::string& hostname, crypto::PrivateKey* keyOut = nullptr,
                 std::string* certOut = nullptr) {
    Json t = ok("POST", "/api/v1/tokens", admin, Json{{"tenant_id", tenant}});
    auto key = crypto::generateKey();
    Json req{{"token", t["token"]},
             {"csr", crypto::makeCsrPem(key.get(), "x")},
             {"hostname", hostname},
             {"device_id", "dev-" + std::to_string(++devices)}};
    net::Response r = agentSide->send(
        {"POST", "/api/v1/enroll", {{"content-type", "application/json"}}, req.dump(), {}, {}});
    EXPECT_EQ(r.status, 201) << r.body;
    Json out = parseJson(r.body);
    if (certOut) *certOut = out.value("certificate", "");
    if (keyOut) *keyOut = std::move(key);
    return out;
  }

  TempDir tmp;
  std::unique_ptr<ServerFixture> server;
  std::unique_ptr<net::HttpsClient> agentSide;
  std::string admin;
  int devices = 0;
};

// The permission each role holds, as the server's table says (server/auth/permissions.cpp).
std::optional<server::auth::Permission> permissionNamed(const std::string& name) {
  using server::auth::Permission;
  for (int i = 0; i <= static_cast<int>(server::auth::kLastPermission); ++i) {
    auto p = static_cast<Permission>(i);
    if (name == server::auth::permissionName(p)) return p;
  }
  return std::nullopt;
}

// Every route called by every role is well over a thousand requests from one address:
// this fixture lifts the per-source rate limits that the flood tests rely on.
class AccessAllRoutes : public Access {
 protected:
  std::string securityToml() const override {
    return "[security]\npublic_request_burst = 100000\nrequest_burst = 100000\n";
  }
  int checkSocketGuard(const Json& route, const std::string& path,
                       const std::map<std::string, std::string>& tokens);
};

// A WebSocket upgrade as a browser or parcctl sends it (the server decides before 101).
net::Request upgradeRequest(const std::string& path, const std::string& token) {
  net::Request r{"GET", path, {}, "", {}, {}};
  r.headers = {{"connection", "Upgrade"},
               {"upgrade", "websocket"},
               {"sec-websocket-version", "13"},
               {"sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="}};
  if (!token.empty()) r.headers["authorization"] = "Bearer " + token;
  return r;
}

// One WebSocket endpoint of the index: refused without credentials or a client
// certificate, and, on the console, refused by role exactly where the table says so.
int AccessAllRoutes::checkSocketGuard(const Json& route, const std::string& path,
                                      const std::map<std::string, std::string>& tokens) {
  std::string key = "WebSocket " + route["pattern"].get<std::string>();
  if (route["listener"] == "agent") {
    EXPECT_EQ(route["permission"], "agent") << key;
    net::Response r = agentSide->send(upgradeRequest(path, ""));
    EXPECT_EQ(r.status, 401) << key << " without a client certificate: " << r.body;
    return 1;
  }
  auto permission = permissionNamed(route["permission"]);
  EXPECT_TRUE(permission) << key;
  if (!permission) return 0;
  EXPECT_EQ(console->send(upgradeRequest(path, "")).status, 401) << key;
  EXPECT_EQ(console->send(upgradeRequest(path, "parc_ses_forged")).status, 401) << key;
  for (const auto& [role, token] : tokens) {
    net::Response r = console->send(upgradeRequest(path, token));
    bool refusedByRole = r.status == 403 && r.body.find("your role may not") != std::string::npos;
    bool allowed = server::auth::roleAllows(*server::store::roleFromName(role), *permission);
    EXPECT_NE(r.status, 401) << key << " as " << role;
    EXPECT_NE(r.status, 101) << key << " as " << role;
    EXPECT_EQ(refusedByRole, !allowed)
        << key << " as " << role << ": " << r.status << " " << r.body;
  }
  return 1;
}

// The text format's structure, for every family the server writes: "# HELP name" then
// "# TYPE name type", each family once, and every sample under its own family's lines
// (a summary's also as name_sum and name_count).
void expectWellFormedExposition(const std::string& body) {
  std::set<std::string> families;
  std::string family, type, expectTypeOf;
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# HELP ", 0) == 0) {
      family = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(families.insert(family).second) << "declared twice: " << family;
      expectTypeOf = family;
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      EXPECT_EQ(line.substr(7, line.find(' ', 7) - 7), expectTypeOf) << line;
      type = line.substr(line.rfind(' ') + 1);
      EXPECT_TRUE(type == "gauge" || type == "counter" || type == "summary") << line;
      expectTypeOf.clear();
      continue;
    }
    EXPECT_TRUE(expectTypeOf.empty()) << "no TYPE after HELP for " << expectTypeOf;
    std::string name = line.substr(0, line.find_first_of("{ "));
    bool ours = name == family ||
                (type == "summary" && (name == family + "_sum" || name == family + "_count"));
    EXPECT_TRUE(ours) << "sample " << name << " under family " << family;
  }
}

TEST_F(AccessAllRoutes, EveryRouteIsGuardedAndEveryRoleGetsExactlyItsPermissions) {
  Json routes = ok("GET", "/api/v1/routes", admin)["items"];
  ASSERT_GT(routes.size(), 20u);
  // The only routes anyone may call without credentials; a new one must be added here
  // deliberately (and to docs/security.md).
  const std::set<std::string> publicRoutes = {"GET /api/v1/health", "POST /api/v1/login",
                                              "POST /api/v1/enroll"};

  std::map<std::string, std::string> tokens;  // role → API token (staff: a session)
  for (std::string role : {"administrator", "technician", "helpdesk", "read_only"}) {
    createUser("u-" + role, role, nullptr);
    std::string session = login("u-" + role, kStrongPassword);
    tokens[role] = ok("POST", "/api/v1/api-tokens", session, Json{{"name", "enum"}})["token"];
  }
  store_id tenant = createTenant("Mairie de Rodez", "12202");
  createUser("u-town_hall_staff", "town_hall_staff", Json::array({tenant}));
  tokens["town_hall_staff"] = login("u-town_hall_staff", kStrongPassword);

  // The WebSocket endpoints are decided outside the router, yet listed and walked too:
  // a remote session is a root terminal on a PC.
  std::set<std::string> sockets;
  for (const auto& route : routes) {
    if (route.value("websocket", false))
      sockets.insert(route["listener"].get<std::string>() + " " +
                     route["pattern"].get<std::string>());
  }
  EXPECT_EQ(sockets, (std::set<std::string>{"console /api/v1/hosts/{id}/sessions/{kind}",
                                            "agent /api/v1/control"}));

  int checked = 0, socketsChecked = 0;
  for (const auto& route : routes) {
    std::string method = route["method"], pattern = route["pattern"];
    std::string path = pattern;
    for (auto pos = path.find('{'); pos != std::string::npos; pos = path.find('{')) {
      path.replace(pos, path.find('}', pos) - pos + 1, "999999");  // no such object
    }
    std::string key = method + " " + pattern;
    if (route.value("websocket", false)) {
      socketsChecked += checkSocketGuard(route, path, tokens);
      continue;
    }
    auto permission = permissionNamed(route["permission"]);
    ASSERT_TRUE(permission) << key << " declares an unknown permission";
    if (route["permission"] == "public") {
      bool asset = method == "GET" && pattern.rfind("/api/", 0) != 0;  // console's files
      EXPECT_TRUE(asset || publicRoutes.count(key)) << key << " is public but not on the list";
      continue;
    }
    if (route["listener"] == "agent") {
      EXPECT_EQ(route["permission"], "agent") << key;
      net::Response r = agentSide->send({method, path, {}, "{}", {}, {}});
      EXPECT_EQ(r.status, 401) << key << " without a client certificate: " << r.body;
      continue;
    }
    // No credentials, a forged token, an agent-listener call: all refused.
    EXPECT_EQ(call(method, path, "", Json::object()).status, 401) << key;
    EXPECT_EQ(call(method, path, "parc_ses_forged", Json::object()).status, 401) << key;
    for (const auto& [role, token] : tokens) {
      net::Response r = call(method, path, token, Json::object());
      bool refusedByRole = r.status == 403 && r.body.find("your role may not") != std::string::npos;
      bool allowed = server::auth::roleAllows(*server::store::roleFromName(role), *permission);
      EXPECT_NE(r.status, 401) << key << " as " << role;
      EXPECT_EQ(refusedByRole, !allowed)
          << key << " as " << role << ": " << r.status << " " << r.body;
      ++checked;
      if (role == "town_hall_staff" && pattern.rfind("/api/v1/logout", 0) == 0) {
        tokens[role] = login("u-town_hall_staff", kStrongPassword);  // that call ended it
      }
    }
  }
  EXPECT_GT(checked, 100);
  EXPECT_EQ(socketsChecked, 2);
}

TEST_F(Access, TenantIsolationHoldsForEveryListingAndEveryGuessedId) {
  store_id a = createTenant("Mairie d'Espalion", "12096");
  store_id b = createTenant("Mairie de Laguiole", "12119");
  Json hostA = enrolHost(a, "pc-espalion");
  Json hostB = enrolHost(b, "pc-laguiole");
  Json tokenB = ok("POST", "/api/v1/tokens", admin, Json{{"tenant_id", b}});
  createUser("staff-a", "town_hall_staff", Json::array({a}));
  createUser("tech-a", "technician", Json::array({a}));

  for (std::string who : {"staff-a", "tech-a"}) {
    std::string t = login(who, kStrongPassword);
    SCOPED_TRACE(who);
    Json hosts = ok("GET", "/api/v1/hosts", t);
    ASSERT_EQ(hosts["total"], 1);
    EXPECT_EQ(hosts["items"][0]["hostname"], "pc-espalion");
    EXPECT_EQ(ok("GET", "/api/v1/hosts?q=laguiole", t)["total"], 0);
    EXPECT_EQ(ok("GET", "/api/v1/hosts?tenant_id=" + std::to_string(b), t)["total"], 0);
    Json tenants = ok("GET", "/api/v1/tenants", t)["items"];
    ASSERT_EQ(tenants.size(), 1u);
    EXPECT_EQ(tenants[0]["id"], a);
    std::string idB = std::to_string(hostB["host_id"].get<store_id>());
    // Guessed ids of the other tenant answer exactly like ids that do not exist.
    for (auto [path, id] : std::vector<std::pair<std::string, std::string>>{
             {"/api/v1/hosts/{}", idB},
             {"/api/v1/hosts/{}/history", idB},
             {"/api/v1/tenants/{}", std::to_string(b)}}) {
      auto with = [&](const std::string& v) {
        std::string p = path;
        return p.replace(p.find("{}"), 2, v);
      };
      net::Response guessed = call("GET", with(id), t);
      EXPECT_EQ(guessed.status, 404) << with(id);
      EXPECT_EQ(guessed.body, call("GET", with("999999"), t).body) << with(id);
    }
    if (who == "tech-a") {
      EXPECT_EQ(
          call("PUT", "/api/v1/hosts/" + idB + "/config", t, Json{{"inventory_interval", 600}})
              .status,
          404);
      EXPECT_EQ(
          call("POST", "/api/v1/hosts/" + idB + "/commands", t, Json{{"command", "ping"}}).status,
          404);
      EXPECT_EQ(call("POST", "/api/v1/hosts/" + idB + "/revoke", t).status, 404);
      EXPECT_EQ(call("POST", "/api/v1/tokens", t, Json{{"tenant_id", b}}).status, 404);
      EXPECT_EQ(
          call("POST", "/api/v1/tokens/" + std::to_string(tokenB["id"].get<store_id>()) + "/revoke",
               t)
              .status,
          404);
      Json tokens = ok("GET", "/api/v1/tokens", t)["items"];
      for (const auto& tok : tokens) EXPECT_EQ(tok["tenant_id"], a);
    }
  }
  // Nothing of B was changed by those attempts.
  Json b1 = ok("GET", "/api/v1/hosts/" + std::to_string(hostB["host_id"].get<store_id>()), admin);
  EXPECT_FALSE(b1["revoked"].get<bool>());
  Json allTokens = ok("GET", "/api/v1/tokens", admin);  // a named local: the loop reads into it
  for (const auto& tok : allTokens["items"]) {
    EXPECT_FALSE(tok["revoked"].get<bool>()) << tok.dump();
  }
}

// The routes added after the first isolation test, in one table: for each detail route,
// commune A's technician and (scoped) administrator get for commune B's real id exactly
// what they get for an id that does not exist; writes on B's objects are refused and
// change nothing; listings hold nothing of B; each probe of a real id is audited.
TEST_F(Access, TenantIsolationHoldsForBackupsAlertsRemoteProfilesAndTheAuditLog) {
  store_id a = createTenant("Mairie d'Espalion", "12096");
  store_id b = createTenant("Mairie de Laguiole", "12119");
  enrolHost(a, "pc-espalion");
  store_id hostB = enrolHost(b, "pc-laguiole")["host_id"];
  std::int64_t now = std::time(nullptr);
  // Objects of B, made by the administrator of every commune.
  store_id silenceB = ok("POST", "/api/v1/silences", admin,
                         Json{{"tenant_id", b},
                              {"host_id", hostB},
                              {"ends_at", now + 3600},
                              {"comment", "laguiole-maintenance"}})["id"];
  ok("PUT", "/api/v1/alert-rules", admin,
     Json{{"scope", "tenant"},
          {"scope_id", b},
          {"rule", "disk_usage"},
          {"settings", {{"warning", 71}}}});
  ok("PUT", "/api/v1/alert-rules", admin,
     Json{{"scope", "host"},
          {"scope_id", hostB},
          {"rule", "disk_usage"},
          {"settings", {{"warning", 72}}}});
  Json consentB = ok("GET", "/api/v1/tenants/" + std::to_string(b) + "/remote-consent", admin);
  Json scriptsB = ok("GET", "/api/v1/tenants/" + std::to_string(b) + "/scripts-policy", admin);
  Json profileB = ok("GET", "/api/v1/tenants/" + std::to_string(b) + "/profile", admin);
  createUser("tech-a", "technician", Json::array({a}));
  createUser("admin-a", "administrator", Json::array({a}));

  // {h}: a host id, {t}: a tenant id, {s}: a silence id.
  const std::vector<std::string> reads = {
      "/api/v1/hosts/{h}/backups",           "/api/v1/hosts/{h}/restores",
      "/api/v1/hosts/{h}/backups/ab12/tree", "/api/v1/hosts/{h}/clone-reports",
      "/api/v1/hosts/{h}/executions",        "/api/v1/hosts/{h}/backup-policy",
      "/api/v1/hosts/{h}/metrics",           "/api/v1/tenants/{t}/backups",
      "/api/v1/tenants/{t}/backup-policy",   "/api/v1/tenants/{t}/profile",
      "/api/v1/tenants/{t}/remote-consent",  "/api/v1/tenants/{t}/scripts-policy",
      "/api/v1/tenants/{t}/modules",         "/api/v1/alert-rules?tenant_id={t}"};
  struct Write {
    std::string method, path;
    Json body;
  };
  const std::vector<Write> writes = {
      {"PUT", "/api/v1/tenants/{t}/remote-consent", Json{{"policy", "none"}}},
      {"PUT", "/api/v1/tenants/{t}/scripts-policy", Json{{"scripts_enabled", true}}},
      {"PUT", "/api/v1/tenants/{t}/profile", Json{{"legal_name", "pris"}}},
      {"POST", "/api/v1/silences", Json{{"tenant_id", "{t}"}, {"ends_at", now + 60}}},
      {"DELETE", "/api/v1/silences/{s}", nullptr},
      {"PUT", "/api/v1/alert-rules",
       Json{{"scope", "tenant"},
            {"scope_id", "{t}"},
            {"rule", "disk_usage"},
            {"settings", nullptr}}},
      {"PUT", "/api/v1/alert-rules",
       Json{
           {"scope", "host"}, {"scope_id", "{h}"}, {"rule", "disk_usage"}, {"settings", nullptr}}}};
  auto fill = [](std::string text, store_id h, store_id t, store_id sl) {
    for (auto [key, v] :
         std::vector<std::pair<std::string, store_id>>{{"{h}", h}, {"{t}", t}, {"{s}", sl}})
      for (auto pos = text.find(key); pos != std::string::npos; pos = text.find(key))
        text.replace(pos, key.size(), std::to_string(v));
    return text;
  };
  // Body placeholders become numbers ("{t}" → 12), as a client would send them.
  auto fillBody = [](Json body, store_id h, store_id t, store_id sl) {
    if (!body.is_object()) return body;
    for (auto it = body.begin(); it != body.end(); ++it) {
      Json& v = it.value();
      if (v == "{h}") v = h;
      if (v == "{t}") v = t;
      if (v == "{s}") v = sl;
    }
    return body;
  };
  constexpr store_id kNone = 999999;
  for (std::string who : {"tech-a", "admin-a"}) {
    SCOPED_TRACE(who);
    std::string t = login(who, kStrongPassword);
    for (const auto& path : reads) {
      net::Response guessed = call("GET", fill(path, hostB, b, silenceB), t);
      net::Response missing = call("GET", fill(path, kNone, kNone, kNone), t);
      EXPECT_TRUE(guessed.status == 404 || guessed.status == 403) << path << ": " << guessed.status;
      EXPECT_EQ(guessed.status, missing.status) << path;
      EXPECT_EQ(guessed.body, missing.body) << path;
      EXPECT_EQ(guessed.body.find("laguiole"), std::string::npos) << path;
    }
    for (const auto& w : writes) {
      net::Response guessed =
          call(w.method, fill(w.path, hostB, b, silenceB), t, fillBody(w.body, hostB, b, silenceB));
      net::Response missing = call(w.method, fill(w.path, kNone, kNone, kNone), t,
                                   fillBody(w.body, kNone, kNone, kNone));
      EXPECT_TRUE(guessed.status == 404 || guessed.status == 403)
          << w.method << " " << w.path << ": " << guessed.status << " " << guessed.body;
      EXPECT_EQ(guessed.status, missing.status)
          << w.method << " " << w.path << ": " << missing.body;
    }
    // Listings: nothing of B.
    // Named locals: a range-for over ok(...)["items"] would read a destroyed temporary.
    Json silencesA = ok("GET", "/api/v1/silences", t);
    for (const auto& sl : silencesA["items"]) EXPECT_EQ(sl["tenant_id"], a);
    Json rulesA = ok("GET", "/api/v1/alert-rules", t);
    for (const auto& o : rulesA["overrides"]) {
      EXPECT_FALSE(o["scope"] == "tenant" && o["scope_id"] == b) << o.dump();
      EXPECT_FALSE(o["scope"] == "host" && o["scope_id"] == hostB) << o.dump();
    }
    Json sessionsA = ok("GET", "/api/v1/remote/sessions", t);
    for (const auto& rs : sessionsA["items"]) EXPECT_NE(rs["host_id"], hostB) << rs.dump();
    if (who == "admin-a") {
      Json log = ok("GET", "/api/v1/audit?limit=1000", t)["items"];
      EXPECT_FALSE(log.empty());
      for (const auto& e : log) {
        EXPECT_NE(e["tenant_id"], b) << e.dump();
        EXPECT_EQ(e.dump().find("laguiole"), std::string::npos) << e.dump();
      }
      EXPECT_EQ(call("GET", "/api/v1/audit/export", t).status, 403);
    } else {
      EXPECT_EQ(call("GET", "/api/v1/audit", t).status, 403);
    }
  }
  // B is as it was.
  EXPECT_EQ(ok("GET", "/api/v1/tenants/" + std::to_string(b) + "/remote-consent", admin), consentB);
  EXPECT_EQ(ok("GET", "/api/v1/tenants/" + std::to_string(b) + "/scripts-policy", admin), scriptsB);
  EXPECT_EQ(ok("GET", "/api/v1/tenants/" + std::to_string(b) + "/profile", admin), profileB);
  Json silences = ok("GET", "/api/v1/silences", admin)["items"];
  ASSERT_EQ(silences.size(), 1u);
  EXPECT_EQ(silences[0]["id"], silenceB);
  EXPECT_EQ(ok("GET", "/api/v1/alert-rules", admin)["overrides"].size(), 2u);
  // Each probe of B's real ids left a record naming the prober (the missing ids did not).
  for (std::string who : {"tech-a", "admin-a"}) {
    Json denied = ok("GET", "/api/v1/audit?limit=1000&action=access.denied&actor=user:" + who,
                     admin)["items"];
    std::set<std::string> targets;
    for (const auto& e : denied) {
      targets.insert(e["target"].get<std::string>());
      // Ids that do not exist are no probe: only role refusals name them.
      if (e["detail"].get<std::string>().rfind("out of scope", 0) == 0) {
        EXPECT_EQ(e["target"].get<std::string>().find("999999"), std::string::npos) << e.dump();
      }
    }
    EXPECT_TRUE(targets.count("GET /api/v1/hosts/" + std::to_string(hostB) + "/backups")) << who;
    EXPECT_TRUE(targets.count("GET /api/v1/tenants/" + std::to_string(b) + "/profile")) << who;
  }
}

// The dashboard's summary and the Prometheus scrape read the whole fleet at once: a
// technician of one commune (with a session or an API token) sees only that commune's
// hosts and values, and the server's own counters only reach callers who see everything.
TEST_F(Access, FleetSummaryAndPrometheusShowOnlyTheCallersCommunes) {
  store_id a = createTenant("Mairie d'Espalion", "12096");
  store_id b = createTenant("Mairie de Laguiole", "12119");
  std::int64_t now = std::time(nullptr);
  for (auto [tenant, name, used] : std::vector<std::tuple<store_id, std::string, double>>{
           {a, "pc-espalion", 93.5}, {b, "pc-laguiole\"}\nparc_hosts 9", 97.0}}) {
    crypto::PrivateKey key;
    std::string cert;
    enrolHost(tenant, name, &key, &cert);
    tls::ClientTlsConfig mtls;
    mtls.pinnedFingerprint = server->caFingerprint;
    mtls.certificatePem = cert;
    mtls.privateKeyPem = crypto::privateKeyToPem(key.get());
    net::HttpsClient agent(net::parseUrl(server->agentUrl), tls::TlsContext::client(mtls));
    Json metrics{
        {"version", 1},
        {"collected_at", now},
        {"interval_seconds", 60},
        {"metrics", Json::array({{{"name", "disk.used_pct"}, {"subject", "/"}, {"value", used}},
                                 {{"name", "cpu.usage_pct"}, {"value", 12}}})}};
    Json batch{{"version", 1},
               {"messages", Json::array({{{"id", "m-" + name.substr(0, 6)},
                                          {"type", "metrics"},
                                          {"created_at", now},
                                          {"payload", metrics}}})}};
    net::Response sent = agent.send(
        {"POST", "/api/v1/messages", {{"content-type", "application/json"}}, batch.dump(), {}, {}});
    ASSERT_EQ(sent.status, 200) << sent.body;
  }
  createUser("tech-a", "technician", Json::array({a}));
  std::string session = login("tech-a", kStrongPassword);
  std::string apiToken =
      ok("POST", "/api/v1/api-tokens", session, Json{{"name", "prometheus"}})["token"];

  Json mine = ok("GET", "/api/v1/fleet/summary", session);
  EXPECT_EQ(mine["hosts"], 1);
  ASSERT_EQ(mine["tenants"].size(), 1u);
  EXPECT_EQ(mine["tenants"][0]["name"], "Mairie d'Espalion");
  ASSERT_EQ(mine["disks_near_full"].size(), 1u);
  EXPECT_EQ(mine["disks_near_full"][0]["hostname"], "pc-espalion");
  EXPECT_DOUBLE_EQ(mine["disks_near_full"][0]["used_pct"].get<double>(), 93.5);
  Json all = ok("GET", "/api/v1/fleet/summary", admin);
  EXPECT_EQ(all["hosts"], 2);
  EXPECT_EQ(all["disks_near_full"].size(), 2u);
  EXPECT_EQ(all["disks_near_full"][0]["used_pct"], 97.0);  // fullest first

  net::Response scrape = call("GET", "/metrics", apiToken);
  ASSERT_EQ(scrape.status, 200) << scrape.body;
  EXPECT_EQ(scrape.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(
      scrape.body.find("parc_agent_disk_used_pct{host=\"pc-espalion\",tenant=\"Mairie d'Espalion\","
                       "subject=\"/\"} 93.5 "),
      std::string::npos)
      << scrape.body;
  EXPECT_EQ(scrape.body.find("laguiole"), std::string::npos);
  EXPECT_EQ(scrape.body.find("parc_metric_batches_total"), std::string::npos);
  net::Response full = call("GET", "/metrics", admin);
  EXPECT_NE(full.body.find("parc_metric_batches_total 2"), std::string::npos) << full.body;
  // The server watches itself: channel reports waiting and their latency, database sizes.
  EXPECT_NE(full.body.find("\nparc_reports_queued 0\n"), std::string::npos) << full.body;
  EXPECT_NE(full.body.find("parc_report_answer_seconds_count "), std::string::npos);
  EXPECT_EQ(full.body.find("parc_database_bytes{file=\"parc.db\"} 0\n"), std::string::npos);
  EXPECT_NE(full.body.find("parc_database_bytes{file=\"parc.db\"} "), std::string::npos)
      << full.body;
  // Notification queue depth and failures per channel kind, and those given up.
  for (const char* kind : {"email", "webhook", "glpi"}) {
    std::string k = std::string("{kind=\"") + kind + "\"} 0\n";
    EXPECT_NE(full.body.find("\nparc_notifications_pending_by_kind" + k), std::string::npos)
        << full.body;
    EXPECT_NE(full.body.find("\nparc_notification_failures_by_kind_total" + k), std::string::npos);
  }
  EXPECT_NE(full.body.find("\nparc_notifications_given_up 0"), std::string::npos);
  expectWellFormedExposition(full.body);
  expectWellFormedExposition(scrape.body);
  EXPECT_EQ(scrape.body.find("parc_reports_queued"), std::string::npos) << "fleet-wide only";
  EXPECT_EQ(scrape.body.find("parc_notifications_pending_by_kind"), std::string::npos);
  // The hostile host name stays inside its quoted label: no line starts with it.
  EXPECT_NE(full.body.find("host=\"pc-laguiole\\\"}\\nparc_hosts 9\""), std::string::npos)
      << full.body;
  EXPECT_EQ(full.body.find("\nparc_hosts 9"), std::string::npos);
  EXPECT_EQ(call("GET", "/metrics", "").status, 401);
}

TEST_F(Access, HelpdeskAndStaffCannotEscalate) {
  store_id a = createTenant("Mairie de Millau", "12145");
  Json helpdesk = createUser("helpdesk", "helpdesk", nullptr);
  createUser("staff", "town_hall_staff", Json::array({a}));
  std::string h = login("helpdesk", kStrongPassword);
  std::string s = login("staff", kStrongPassword);
  std::string self = "/api/v1/users/" + std::to_string(helpdesk["id"].get<store_id>());
  EXPECT_EQ(call("PUT", self, h, Json{{"role", "administrator"}}).status, 403);
  EXPECT_EQ(
      call("POST", "/api/v1/users", h,
           Json{{"username", "evil"}, {"password", kStrongPassword}, {"role", "administrator"}})
          .status,
      403);
  EXPECT_EQ(call("POST", "/api/v1/tokens", h, Json{{"tenant_id", a}}).status, 403);
  EXPECT_EQ(call("GET", "/api/v1/audit", h).status, 403);
  EXPECT_EQ(call("POST", "/api/v1/hosts/1/commands", s, Json{{"command", "ping"}}).status, 403);
  EXPECT_EQ(call("POST", "/api/v1/api-tokens", s, Json{{"name", "x"}}).status, 403);
  // A technician's API token cannot carry more than its owner.
  createUser("tech", "technician", nullptr);
  std::string t = login("tech", kStrongPassword);
  EXPECT_EQ(
      call("POST", "/api/v1/api-tokens", t, Json{{"name", "x"}, {"role", "administrator"}}).status,
      403);
  // A read-only API token of a technician reads but does not write.
  Json roToken = ok("POST", "/api/v1/api-tokens", t, Json{{"name", "ro"}, {"role", "read_only"}});
  std::string ro = roToken["token"];
  store_id roId = roToken["id"];
  EXPECT_EQ(call("GET", "/api/v1/hosts", ro).status, 200);
  EXPECT_EQ(call("POST", "/api/v1/tokens", ro, Json{{"tenant_id", a}}).status, 403);
  // Only the administrator's three accounts were created.
  Json created = ok("GET", "/api/v1/audit?actor=user:admin&action=user.create", admin)["items"];
  EXPECT_EQ(created.size(), 3u);
  // Every refused attempt left a record naming who tried what, and why it was refused.
  auto denied = [&](const std::string& actor) {
    std::set<std::string> targets;
    Json found = ok("GET", "/api/v1/audit?action=access.denied&actor=" + actor, admin);
    for (const auto& e : found["items"]) {
      EXPECT_EQ(e["result"], "denied") << e.dump();
      EXPECT_FALSE(e["detail"].get<std::string>().empty()) << e.dump();
      EXPECT_FALSE(e["source"].get<std::string>().empty()) << e.dump();
      targets.insert(e["target"].get<std::string>());
    }
    return targets;
  };
  EXPECT_EQ(denied("user:helpdesk"),
            (std::set<std::string>{"PUT " + self, "POST /api/v1/users", "POST /api/v1/tokens",
                                   "GET /api/v1/audit"}));
  EXPECT_EQ(denied("user:staff"),
            (std::set<std::string>{"POST /api/v1/hosts/1/commands", "POST /api/v1/api-tokens"}));
  EXPECT_EQ(denied("user:tech"), (std::set<std::string>{"POST /api/v1/api-tokens"}));
  std::set<std::string> byToken = denied("user:tech/api:" + std::to_string(roId));
  EXPECT_EQ(byToken, (std::set<std::string>{"POST /api/v1/tokens"}));
}

TEST_F(Access, SessionsEndAtLogoutIdleTimeoutAndDisablingAndApiTokensAtRevocation) {
  std::string s1 = login("admin", server->adminPassword);
  EXPECT_EQ(call("POST", "/api/v1/logout", s1).status, 200);
  EXPECT_EQ(call("GET", "/api/v1/me", s1).status, 401);

  // Idle expiry is 3 s in this server's configuration.
  std::string s2 = login("admin", server->adminPassword);
  std::this_thread::sleep_for(std::chrono::milliseconds(4200));
  EXPECT_EQ(call("GET", "/api/v1/me", s2).status, 401);

  admin = login("admin", server->adminPassword);
  Json tech = createUser("tech", "technician", nullptr);
  std::string t1 = login("tech", kStrongPassword);
  std::string t2 = login("tech", kStrongPassword);
  std::string api = ok("POST", "/api/v1/api-tokens", t1, Json{{"name", "script"}})["token"];
  EXPECT_EQ(call("POST", "/api/v1/logout-all", t1).status, 200);
  EXPECT_EQ(call("GET", "/api/v1/me", t2).status, 401);   // the other session too
  EXPECT_EQ(call("GET", "/api/v1/me", api).status, 200);  // tokens are separate credentials
  Json listed = ok("GET", "/api/v1/api-tokens?all=true", admin)["items"];
  ASSERT_EQ(listed.size(), 1u);
  ok("POST", "/api/v1/api-tokens/" + std::to_string(listed[0]["id"].get<store_id>()) + "/revoke",
     admin);
  EXPECT_EQ(call("GET", "/api/v1/me", api).status, 401);

  std::string t3 = login("tech", kStrongPassword);
  ok("PUT", "/api/v1/users/" + std::to_string(tech["id"].get<store_id>()), admin,
     Json{{"disabled", true}});
  EXPECT_EQ(call("GET", "/api/v1/me", t3).status, 401);
  EXPECT_EQ(
      call("POST", "/api/v1/login", "", Json{{"username", "tech"}, {"password", kStrongPassword}})
          .status,
      401);
  // The last administrator of every tenant cannot be disabled.
  EXPECT_EQ(call("PUT", "/api/v1/users/1", admin, Json{{"disabled", true}}).status, 409);
}

TEST_F(Access, WeakPasswordsAreRefused) {
  for (std::string weak : {"azerty", "Azerty2024!", "motdepasse12", "aaaaaaaaaaaaaaaa1A!"}) {
    net::Response r = call("POST", "/api/v1/users", admin,
                           Json{{"username", "x"}, {"password", weak}, {"role", "read_only"}});
    EXPECT_EQ(r.status, 400) << weak;
  }
  EXPECT_EQ(ok("GET", "/api/v1/users", admin)["count"], 1);
}

TEST_F(Access, BrowserSessionsNeedTheCsrfTokenAndTheirOwnOrigin) {
  net::Response r = call("POST", "/api/v1/login", "",
                         Json{{"username", "admin"}, {"password", server->adminPassword}});
  ASSERT_EQ(r.status, 200);
  std::string cookie = r.headers["set-cookie"];
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("Secure"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  std::string session = cookie.substr(0, cookie.find(';'));
  std::string csrf = parseJson(r.body)["csrf_token"];
  Json tenant{{"name", "Mairie de Conques"}, {"insee_code", "12076"}};
  auto post = [&](Headers h) {
    h["cookie"] = "lang=fr; " + session;
    return call("POST", "/api/v1/tenants", "", tenant, h);
  };
  EXPECT_EQ(call("GET", "/api/v1/me", "", nullptr, {{"cookie", session}}).status, 200);
  EXPECT_EQ(post({}).status, 403);
  EXPECT_EQ(post({{"x-csrf-token", std::string(64, '0')}}).status, 403);
  EXPECT_EQ(post({{"x-csrf-token", csrf}, {"origin", "https://evil.example"}}).status, 403);
  EXPECT_EQ(ok("GET", "/api/v1/tenants", admin)["count"], 0);  // nothing was created
  EXPECT_EQ(post({{"x-csrf-token", csrf}}).status, 201);
}

TEST_F(Access, TotpSecondFactorFollowsRfc6238AndEachCodeWorksOnce) {
  Json start = ok("POST", "/api/v1/me/totp", admin);
  std::string key = server::security::base32Decode(start["secret"].get<std::string>());
  EXPECT_NE(start["otpauth_uri"].get<std::string>().find("otpauth://totp/Parc:admin"),
            std::string::npos);
  EXPECT_EQ(call("POST", "/api/v1/me/totp/confirm", admin, Json{{"code", "000000"}}).status, 400);
  std::string code = server::security::totp(key, std::time(nullptr));
  ok("POST", "/api/v1/me/totp/confirm", admin, Json{{"code", code}});

  Json credentials{{"username", "admin"}, {"password", server->adminPassword}};
  net::Response r = call("POST", "/api/v1/login", "", credentials);
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("totp_required"), std::string::npos);
  // The code used to confirm cannot sign in (each code once); the next step's can.
  credentials["totp_code"] = code;
  EXPECT_EQ(call("POST", "/api/v1/login", "", credentials).status, 401);
  credentials["totp_code"] = server::security::totp(key, std::time(nullptr) + 30);
  r = call("POST", "/api/v1/login", "", credentials);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(call("POST", "/api/v1/login", "", credentials).status, 401);  // replayed
}

TEST_F(Access, FailedLoginsAreThrottledPerAccountAndEnrolmentPerSource) {
  // Sessions idle out after 3 s here: read the audit at the end with an API token.
  std::string reader = ok("POST", "/api/v1/api-tokens", admin, Json{{"name", "audit"}})["token"];
  Json wrong{{"username", "admin"}, {"password", "not the password"}};
  int throttled = 0;
  for (int i = 0; i < 8; ++i) throttled += call("POST", "/api/v1/login", "", wrong).status == 429;
  EXPECT_GE(throttled, 2);
  // Even the right password waits now: guessing is slowed, whatever the guess.
  net::Response r = call("POST", "/api/v1/login", "",
                         Json{{"username", "admin"}, {"password", server->adminPassword}});
  EXPECT_EQ(r.status, 429);
  EXPECT_FALSE(r.headers["retry-after"].empty());

  int limited = 0;
  for (int i = 0; i < 45; ++i) {
    limited += agentSide
                   ->send({"POST",
                           "/api/v1/enroll",
                           {{"content-type", "application/json"}},
                           R"({"token":"parc_enr_guess","csr":"x"})",
                           {},
                           {}})
                   .status == 429;
  }
  EXPECT_GE(limited, 10);
  Json audit = ok("GET", "/api/v1/audit?action=login", reader)["items"];
  EXPECT_GE(audit.size(), 9u);
  EXPECT_EQ(audit[0]["result"], "throttled");
}

TEST_F(Access, HostileAgentStringsAreStoredAndServedInert) {
  const std::string nasty =
      "<script>alert(1)</script><img src=x onerror=alert(2)>'; DROP TABLE "
      "hosts;--\x1b[2J\x1b]0;pwn\x07\xc2\x9b"
      "2J";  // the last: C1 CSI U+009B, valid UTF-8
  store_id tenant = createTenant("Mairie de Sévérac", "12270");
  crypto::PrivateKey key;
  std::string cert;
  Json host = enrolHost(tenant, nasty, &key, &cert);
  // An inventory full of the same strings, through the agent's mTLS route.
  tls::ClientTlsConfig mtls;
  mtls.pinnedFingerprint = server->caFingerprint;
  mtls.certificatePem = cert;
  mtls.privateKeyPem = crypto::privateKeyToPem(key.get());
  net::HttpsClient agent(net::parseUrl(server->agentUrl), tls::TlsContext::client(mtls));
  Json inventory{{"system", {{"hostname", nasty}, {"serial", nasty}}},
                 {"software", Json::array({{{"name", nasty}, {"version", nasty}}})},
                 {"monitors", Json::array({{{"name", nasty}, {"serial", nasty}}})}};
  Json batch{{"version", 1},
             {"messages", Json::array({{{"id", "m1"},
                                        {"type", "inventory"},
                                        {"created_at", std::time(nullptr)},
                                        {"payload",
                                         {{"collected_at", "2026-11-29T10:00:00Z"},
                                          {"agent_version", "0.1.0"},
                                          {"hash", "h"},
                                          {"inventory", inventory}}}}})}};
  net::Response sent = agent.send(
      {"POST", "/api/v1/messages", {{"content-type", "application/json"}}, batch.dump(), {}, {}});
  ASSERT_EQ(sent.status, 200) << sent.body;

  std::string id = std::to_string(host["host_id"].get<store_id>());
  net::Response detail = call("GET", "/api/v1/hosts/" + id, admin);
  ASSERT_EQ(detail.status, 200);
  EXPECT_EQ(detail.headers["content-type"], "application/json");
  EXPECT_EQ(detail.headers["x-content-type-options"], "nosniff");
  EXPECT_NE(detail.headers["content-security-policy"].find("default-src 'none'"),
            std::string::npos);
  // JSON escapes what could end a string; the bytes come back exactly as sent: data, not code.
  EXPECT_EQ(detail.body.find('\x1b'), std::string::npos);
  Json d = parseJson(detail.body);
  EXPECT_EQ(d["hostname"], nasty);
  EXPECT_EQ(d["inventory"]["software"][0]["name"], nasty);
  EXPECT_EQ(d["inventory"]["monitors"][0]["name"], nasty);  // EDID strings too
  // The SQL did nothing: hosts are all there, and searchable by the hostile text.
  EXPECT_EQ(ok("GET", "/api/v1/hosts", admin)["total"], 1);
  EXPECT_EQ(ok("GET", "/api/v1/hosts?q=DROP%20TABLE", admin)["total"], 1);
  // parcctl shows no terminal escape.
  Parcctl ctl(tmp.path() / "home");
  ctl.login(*server);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"hosts", "list"}, {"hosts", "show", id}, {"--json", "hosts", "show", id}}) {
    RunResult shown = ctl.run(args);
    EXPECT_EQ(shown.exitCode, 0) << shown.err;
    for (std::string control : {"\x1b", "\x07", "\xc2\x9b"}) {
      EXPECT_EQ(shown.out.find(control), std::string::npos) << args.back() << " " << args.size();
    }
  }
}

TEST_F(Access, OversizeAndDeeplyNestedBodiesAreRefused) {
  EXPECT_EQ(call("POST", "/api/v1/tenants", admin, nullptr, {{"content-type", "application/json"}})
                .status,
            400);
  std::string deep(2000, '[');
  deep += std::string(2000, ']');
  net::Response r =
      console->send({"POST",
                     "/api/v1/tenants",
                     {{"authorization", "Bearer " + admin}, {"content-type", "application/json"}},
                     deep,
                     {},
                     {}});
  EXPECT_EQ(r.status, 400);
  r = console->send({"POST",
                     "/api/v1/login",
                     {{"content-type", "application/json"}},
                     std::string(9 * 1024 * 1024, ' '),
                     {},
                     {}});
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(call("GET", "/api/v1/me", admin).status, 200);
}

// Raw TCP to the console port: what a flood looks like before any TLS.
int connectRaw(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Whether the server closed the connection within `wait` (read returns 0 or an error).
bool closedByServer(int fd, std::chrono::milliseconds wait) {
  timeval tv{static_cast<time_t>(wait.count() / 1000),
             static_cast<suseconds_t>((wait.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char c;
  ssize_t n = ::recv(fd, &c, 1, 0);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

TEST_F(Access, TooManyConnectionsFromOneAddressAreRefusedAndOthersStillServed) {
  std::vector<int> held;
  for (int i = 0; i < 12; ++i) held.push_back(connectRaw(server->consolePort));
  int extra = connectRaw(server->consolePort);
  ASSERT_GE(extra, 0);
  EXPECT_TRUE(closedByServer(extra, std::chrono::milliseconds(3000)));
  ::close(extra);
  for (int fd : held) ::close(fd);
  // The server notices the closed connections asynchronously: until then it still
  // refuses this address (a reset), which is the limit working.
  EXPECT_TRUE(waitFor(
      [&] {
        try {
          return call("GET", "/api/v1/health", "").status == 200;
        } catch (const Error&) {
          return false;
        }
      },
      std::chrono::seconds(10)));
}

TEST_F(Access, SilentAndSlowConnectionsAreCut) {
  // Connects and never starts TLS: cut after the handshake timeout (10 s).
  int silent = connectRaw(server->consolePort);
  ASSERT_GE(silent, 0);
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(closedByServer(silent, std::chrono::milliseconds(15000)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(14));
  ::close(silent);
  EXPECT_EQ(call("GET", "/api/v1/health", "").status, 200);
}

// A TLS handshake with the protocol versions capped at `maxVersion` (OpenSSL directly:
// Parc's own client never offers less than TLS 1.3). Returns the negotiated group's
// name, or "" when the server refused the handshake.
std::string handshake(std::uint16_t port, int maxVersion) {
  int fd = connectRaw(port);
  if (fd < 0) return "";
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        SSL_CTX_free);
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(ctx.get(), maxVersion);
  SSL_CTX_set_security_level(ctx.get(), 0);  // offer even what a server must refuse
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  SSL_set_fd(ssl.get(), fd);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string group;
  if (SSL_connect(ssl.get()) == 1) {
    const char* name = SSL_group_to_name(ssl.get(), SSL_get_negotiated_group(ssl.get()));
    group = name ? name : "?";
  }
  ::close(fd);
  return group;
}

// TLS 1.3 only on both listeners: a client that offers at most TLS 1.2 (or 1.1, 1.0) gets
// no connection at all; a TLS 1.3 client negotiates one of the strong groups.
TEST_F(Access, TlsBelow13IsRefusedOnBothListeners) {
  const std::set<std::string> strong = {"x25519", "X25519",    "secp256r1", "prime256v1",
                                        "P-256",  "secp384r1", "P-384"};
  for (auto [name, port] : std::vector<std::pair<std::string, std::uint16_t>>{
           {"console", server->consolePort}, {"agent", server->agentPort}}) {
    SCOPED_TRACE(name);
    for (int old : {TLS1_2_VERSION, TLS1_1_VERSION, TLS1_VERSION}) {
      EXPECT_EQ(handshake(port, old), "") << "protocol version 0x" << std::hex << old;
    }
    std::string group = handshake(port, TLS1_3_VERSION);
    EXPECT_TRUE(strong.count(group)) << "negotiated group '" << group << "'";
  }
}

// What the console answers carries the browser-side protections: HSTS, no framing
// (X-Frame-Options and CSP frame-ancestors), no Referer, no MIME sniffing — on the API,
// on errors and on the console's own pages.
TEST_F(Access, ConsoleAnswersCarryHstsFramingAndReferrerHeaders) {
  for (auto [path, token] :
       std::vector<std::pair<std::string, std::string>>{{"/api/v1/health", ""},
                                                        {"/api/v1/hosts", admin},
                                                        {"/api/v1/hosts", ""},             // 401
                                                        {"/api/v1/no-such-route", admin},  // 404
                                                        {"/", ""}}) {  // the console's page
    SCOPED_TRACE(path + (token.empty() ? " anonymous" : " signed in"));
    net::Response r = call("GET", path, token);
    const auto& h = r.headers;
    ASSERT_TRUE(h.count("strict-transport-security")) << r.status;
    EXPECT_NE(h.at("strict-transport-security").find("max-age=31536000"), std::string::npos);
    ASSERT_TRUE(h.count("x-frame-options"));
    EXPECT_EQ(h.at("x-frame-options"), "DENY");
    ASSERT_TRUE(h.count("content-security-policy"));
    EXPECT_NE(h.at("content-security-policy").find("frame-ancestors 'none'"), std::string::npos);
    ASSERT_TRUE(h.count("referrer-policy"));
    EXPECT_EQ(h.at("referrer-policy"), "no-referrer");
    EXPECT_EQ(h.count("x-content-type-options") ? h.at("x-content-type-options") : "", "nosniff");
  }
}

}  // namespace
}  // namespace parc::testing
