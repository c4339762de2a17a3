#include "server/api/agent_routes.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>
#include <span>

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

// One report on its way through ingestBatches: its checked batch and the outcomes of its
// valid messages. `valid` is in two runs: the messages for parc.db (`forStore` of them),
// then the metrics batches for the metrics store, read (`parsed`, in the same order).
struct Prepared : CheckedBatch {
  IngestReport* report = nullptr;
  std::size_t forStore = 0;
  std::vector<health::MetricsBatch> parsed;
  std::vector<store::MessageOutcome> outcomes;  // per valid message, once stored
};

// Marks a valid message without a result of its own (the outbox's eviction counts).
constexpr std::size_t kNoResult = static_cast<std::size_t>(-1);

// Moves the metrics batches to the end of `valid`, read; one that cannot be read is
// rejected with its reason (nothing of it is stored).
void setMetricsApart(Prepared& p, store::Time now) {
  CheckedBatch apart;
  auto keep = [&](std::size_t i) {
    apart.valid.push_back(std::move(p.valid[i]));
    apart.metrics.push_back(p.metrics[i]);
    apart.validIndex.push_back(p.validIndex[i]);
  };
  std::vector<std::size_t> metrics;
  for (std::size_t i = 0; i < p.valid.size(); ++i) {
    if (p.metrics[i])
      metrics.push_back(i);
    else
      keep(i);
  }
  p.forStore = apart.valid.size();
  for (std::size_t i : metrics) {
    try {
      p.parsed.push_back(health::parseMetricsPayload(*p.metrics[i], now));
      keep(i);
    } catch (const Error& e) {
      Json& r = p.results[p.validIndex[i]];
      r["status"] = "rejected";
      r["error"] = e.what();
    }
  }
  p.valid = std::move(apart.valid);
  p.metrics = std::move(apart.metrics);
  p.validIndex = std::move(apart.validIndex);
}

// Checks the report's shape (throws when the whole batch is refused) and each message
// (a bad one is rejected alone, with its reason). With health monitoring on, metrics go
// to its store alone (setMetricsApart); without, to parc.db like the rest.
Prepared prepare(IngestReport& report, store::Time now, bool metricsApart) {
  Prepared p{checkBatch(*report.body, report.host->id, now), &report, 0, {}, {}};
  p.validIndex.resize(p.valid.size(), kNoResult);
  for (auto& m : p.valid) {
    if (m.inventory) m.inventory->source = report.source;
  }
  if (metricsApart) {
    setMetricsApart(p, now);
  } else {
    for (std::size_t i = 0; i < p.valid.size(); ++i) {
      if (p.metrics[i]) p.valid[i].payload = protocol::canonical(*p.metrics[i]);
    }
    p.forStore = p.valid.size();
  }
  p.outcomes.resize(p.valid.size());
  return p;
}

// Known to the rules with its name and groups before its metrics are (a host enrolled
// since the server started).
void knowHost(alerts::HealthService& health, const store::Host& host) {
  if (!health.engine().host(host.id)) health.setHost(hostInfo(host));
}

// The reports' metrics, in one transaction of the metrics store, which deduplicates them
// by id and is durable when it returns (synchronous=FULL): they never touch parc.db
// (docs/protocol.md, "Exactly once"). When it fails, the reports that carried metrics are
// refused whole before anything else of them is stored: their agents send them again.
void storeMetrics(Services& s, std::vector<Prepared>& prepared, store::Time now) {
  std::vector<health::MetricsStore::Incoming> batches;
  for (auto& p : prepared) {
    const store::Host& host = *p.report->host;
    if (!p.parsed.empty()) knowHost(*s.health, host);
    for (std::size_t k = 0; k < p.parsed.size(); ++k)
      batches.push_back({host.id, host.tenantId, &p.valid[p.forStore + k].id, &p.parsed[k]});
  }
  if (batches.empty()) return;
  std::vector<bool> fresh;
  try {
    fresh = s.health->ingestParsedMetrics(batches, now);
  } catch (...) {
    for (auto& p : prepared) {
      if (!p.parsed.empty()) p.report->error = std::current_exception();
    }
    return;
  }
  std::size_t k = 0;
  for (auto& p : prepared) {
    for (std::size_t j = 0; j < p.parsed.size(); ++j, ++k) {
      p.outcomes[p.forStore + j] =
          fresh[k] ? store::MessageOutcome::kStored : store::MessageOutcome::kDuplicate;
    }
  }
}

// The rest in parc.db, the reports of the group in one transaction. Returns the reports
// stored whole. A report with nothing for parc.db skips it, unless its host's last-seen
// time is written there (reports over HTTPS).
std::vector<Prepared*> storeMessages(Services& s, std::vector<Prepared>& prepared,
                                     store::Time now) {
  std::vector<Prepared*> done, pending;
  std::vector<store::Store::HostBatch> batches;
  for (auto& p : prepared) {
    if (p.report->error) continue;
    bool touch = !p.report->overChannel;
    if (p.forStore == 0 && !touch) {
      done.push_back(&p);
      continue;
    }
    batches.push_back({.hostId = p.report->host->id,
                       .messages = std::span(p.valid.data(), p.forStore),
                       .touchLastSeen = touch});
    pending.push_back(&p);
  }
  if (batches.empty()) return done;
  std::vector<store::Store::GroupOutcome> outcomes;
  try {
    outcomes = s.store.storeMessageGroups(batches, now);
  } catch (...) {
    for (auto* p : pending) p->report->error = std::current_exception();
    return done;
  }
  for (std::size_t k = 0; k < pending.size(); ++k) {
    if (outcomes[k].error) {
      pending[k]->report->error = outcomes[k].error;
      continue;
    }
    std::copy(outcomes[k].outcomes.begin(), outcomes[k].outcomes.end(),
              pending[k]->outcomes.begin());
    done.push_back(pending[k]);
  }
  return done;
}

// Newly stored events go on to health monitoring (rules), and every stored report marks
// its host present. An event the rules cannot read stays stored as received: the agent
// is not asked to resend what cannot be read better the second time.
void feedHealth(Services& s, const std::vector<Prepared*>& stored, store::Time now) {
  if (!s.health) return;
  for (const Prepared* p : stored) {
    const store::Host& host = *p->report->host;
    knowHost(*s.health, host);
    s.health->presence(host.id, host.tenantId, now);
    int unusable = 0;
    std::string first;
    for (std::size_t i = 0; i < p->forStore; ++i) {
      const auto& m = p->valid[i];
      if (m.type != "event" || p->outcomes[i] != store::MessageOutcome::kStored) continue;
      try {
        s.health->ingestEvent(host.id, host.tenantId, parseJson(m.payload), now);
      } catch (const Error& e) {
        if (unusable++ == 0) first = m.type + " " + m.id + ": " + e.what();
      }
    }
    // One line per batch, not per message: a week of an old agent's batches is 10,000.
    if (unusable > 0) {
      spdlog::warn("host {}: {} message(s) not usable for health (first: {})", host.id, unusable,
                   first);
    }
  }
}

// The per-message results from the store's outcomes; clone suspicions and GLPI
// forwarding for what was stored.
void finish(Services& s, Prepared& p, store::Time now) {
  const store::Host& host = *p.report->host;
  bool newInventory = false, cloneDetected = false, cloneReported = false;
  for (size_t i = 0; i < p.valid.size(); ++i) {
    if (p.validIndex[i] == kNoResult) continue;
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
  std::vector<Prepared> prepared;
  prepared.reserve(reports.size());  // the store's batches point into it
  for (auto& report : reports) {
    try {
      prepared.push_back(prepare(report, now, s.health != nullptr));
    } catch (...) {
      report.error = std::current_exception();
    }
  }
  if (prepared.empty()) return {};
  auto t0 = Clock::now();
  if (s.health) storeMetrics(s, prepared, now);
  std::vector<Prepared*> stored = storeMessages(s, prepared, now);
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
  return {t1 - t0, t2 - t1, Clock::now() - t2};
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
