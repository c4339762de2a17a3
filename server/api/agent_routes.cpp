#include "server/api/agent_routes.h"

#include <spdlog/spdlog.h>

#include <set>

#include "common/crypto/hash.h"
#include "common/crypto/x509.h"
#include "common/error.h"
#include "common/protocol/messages.h"
#include "server/alerts/health_service.h"
#include "server/api/batch_checks.h"
#include "server/api/host_clones.h"
#include "server/app/health_loop.h"
#include "server/forward/glpi_forwarder.h"

namespace parc::server::api {

namespace {

using auth::Permission;

net::Response enroll(Context& ctx, Services& s) {
  auto request = fromJson<protocol::EnrollRequest>(ctx.json(), "enrolment request");
  auto csr = crypto::parseCsr(request.csrPem);
  store::NewHost host;
  host.uid = crypto::uuid4();
  host.hostname = request.hostname.substr(0, 255);
  host.deviceId = request.deviceId.substr(0, 128);
  // Signed inside the store's transaction, after the token was accepted (never before).
  ca::IssuedCertificate issued;
  auto issue = [&](store::NewHost& h) {
    issued = s.ca.issueAgentCertificate(csr.get(), h.uid, s.config.agentCertificateLifetime());
    h.certFingerprint = issued.fingerprint;
    h.certSerial = issued.serial;
    h.certNotAfter = issued.notAfter;
  };
  auto outcome = s.store.enrollHost(crypto::hashSecret(request.token), ctx.now, host, issue);
  std::string result = outcome.host ? "ok" : store::describe(outcome.refusal);
  store::AuditEntry e;
  e.at = ctx.now;
  e.actor = "agent:" + (request.hostname.empty() ? std::string("?") : request.hostname);
  e.action = "agent.enroll";
  e.target = outcome.host ? "host:" + std::to_string(outcome.host->id) : "";
  e.source = ctx.request.remoteAddress;
  e.result = result;
  if (outcome.host) e.tenantId = outcome.host->tenantId;
  if (outcome.host && outcome.host->matchHostId) {
    e.detail = "same device as host:" + std::to_string(*outcome.host->matchHostId) +
               " (awaiting a technician's approval)";
  }
  s.store.appendAudit(e);
  if (!outcome.host) {
    spdlog::warn("enrolment from {} refused: {}", ctx.request.remoteAddress, result);
    throw Error(ErrorKind::kUnauthorized, result);
  }
  spdlog::info("enrolled host {} ({}) in tenant {} from {}", outcome.host->id, request.hostname,
               outcome.host->tenantId, ctx.request.remoteAddress);
  // Known to the rules from now on, even if it is never seen online while a health round
  // runs (the server's own findings, such as backup damage, concern it all the same).
  if (s.health) s.health->setHost(hostInfo(*outcome.host));
  protocol::EnrollResponse response{outcome.host->id, outcome.host->tenantId, issued.pem,
                                    s.ca.caBundlePem()};
  Json body = response;
  // Scripts are signed with this key (docs/remote-support.md); enrolment may (re)pin it.
  if (!s.commandSigningKey.empty()) body["command_signing_key"] = s.commandSigningKey;
  return jsonResponse(201, body);
}

// For people reading the agent's log: a rejected delta makes the agent send a full one.
constexpr const char* kUnknownBaseReason =
    "inventory delta based on a view the server does not hold: send a full inventory";

// One report on its way through ingestBatches: its checked batch (valid messages, their
// metrics payloads, the results the agent will get) and the store's outcomes.
struct Prepared : CheckedBatch {
  IngestReport* report = nullptr;
  std::vector<store::MessageOutcome> outcomes;  // per valid message, once stored
};

// Checks the report's shape (throws when the whole batch is refused) and each message
// (a bad one is rejected alone, with its reason).
Prepared prepare(IngestReport& report, store::Time now) {
  Prepared p{checkBatch(*report.body, report.host->id, now), &report, {}};
  for (auto& m : p.valid) {
    if (m.inventory) m.inventory->source = report.source;
  }
  return p;
}

// Newly stored metrics and events go on to health monitoring (time series, rules): the
// metrics of every report of the group in one transaction of the metrics store. A batch
// the health store refuses stays stored as received: the agent is not asked to resend
// what cannot be read better the second time.
void feedHealth(Services& s, const std::vector<Prepared*>& stored, store::Time now) {
  if (!s.health) return;
  std::vector<alerts::HealthService::MetricsMessage> metrics;
  std::vector<std::size_t> metricsReport;  // which report each metrics message came from
  std::vector<int> unusable(stored.size(), 0);
  std::vector<std::string> firstReason(stored.size());
  auto noteUnusable = [&](std::size_t r, const std::string& what) {
    if (unusable[r]++ == 0) firstReason[r] = what;
  };
  for (std::size_t r = 0; r < stored.size(); ++r) {
    const Prepared& p = *stored[r];
    const store::Host& host = *p.report->host;
    // A host enrolled since the server started.
    if (!s.health->engine().host(host.id)) s.health->setHost(hostInfo(host));
    s.health->presence(host.id, host.tenantId, now);
    for (std::size_t i = 0; i < p.valid.size() && i < p.outcomes.size(); ++i) {
      const auto& m = p.valid[i];
      // A resend of stored metrics goes on too: parc.db and metrics.sqlite commit apart,
      // and a server killed between the two commits answered nothing, so the resend is
      // the batch's only way into the series (the metrics store skips ids it holds).
      bool resentMetrics =
          m.type == "metrics" && p.outcomes[i] == store::MessageOutcome::kDuplicate;
      if (p.outcomes[i] != store::MessageOutcome::kStored && !resentMetrics) continue;
      if (m.type == "metrics" && p.metrics[i]) {
        metrics.push_back({host.id, host.tenantId, &m.id, p.metrics[i]});
        metricsReport.push_back(r);
      } else if (m.type == "event") {
        try {
          s.health->ingestEvent(host.id, host.tenantId, parseJson(m.payload), now);
        } catch (const Error& e) {
          noteUnusable(r, m.type + " " + m.id + ": " + e.what());
        }
      }
    }
  }
  if (!metrics.empty()) {
    std::vector<std::string> why;
    try {
      why = s.health->ingestMetricsMany(metrics, now);
    } catch (const std::exception& e) {
      // The reports are stored (acknowledged below); the time series miss them, as a
      // malformed batch would: resending would only meet "duplicate".
      why.assign(metrics.size(), std::string("metrics store: ") + e.what());
    }
    for (std::size_t k = 0; k < why.size(); ++k) {
      if (!why[k].empty())
        noteUnusable(metricsReport[k], "metrics " + *metrics[k].messageId + ": " + why[k]);
    }
  }
  // One line per batch, not per message: a week of an old agent's batches is 10,000.
  for (std::size_t r = 0; r < stored.size(); ++r) {
    if (unusable[r] > 0) {
      spdlog::warn("host {}: {} message(s) not usable for health (first: {})",
                   stored[r]->report->host->id, unusable[r], firstReason[r]);
    }
  }
}

// The per-message results from the store's outcomes; clone suspicions and GLPI
// forwarding for what was stored.
void finish(Services& s, Prepared& p, store::Time now) {
  const store::Host& host = *p.report->host;
  bool newInventory = false, cloneDetected = false, cloneReported = false;
  for (size_t i = 0; i < p.validIndex.size(); ++i) {
    Json& r = p.results[p.validIndex[i]];
    auto outcome = p.outcomes[i];
    newInventory |= p.valid[i].inventory && outcome == store::MessageOutcome::kStored;
    if (outcome == store::MessageOutcome::kDuplicate) r["status"] = "duplicate";
    if (outcome == store::MessageOutcome::kUnknownBase) {
      r["status"] = "rejected";
      r["error"] = kUnknownBaseReason;
    }
    // Kept aside, yet acknowledged ("stored"): the copy must not resend it forever.
    if (outcome == store::MessageOutcome::kCloneDetected ||
        outcome == store::MessageOutcome::kCloneReported) {
      r["clone_suspected"] = true;
      cloneReported = true;
    }
    cloneDetected |= outcome == store::MessageOutcome::kCloneDetected;
  }
  if (cloneReported) noteCloneSuspected(s, host, p.report->source, now, cloneDetected);
  // Stored, not duplicates: on to the tenant's GLPI, queued before the agent's ack.
  if (newInventory && s.glpiForwarder) s.glpiForwarder->inventoryStored(host, now);
}

// POST /api/v1/messages: a batch from the agent's outbox. Each message is stored once
// (by id) and acknowledged only after the batch is committed; invalid ones are
// rejected with a reason so the agent can drop them instead of resending forever.
net::Response messages(Context& ctx, Services& s) {
  return jsonResponse(200, Json{{"results", ingestBatch(s, *ctx.caller.host, ctx.json(), ctx.now,
                                                        ctx.request.remoteAddress)}});
}

}  // namespace

Json ingestBatch(Services& s, const store::Host& host, const Json& body, store::Time now,
                 const std::string& source) {
  std::vector<IngestReport> one{{&host, &body, source, {}, {}}};
  ingestBatches(s, one, now);
  if (one.front().error) std::rethrow_exception(one.front().error);
  return std::move(one.front().results);
}

IngestTimings ingestBatches(Services& s, std::vector<IngestReport>& reports, store::Time now) {
  using Clock = std::chrono::steady_clock;
  IngestTimings timings;
  std::vector<Prepared> prepared;
  prepared.reserve(reports.size());  // batches below point into it
  std::vector<store::Store::HostBatch> batches;
  for (auto& report : reports) {
    try {
      prepared.push_back(prepare(report, now));
      batches.push_back({.hostId = report.host->id,
                         .messages = &prepared.back().valid,
                         .touchLastSeen = !report.overChannel});
    } catch (...) {
      report.error = std::current_exception();
    }
  }
  if (prepared.empty()) return timings;
  std::vector<store::Store::GroupOutcome> outcomes;
  auto t0 = Clock::now();
  try {
    outcomes = s.store.storeMessageGroups(batches, now);
  } catch (...) {
    for (auto& p : prepared) p.report->error = std::current_exception();
    return timings;
  }
  std::vector<Prepared*> stored;
  for (std::size_t k = 0; k < prepared.size(); ++k) {
    if (outcomes[k].error) {
      prepared[k].report->error = outcomes[k].error;
      continue;
    }
    prepared[k].outcomes = std::move(outcomes[k].outcomes);
    stored.push_back(&prepared[k]);
  }
  auto t1 = Clock::now();
  feedHealth(s, stored, now);
  auto t2 = Clock::now();
  for (auto* p : stored) {
    try {
      finish(s, *p, now);
      p->report->results = std::move(p->results);
    } catch (...) {
      p->report->error = std::current_exception();
    }
  }
  timings = {t1 - t0, t2 - t1, Clock::now() - t2};
  return timings;
}

namespace {

// The fingerprints an agent reports it trusts (what an administrator checks before
// promoting a staged CA); bounded, since the agent is not trusted to be reasonable.
std::vector<std::string> knownAnchors(const Json& body) {
  std::vector<std::string> out;
  auto list = body.find("known_anchors");
  if (list == body.end() || !list->is_array()) return out;
  for (const auto& fp : *list) {
    if (out.size() >= 16) break;
    if (fp.is_string() && fp.get<std::string>().size() <= 64)
      out.push_back(crypto::normalizeFingerprint(fp.get<std::string>()));
  }
  return out;
}

Json trustAnchors(Services& s) {
  Json list = Json::array();
  for (const auto& pem : s.ca.announcedAnchors()) list.push_back(pem);
  return list;
}

void auditHost(Services& s, Context& ctx, const std::string& action, const std::string& detail) {
  const store::Host& host = *ctx.caller.host;
  store::AuditEntry e;
  e.at = ctx.now;
  e.actor = "host:" + host.uid;
  e.action = action;
  e.target = "host:" + std::to_string(host.id);
  e.source = ctx.request.remoteAddress;
  e.result = "ok";
  e.tenantId = host.tenantId;
  e.detail = detail;
  s.store.appendAudit(e);
}

// POST /api/v1/agent/renew: a new certificate for the same identity (same uid), from
// the active CA. The one in use stays accepted until the agent first uses the new one.
net::Response renew(Context& ctx, Services& s) {
  Json body = ctx.json();
  if (!body.is_object() || !body.contains("csr") || !body["csr"].is_string())
    throw Error(ErrorKind::kBadRequest, "renewal request without 'csr'");
  auto csr = crypto::parseCsr(body["csr"].get<std::string>());
  const store::Host& host = *ctx.caller.host;
  auto issued =
      s.ca.issueAgentCertificate(csr.get(), host.uid, s.config.agentCertificateLifetime());
  s.store.renewHostCertificate(host.id, issued.fingerprint, issued.serial, issued.notAfter);
  s.hub.reportAnchors(host.id, knownAnchors(body));
  auditHost(s, ctx, "agent.certificate.renew",
            "serial " + issued.serial + ", valid until " + std::to_string(issued.notAfter) +
                ", CA " + s.ca.fingerprint());
  spdlog::info("renewed the certificate of host {} (valid until {})", host.id, issued.notAfter);
  return jsonResponse(200, Json{{"host_id", host.id},
                                {"certificate", issued.pem},
                                {"not_after", issued.notAfter},
                                {"trust_anchors", trustAnchors(s)}});
}

// POST /api/v1/agent/trust: the agent's periodic check-in. It reports the anchors it
// knows and learns the ones the server announces (over this authenticated channel).
net::Response trust(Context& ctx, Services& s) {
  Json body = ctx.request.body.empty() ? Json::object() : ctx.json();
  if (!body.is_object()) throw Error(ErrorKind::kBadRequest, "expected a JSON object");
  const store::Host& host = *ctx.caller.host;
  s.hub.reportAnchors(host.id, knownAnchors(body));
  bool current = ctx.request.peer.fingerprint == host.certFingerprint;
  return jsonResponse(
      200, Json{{"host_id", host.id},
                {"uid", host.uid},
                {"certificate_current", current},
                {"certificate_not_after", current ? host.certNotAfter : host.previousNotAfter},
                {"trust_anchors", trustAnchors(s)}});
}

}  // namespace

void noteCertificateInUse(store::Store& store, const store::Host& host,
                          const tls::PeerCertificate& peer) {
  if (host.previousFingerprint.empty() || peer.fingerprint != host.certFingerprint) return;
  store.forgetPreviousCertificate(host.id);
  spdlog::info("host {} uses its renewed certificate: the previous one is no longer accepted",
               host.id);
}

void addAgentRoutes(Router& router, Services& services) {
  router.add("POST", "/api/v1/enroll", Permission::kPublic,
             [&services](Context& c) { return enroll(c, services); });
  // Every authenticated agent route first notes which certificate the agent uses: the
  // first request with a renewed one ends the overlap (the old one is refused after it).
  auto agentRoute = [&router, &services](const char* method, const char* path,
                                         net::Response (*handler)(Context&, Services&)) {
    router.add(method, path, Permission::kAgent, [&services, handler](Context& c) {
      noteCertificateInUse(services.store, *c.caller.host, c.request.peer);
      return handler(c, services);
    });
  };
  agentRoute("POST", "/api/v1/messages", messages);
  agentRoute("GET", "/api/v1/whoami", [](Context& c, Services&) {
    return jsonResponse(200, Json{{"host_id", c.caller.host->id}, {"uid", c.caller.host->uid}});
  });
  agentRoute("POST", "/api/v1/agent/renew", renew);
  agentRoute("POST", "/api/v1/agent/trust", trust);
}

}  // namespace parc::server::api
