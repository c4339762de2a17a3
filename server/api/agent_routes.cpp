#include "server/api/agent_routes.h"

#include <spdlog/spdlog.h>

#include "common/crypto/hash.h"
#include "common/crypto/x509.h"
#include "common/error.h"
#include "common/protocol/messages.h"

namespace parc::server::api {

namespace {

using auth::Permission;

std::string str(const Json& j, const char* section, const char* key) {
  auto s = j.find(section);
  if (s == j.end() || !s->is_object()) return {};
  auto v = s->find(key);
  return v != s->end() && v->is_string() ? v->get<std::string>() : std::string();
}

// The summary columns shown in host lists, from the inventory's sections.
store::InventoryWrite summarise(const protocol::InventoryReport& report, store::Id hostId,
                                store::Time now) {
  store::InventoryWrite w;
  w.hostId = hostId;
  w.messageId = report.messageId;
  w.document = protocol::canonical(report.inventory);
  w.hash = crypto::sha256Hex(w.document);
  w.receivedAt = now;
  const Json& inv = report.inventory;
  w.hostname = str(inv, "system", "hostname");
  w.osName = str(inv, "os", "pretty_name");
  std::string vendor = str(inv, "system", "sys_vendor"), model = str(inv, "system", "product_name");
  w.hardware = vendor.empty() ? model : model.empty() ? vendor : vendor + " " + model;
  w.serial = str(inv, "system", "product_serial");
  return w;
}

net::Response enroll(Context& ctx, Services& s) {
  auto request = fromJson<protocol::EnrollRequest>(ctx.json(), "enrolment request");
  auto csr = crypto::parseCsr(request.csrPem);
  std::string uid = crypto::uuid4();
  auto issued = s.ca.issueAgentCertificate(csr.get(), uid, ca::InternalCa::kAgentCertificateDays);

  store::NewHost host{uid,
                      request.hostname.substr(0, 255),
                      request.deviceId.substr(0, 128),
                      issued.fingerprint,
                      issued.serial,
                      issued.notAfter};
  auto outcome = s.store.enrollHost(crypto::hashSecret(request.token), ctx.now, host);
  std::string result = outcome.host ? "ok" : store::describe(outcome.refusal);
  s.store.appendAudit(
      {0, ctx.now, "agent:" + (request.hostname.empty() ? std::string("?") : request.hostname),
       "agent.enroll", outcome.host ? "host:" + std::to_string(outcome.host->id) : "",
       ctx.request.remoteAddress, result});
  if (!outcome.host) {
    spdlog::warn("enrolment from {} refused: {}", ctx.request.remoteAddress, result);
    throw Error(ErrorKind::kUnauthorized, result);
  }
  spdlog::info("enrolled host {} ({}) in tenant {} from {}", outcome.host->id, request.hostname,
               outcome.host->tenantId, ctx.request.remoteAddress);
  protocol::EnrollResponse response{outcome.host->id, outcome.host->tenantId, issued.pem,
                                    s.ca.caBundlePem()};
  return jsonResponse(201, response);
}

net::Response inventory(Context& ctx, Services& s) {
  auto report = fromJson<protocol::InventoryReport>(ctx.json(), "inventory report");
  bool duplicate = s.store.storeInventory(summarise(report, ctx.caller.host->id, ctx.now));
  return jsonResponse(200, protocol::Ack{report.messageId, duplicate});
}

}  // namespace

void addAgentRoutes(Router& router, Services& services) {
  router.add("POST", "/api/v1/enroll", Permission::kPublic,
             [&services](Context& c) { return enroll(c, services); });
  router.add("POST", "/api/v1/inventory", Permission::kAgent,
             [&services](Context& c) { return inventory(c, services); });
  router.add("GET", "/api/v1/whoami", Permission::kAgent, [](Context& c) {
    return jsonResponse(200, Json{{"host_id", c.caller.host->id}, {"uid", c.caller.host->uid}});
  });
}

}  // namespace parc::server::api
