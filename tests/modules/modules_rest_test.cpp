// The module host and the facturation module through the real parc-server on loopback:
// activation, module roles, tenant isolation, a month billed end to end over REST.
#include <gtest/gtest.h>

#include <set>

#include "common/net/client.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

constexpr const char* kPassword = "Cassoulet-Aveyron-2026!";

class ModulesRest : public ::testing::Test {
 protected:
  void SetUp() override {
    server = std::make_unique<ServerFixture>(tmp.path() / "server");
    tls::ClientTlsConfig pinned;
    pinned.pinnedFingerprint = server->caFingerprint;
    console = std::make_unique<net::HttpsClient>(net::parseUrl(server->consoleUrl),
                                                 tls::TlsContext::client(pinned),
                                                 std::chrono::seconds(30));
    admin = login("admin", server->adminPassword);
    rodez = ok("POST", "/api/v1/tenants", admin,
               Json{{"name", "Rodez"}, {"insee_code", "12202"}})["id"];
    millau = ok("POST", "/api/v1/tenants", admin,
                Json{{"name", "Millau"}, {"insee_code", "12145"}})["id"];
  }

  net::Response call(const std::string& method, const std::string& path, const std::string& token,
                     const std::string& body = "", const std::string& type = "application/json") {
    std::map<std::string, std::string> headers;
    if (!token.empty()) headers["authorization"] = "Bearer " + token;
    if (!body.empty()) headers["content-type"] = type;
    return console->send({method, path, headers, body, {}, {}});
  }
  net::Response call(const std::string& method, const std::string& path, const std::string& token,
                     const Json& body) {
    return call(method, path, token, body.dump());
  }
  Json ok(const std::string& method, const std::string& path, const std::string& token,
          const Json& body = nullptr) {
    net::Response r = body.is_null() ? call(method, path, token) : call(method, path, token, body);
    EXPECT_LT(r.status, 300) << method << " " << path << ": " << r.body;
    return r.status < 300 && !r.body.empty() ? parseJson(r.body) : Json();
  }
  std::string login(const std::string& user, const std::string& password) {
    net::Response r =
        call("POST", "/api/v1/login", "", Json{{"username", user}, {"password", password}});
    EXPECT_EQ(r.status, 200) << r.body;
    return parseJson(r.body).value("token", "");
  }
  std::string user(const std::string& name, const std::string& role, std::int64_t tenant,
                   const std::vector<std::string>& moduleRoles) {
    Json u = ok("POST", "/api/v1/users", admin,
                Json{{"username", name},
                     {"password", kPassword},
                     {"role", role},
                     {"tenants", Json::array({tenant})}});
    Json grants = Json::array();
    for (const auto& r : moduleRoles)
      grants.push_back({{"tenant_id", tenant}, {"module", "facturation"}, {"role", r}});
    ok("PUT", "/api/v1/users/" + std::to_string(u["id"].get<std::int64_t>()) + "/module-roles",
       admin, Json{{"roles", grants}});
    return login(name, kPassword);
  }
  std::string base(std::int64_t tenant) {
    return "/api/v1/modules/facturation/tenants/" + std::to_string(tenant);
  }

  TempDir tmp;
  std::unique_ptr<ServerFixture> server;
  std::unique_ptr<net::HttpsClient> console;
  std::string admin;
  std::int64_t rodez = 0, millau = 0;
};

TEST_F(ModulesRest, MonthlyBillingEndToEndWithRolesAndIsolation) {
  // Inactive module: 404, even for the administrator.
  EXPECT_EQ(call("GET", base(rodez) + "/families", admin).status, 404);
  EXPECT_EQ(call("PUT", "/api/v1/tenants/" + std::to_string(rodez) + "/modules", admin,
                 Json{{"active", {"etat_civil"}}})
                .status,
            400);
  ok("PUT", "/api/v1/tenants/" + std::to_string(rodez) + "/modules", admin,
     Json{{"active", {"facturation"}}});
  Json mods = ok("GET", "/api/v1/tenants/" + std::to_string(rodez) + "/modules", admin);
  EXPECT_TRUE(mods["items"][0]["active"].get<bool>());

  // Tenant profile: checked identifiers, commune from the COG.
  std::string profile = "/api/v1/tenants/" + std::to_string(rodez) + "/profile";
  EXPECT_EQ(call("PUT", profile, admin, Json{{"siret", "21120202300018"}}).status, 400);
  EXPECT_EQ(call("PUT", profile, admin, Json{{"iban", "FR76 3000"}}).status, 400);
  Json p = ok("PUT", profile, admin,
              Json{{"legal_name", "Commune de Rodez"},
                   {"siret", "21120202300019"},
                   {"vat_id", "FR44211202023"},
                   {"address_line1", "Place de l'Hôtel de Ville"},
                   {"postcode", "12000"},
                   {"city", "Rodez"},
                   {"iban", "FR7630001007941234567890185"},
                   {"bic", "BDFEFRPPCCT"},
                   {"sepa_creditor_id", "FR72ZZZ123456"},
                   {"ordonnateur_name", "Marie Dupont"},
                   {"ordonnateur_title", "Maire"}});
  EXPECT_EQ(p["siren"], "211202023");
  if (p["commune_check"] == "ok") {
    EXPECT_EQ(p["commune"], "Rodez");
  }

  std::string secretary = user("secretaire.rodez", "town_hall_staff", rodez, {"secretaire"});
  std::string maire = user("maire.rodez", "town_hall_staff", rodez, {"ordonnateur"});
  std::string regie = user("regie.rodez", "town_hall_staff", rodez, {"regisseur"});
  std::string otherSecretary = user("secretaire.millau", "town_hall_staff", millau, {"secretaire"});
  std::string otherTech = user("tech.millau", "technician", millau, {});
  std::string noRole = user("accueil.rodez", "town_hall_staff", rodez, {});

  // The navigation list shows the module to those who hold a role in it.
  Json mine = ok("GET", "/api/v1/modules", secretary);
  ASSERT_EQ(mine["items"].size(), 1u);
  EXPECT_EQ(mine["items"][0]["module"], "facturation");
  EXPECT_TRUE(ok("GET", "/api/v1/modules", otherSecretary)["items"].empty());
  EXPECT_EQ(call("GET", base(rodez) + "/families", noRole).status, 404);

  // The secretary sets up the service, the grid, a family and its month.
  Json cantine = ok("POST", base(rodez) + "/services", secretary,
                    Json{{"code", "cantine"}, {"name", "Restauration scolaire"}});
  auto svc = cantine["id"].get<std::int64_t>();
  ok("POST", base(rodez) + "/prices", secretary,
     Json{{"service_id", svc},
          {"valid_from", "2026-01-01"},
          {"qf_min", 0},
          {"qf_max", 700},
          {"unit_price", "2.90"}});
  ok("POST", base(rodez) + "/prices", secretary,
     Json{{"service_id", svc},
          {"valid_from", "2026-01-01"},
          {"qf_min", 701},
          {"unit_price", "4.10"}});
  EXPECT_EQ(call("POST", base(rodez) + "/prices", secretary,
                 Json{{"service_id", svc},
                      {"valid_from", "2026-02-01"},
                      {"qf_min", 500},
                      {"unit_price", "3.00"}})
                .status,
            409)
      << "overlapping price";
  Json fam = ok("POST", base(rodez) + "/families", secretary,
                Json{{"payer_name", "Famille Martin"},
                     {"address_line1", "3 rue Béteille"},
                     {"postcode", "12000"},
                     {"city", "Rodez"},
                     {"quotient", 650}});
  auto famId = fam["id"].get<std::int64_t>();
  Json child = ok("POST", base(rodez) + "/children", secretary,
                  Json{{"family_id", famId}, {"first_name", "Léa"}, {"last_name", "Martin"}});
  auto childId = child["id"].get<std::int64_t>();
  std::string c = std::to_string(childId);
  net::Response bad = call(
      "POST", base(rodez) + "/attendance/import", secretary,
      "2026-03-02;" + c + ";cantine;present\n2026-03-32;" + c + ";cantine;present\n", "text/csv");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(parseJson(bad.body)["errors"][0]["line"], 2);
  EXPECT_EQ(call("POST", base(rodez) + "/attendance/import", secretary).status, 400);
  net::Response good =
      call("POST", base(rodez) + "/attendance/import", secretary,
           "date;child_id;service;presence\n2026-03-02;" + c + ";cantine;present\n2026-03-03;" + c +
               ";cantine;present\n2026-03-05;" + c + ";cantine;AJ\n",
           "text/csv");
  EXPECT_EQ(good.status, 200) << good.body;

  Json preview = ok("GET", base(rodez) + "/billing/preview?month=2026-03", secretary);
  ASSERT_EQ(preview["items"].size(), 1u);
  EXPECT_EQ(preview["total"], "5.80");
  // Issuing is the ordonnateur's.
  EXPECT_EQ(
      call("POST", base(rodez) + "/billing/runs", secretary, Json{{"month", "2026-03"}}).status,
      403);
  Json run = ok("POST", base(rodez) + "/billing/runs", maire,
                Json{{"month", "2026-03"}, {"issue_date", "2026-04-02"}});
  EXPECT_EQ(run["numbers"][0], "FAC-2026-000001");
  EXPECT_EQ(run["total"], "5.80");
  EXPECT_EQ(call("POST", base(rodez) + "/billing/runs", maire,
                 Json{{"month", "2026-03"}, {"issue_date", "2026-04-02"}})
                .status,
            409);

  Json invoices = ok("GET", base(rodez) + "/invoices?month=2026-03", regie);
  ASSERT_EQ(invoices["items"].size(), 1u);
  auto invId = invoices["items"][0]["id"].get<std::int64_t>();
  std::string inv = base(rodez) + "/invoices/" + std::to_string(invId);
  net::Response xml = call("GET", inv + ".xml", secretary);
  EXPECT_EQ(xml.status, 200) << xml.body;
  EXPECT_NE(xml.body.find("FAC-2026-000001"), std::string::npos);
  net::Response pdf = call("GET", inv + ".pdf", secretary);
  EXPECT_EQ(pdf.status, 200);
  EXPECT_EQ(pdf.body.substr(0, 5), "%PDF-");
  EXPECT_EQ(call("GET", inv + ".xml", secretary).body, xml.body) << "stored, not regenerated";

  // Payments are the régisseur's; the secretary may not record one.
  Json pay{{"family_id", famId},
           {"invoice_id", invId},
           {"amount", "2.90"},
           {"method", "cash"},
           {"paid_on", "2026-04-05"}};
  EXPECT_EQ(call("POST", base(rodez) + "/payments", secretary, pay).status, 403);
  ok("POST", base(rodez) + "/payments", regie, pay);
  Json note = ok("POST", inv + "/credit-notes", maire,
                 Json{{"reason", "repas du 03/03 non servi"},
                      {"issue_date", "2026-04-06"},
                      {"lines", {{{"position", 1}, {"quantity", 1}}}}});
  EXPECT_EQ(note["number"], "AV-2026-000001");
  Json balances = ok("GET", base(rodez) + "/balances", regie);
  EXPECT_EQ(balances["items"][0]["due"], "0.00");
  net::Response csv = call("GET", base(rodez) + "/exports/titles.csv?month=2026-04", maire);
  EXPECT_EQ(csv.status, 200);
  EXPECT_NE(csv.body.find("AV-2026-000001;avoir"), std::string::npos);

  // April: a family paying by SEPA direct debit. The file presents each invoice once:
  // generating it again does not debit the family a second time.
  Json debtor = ok("POST", base(rodez) + "/families", secretary,
                   Json{{"payer_name", "François Lefèvre"},
                        {"address_line1", "5 rue Béteille"},
                        {"postcode", "12000"},
                        {"city", "Rodez"},
                        {"quotient", 900},
                        {"iban", "FR7630006000011234567890189"},
                        {"mandate_reference", "MANDAT-LEFEVRE"},
                        {"mandate_date", "2025-09-01"}});
  Json zoe = ok("POST", base(rodez) + "/children", secretary,
                Json{{"family_id", debtor["id"]}, {"first_name", "Zoé"}, {"last_name", "Lefèvre"}});
  EXPECT_EQ(
      call("POST", base(rodez) + "/attendance/import", secretary,
           "2026-04-07;" + std::to_string(zoe["id"].get<std::int64_t>()) + ";cantine;present\n",
           "text/csv")
          .status,
      200);
  ok("POST", base(rodez) + "/billing/runs", maire,
     Json{{"month", "2026-04"}, {"issue_date", "2026-05-04"}});
  std::string sepa = base(rodez) + "/sepa/pain008?month=2026-04&collection_date=2026-05-15";
  net::Response file = call("GET", sepa, regie);
  ASSERT_EQ(file.status, 200) << file.body;
  EXPECT_NE(file.body.find("<Nm>Francois Lefevre</Nm>"), std::string::npos) << file.body;
  EXPECT_NE(file.body.find("<InstdAmt Ccy=\"EUR\">4.10</InstdAmt>"), std::string::npos);
  net::Response again = call("GET", sepa, regie);
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_NE(again.body.find("aucun prélèvement"), std::string::npos) << again.body;
  EXPECT_NE(file.body.find("<SeqTp>FRST</SeqTp>"), std::string::npos) << "a new mandate";

  // The bank's answer: the debit is rejected (insufficient funds); the invoice owes again
  // and the next file presents it again, still FRST; collected, it becomes a payment.
  Json files = ok("GET", base(rodez) + "/sepa/files", regie);
  ASSERT_EQ(files["items"].size(), 1u) << files.dump();
  const std::string aprilInv =
      std::to_string(files["items"][0]["debits"][0]["invoice_id"].get<std::int64_t>());
  auto settlement = [&](const Json& f) {
    return base(rodez) + "/sepa/files/" + std::to_string(f["id"].get<std::int64_t>()) +
           "/settlement";
  };
  std::string settle = settlement(files["items"][0]);
  Json rejectAm04{
      {"settled_on", "2026-05-16"},
      {"rejections", {{{"invoice_id", std::stoll(aprilInv)}, {"reason_code", "AM04"}}}}};
  EXPECT_EQ(call("POST", settle, secretary, rejectAm04).status, 403);
  Json unknownCode = rejectAm04;
  unknownCode["rejections"][0]["reason_code"] = "ZZ99";
  EXPECT_EQ(call("POST", settle, regie, unknownCode).status, 400);
  Json answer = ok("POST", settle, regie, rejectAm04);
  EXPECT_EQ(answer["rejected"], 1);
  EXPECT_EQ(answer["collected"], 0);
  EXPECT_EQ(call("POST", settle, regie, Json{{"settled_on", "2026-05-17"}}).status, 409);
  net::Response second =
      call("GET", base(rodez) + "/sepa/pain008?month=2026-05&collection_date=2026-06-15", regie);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_NE(second.body.find("<SeqTp>FRST</SeqTp>"), std::string::npos) << second.body;
  EXPECT_NE(second.body.find("-2</EndToEndId>"), std::string::npos) << second.body;
  files = ok("GET", base(rodez) + "/sepa/files", regie);
  ASSERT_EQ(files["items"].size(), 2u);
  // Either file again, byte for byte as handed out; not for the secretary.
  std::string again2 = base(rodez) + "/sepa/files/" +
                       std::to_string(files["items"][0]["id"].get<std::int64_t>()) + "/pain008";
  EXPECT_EQ(call("GET", again2, regie).body, second.body);
  EXPECT_EQ(call("GET", again2, secretary).status, 403);
  EXPECT_EQ(call("GET", base(rodez) + "/sepa/files/99999/pain008", regie).status, 404);
  EXPECT_EQ(files["items"][1]["debits"][0]["status"], "rejected");
  Json collected =
      ok("POST", settlement(files["items"][0]), regie, Json{{"settled_on", "2026-06-16"}});
  EXPECT_EQ(collected["collected"], 1);
  ASSERT_EQ(collected["payments"].size(), 1u);
  EXPECT_EQ(collected["payments"][0]["amount"], "4.10");
  EXPECT_EQ(collected["payments"][0]["method"], "sepa_direct_debit");
  // Credited after it was paid: the family's credit is refunded, never more.
  ok("POST", base(rodez) + "/invoices/" + aprilInv + "/credit-notes", maire,
     Json{{"reason", "repas non servi"}, {"issue_date", "2026-06-17"}});
  Json refund{{"family_id", debtor["id"]},
              {"amount", "4.11"},
              {"method", "transfer"},
              {"refunded_on", "2026-06-18"},
              {"reason", "trop-perçu"}};
  EXPECT_EQ(call("POST", base(rodez) + "/refunds", regie, refund).status, 409);
  refund["amount"] = "4.10";
  EXPECT_EQ(call("POST", base(rodez) + "/refunds", secretary, refund).status, 403);
  ok("POST", base(rodez) + "/refunds", regie, refund);
  EXPECT_EQ(ok("GET", base(rodez) + "/refunds", secretary)["items"].size(), 1u);

  // May: a service "not subject to VAT" (O) while the commune states a VAT identifier.
  // The preview says so, and the run is refused whole (BR-O-02): nothing numbered.
  Json etude = ok("POST", base(rodez) + "/services", secretary,
                  Json{{"code", "etude"}, {"name", "Étude surveillée"}, {"vat_category", "O"}});
  ok("POST", base(rodez) + "/prices", secretary,
     Json{{"service_id", etude["id"]},
          {"valid_from", "2026-05-01"},
          {"qf_min", 0},
          {"unit_price", "1.50"}});
  EXPECT_EQ(call("POST", base(rodez) + "/attendance/import", secretary,
                 "2026-05-05;" + std::to_string(zoe["id"].get<std::int64_t>()) + ";etude;present\n",
                 "text/csv")
                .status,
            200);
  Json may = ok("GET", base(rodez) + "/billing/preview?month=2026-05", secretary);
  EXPECT_EQ(may["problems"], 1) << may.dump();
  EXPECT_NE(may.dump().find("BR-O-02"), std::string::npos) << may.dump();
  net::Response refused = call("POST", base(rodez) + "/billing/runs", maire,
                               Json{{"month", "2026-05"}, {"issue_date", "2026-06-02"}});
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_NE(refused.body.find("BR-O-02"), std::string::npos) << refused.body;
  EXPECT_TRUE(ok("GET", base(rodez) + "/invoices?month=2026-05", regie)["items"].empty());

  // Another tenant's staff, secretary or technician, sees nothing: 404 as for no tenant.
  for (const auto& t : {otherSecretary, otherTech}) {
    EXPECT_EQ(call("GET", base(rodez) + "/invoices", t).status, 404);
    EXPECT_EQ(call("GET", inv + ".pdf", t).status, 404);
    EXPECT_EQ(call("POST", base(rodez) + "/families", t, Json{{"payer_name", "X"}}).status, 404);
  }
  // Millau has not activated the module: its own secretary gets 404 too.
  EXPECT_EQ(call("GET", base(millau) + "/families", otherSecretary).status, 404);
  EXPECT_EQ(call("GET", base(999) + "/families", admin).status, 404);

  // Audited, with the tenant.
  Json audit = ok("GET", "/api/v1/audit?action=facturation.", admin);
  std::set<std::string> actions;
  for (const auto& e : audit["items"]) actions.insert(e["action"].get<std::string>());
  for (const char* a :
       {"facturation.run.issue", "facturation.sepa.settlement", "facturation.sepa.reject",
        "facturation.payment.record", "facturation.refund.record"})
    EXPECT_TRUE(actions.count(a)) << a << " " << audit.dump().substr(0, 2000);
}

}  // namespace
}  // namespace parc::testing
