#include "server/api/health_routes.h"

#include "common/error.h"
#include "server/api/route_helpers.h"
#include "server/store/sqlite/host_groups_store.h"

namespace parc::server::api {

namespace {

using alerts::HealthService;
using auth::Permission;

// A channel outside the caller's tenants reads as missing; the probe is audited.
void requireTenant(Services& s, const Context& ctx, store::Id tenantId) {
  if (!ctx.caller.scope.allows(tenantId)) outOfScope(s, ctx, "channel", tenantId);
}

// The alert's id, audited as a probe when the alert is another commune's (the engine's
// scoped lookup then answers 404 as for a missing one).
store::Id alertId(Services& s, HealthService& h, const Context& ctx) {
  store::Id id = ctx.id("id");
  if (ctx.caller.scope.all()) return id;
  auto a = h.alerts().findAlert(id);
  if (a && !ctx.caller.scope.allows(a->tenantId)) outOfScope(s, ctx, "alert", a->tenantId);
  return id;
}

Json alertJson(HealthService& h, const alerts::Alert& a) {
  Json j = a.toJson();
  if (auto host = h.engine().host(a.hostId); host && !host->name.empty()) {
    j["host_name"] = host->name;
  }
  return j;
}

Json list(const Json& items) {
  return Json{{"items", items}, {"count", items.size()}};
}

std::string optionalText(const Json& body, const char* key, std::size_t maxLen) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return "";
  if (!it->is_string() || it->get<std::string>().size() > maxLen) {
    throw Error(ErrorKind::kBadRequest,
                std::string(key) + " must be text of at most " + std::to_string(maxLen) + " bytes");
  }
  return it->get<std::string>();
}

// A receiver's error may echo what it was sent (a GLPI token in an error page): the
// channel's secret settings never leave the server, not even inside an error text.
std::string withoutSecrets(std::string text, const alerts::Channel& c) {
  for (const auto& [k, v] : c.settings.items()) {
    bool secret = k.find("password") != std::string::npos ||
                  k.find("secret") != std::string::npos || k.find("token") != std::string::npos;
    if (!secret || !v.is_string() || v.get<std::string>().size() < 4) continue;
    const std::string value = v.get<std::string>();
    for (auto at = text.find(value); at != std::string::npos; at = text.find(value, at + 8)) {
      text.replace(at, value.size(), "********");
    }
  }
  return clipUtf8(std::move(text), 1000);
}

alerts::Channel channelFromBody(const Json& body, alerts::Channel c) {
  if (body.contains("kind")) c.kind = requireText(body, "kind", 20);
  if (body.contains("name")) c.name = requireText(body, "name", 200);
  if (body.contains("min_severity")) {
    c.minSeverity = alerts::severityFromName(requireText(body, "min_severity", 20));
  }
  if (body.contains("delay_seconds")) {
    c.delaySeconds = optionalInt(body, "delay_seconds", 0, 0, 7 * 86400);
  }
  if (body.contains("enabled")) {
    if (!body["enabled"].is_boolean()) {
      throw Error(ErrorKind::kBadRequest, "enabled must be true or false");
    }
    c.enabled = body["enabled"].get<bool>();
  }
  if (body.contains("settings")) {
    if (!body["settings"].is_object()) {
      throw Error(ErrorKind::kBadRequest, "settings must be an object");
    }
    // Secrets left masked by a client that read the channel keep their stored value.
    for (const auto& [k, v] : body["settings"].items()) {
      if (v == "********" && c.settings.contains(k)) continue;
      c.settings[k] = v;
    }
  }
  return c;
}

void addMetricRoutes(Router& r, Services& s, HealthService& h) {
  r.add("GET", "/api/v1/hosts/{id}/metrics", Permission::kAlertsRead, [&s, &h](Context& ctx) {
    store::Host host = scopedHost(s, ctx, ctx.id("id"));
    std::string name = ctx.request.query("name");
    if (name.empty()) throw Error(ErrorKind::kBadRequest, "name is required, e.g. disk.used_pct");
    std::int64_t to = queryInt(ctx, "to", ctx.now, 0, 1LL << 40);
    std::int64_t from = queryInt(ctx, "from", to - 86400, 0, 1LL << 40);
    std::int64_t step = queryInt(ctx, "step", 300, 60, 86400);
    std::optional<std::string> subject;
    if (std::string sub = ctx.request.query("subject"); !sub.empty()) subject = sub;
    auto result = h.metrics().query(host.id, name, subject, from, to, step, ctx.now);
    Json series = Json::array();
    for (const auto& sp : result.series) {
      Json points = Json::array();
      for (const auto& p : sp.points) points.push_back({p.t, p.avg, p.min, p.max});
      series.push_back({{"subject", sp.subject}, {"points", points}});
    }
    return jsonResponse(200, Json{{"host_id", host.id},
                                  {"name", name},
                                  {"resolution", result.resolution},
                                  {"step", result.step},
                                  {"columns", {"t", "avg", "min", "max"}},
                                  {"series", series}});
  });
}

void addAlertRoutes(Router& r, Services& s, HealthService& h) {
  r.add("GET", "/api/v1/alerts", Permission::kAlertsRead, [&h](Context& ctx) {
    alerts::AlertFilter f;
    f.tenants = ctx.caller.scope.tenants;
    f.limit = static_cast<int>(queryInt(ctx, "limit", 500, 1, 5000));
    if (std::string state = ctx.request.query("state"); !state.empty()) {
      if (state != "open" && state != "firing" && state != "acknowledged" && state != "resolved") {
        throw Error(ErrorKind::kBadRequest, "state must be open, firing, acknowledged or resolved");
      }
      f.state = state;
    }
    if (!ctx.request.query("host_id").empty()) {
      f.hostId = queryInt(ctx, "host_id", 0, 0, 1LL << 62);
    }
    Json items = Json::array();
    for (const auto& a : h.alerts().listAlerts(f)) items.push_back(alertJson(h, a));
    return jsonResponse(200, list(items));
  });

  r.add("GET", "/api/v1/alerts/{id}", Permission::kAlertsRead, [&s, &h](Context& ctx) {
    alerts::Alert a = h.engine().alertInScope(alertId(s, h, ctx), ctx.caller.scope.tenants);
    Json j = alertJson(h, a);
    Json comments = Json::array();
    for (const auto& c : h.alerts().comments(a.id)) {
      comments.push_back({{"id", c.id}, {"at", c.at}, {"author", c.author}, {"text", c.text}});
    }
    j["comments"] = comments;
    // Its own silences, past ones included (the console's timeline).
    Json silences = Json::array();
    for (const auto& sl : h.alerts().silences(std::nullopt)) {
      if (sl.alertId == a.id) silences.push_back(sl.toJson());
    }
    j["silences"] = silences;
    return jsonResponse(200, j);
  });

  r.add("POST", "/api/v1/alerts/{id}/acknowledge", Permission::kAlertsWrite,
        [&s, &h](Context& ctx) {
          alerts::Alert a = h.engine().acknowledge(alertId(s, h, ctx), ctx.caller.describe(),
                                                   ctx.now, ctx.caller.scope.tenants);
          audit(s, ctx, "alert.acknowledge", "alert:" + std::to_string(a.id), a.tenantId);
          return jsonResponse(200, alertJson(h, a));
        });

  r.add("POST", "/api/v1/alerts/{id}/silence", Permission::kAlertsWrite, [&s, &h](Context& ctx) {
    Json body = bodyObject(ctx);
    int minutes = optionalInt(body, "minutes", 60, 1, 7 * 24 * 60);
    std::string comment = optionalText(body, "comment", 2000);
    alerts::Silence silence =
        h.engine().silenceAlert(alertId(s, h, ctx), ctx.now + minutes * 60, ctx.caller.describe(),
                                comment, ctx.now, ctx.caller.scope.tenants);
    audit(s, ctx, "alert.silence", "alert:" + std::to_string(ctx.id("id")), silence.tenantId);
    return jsonResponse(201, silence.toJson());
  });

  // Lifts the alert's own silences (not a tenant's maintenance window).
  r.add("POST", "/api/v1/alerts/{id}/unsilence", Permission::kAlertsWrite, [&s, &h](Context& ctx) {
    auto [a, ended] =
        h.engine().unsilenceAlert(alertId(s, h, ctx), ctx.now, ctx.caller.scope.tenants);
    audit(s, ctx, "alert.unsilence", "alert:" + std::to_string(a.id), a.tenantId);
    Json j = alertJson(h, a);
    j["silences_ended"] = ended;
    return jsonResponse(200, j);
  });

  r.add("POST", "/api/v1/alerts/{id}/comment", Permission::kAlertsWrite, [&s, &h](Context& ctx) {
    Json body = bodyObject(ctx);
    h.engine().comment(alertId(s, h, ctx), ctx.caller.describe(), requireText(body, "text", 4000),
                       ctx.now, ctx.caller.scope.tenants);
    return jsonResponse(201, Json{{"ok", true}});
  });
}

void addRuleRoutes(Router& r, Services& s, HealthService& h) {
  // The shipped defaults, the overrides the caller may see and, for one tenant, the
  // rules as they apply there.
  r.add("GET", "/api/v1/alert-rules", Permission::kAlertsRead, [&s, &h](Context& ctx) {
    Json defaults = Json::array();
    for (const auto& rule : h.engine().defaults()) defaults.push_back(rule.toJson());
    Json overrides = Json::array();
    for (const auto& o : h.alerts().overrides()) {
      bool visible =
          ctx.caller.scope.all() || (o.scope == "tenant" && ctx.caller.scope.allows(o.scopeId));
      if (o.scope == "host" && !visible) {
        auto host = s.store.findHost(o.scopeId);
        visible = host && ctx.caller.scope.allows(host->tenantId);
      }
      if (o.scope == "group" && !visible && s.hostGroups) {
        auto group = s.hostGroups->find(o.scopeId);
        visible = group && ctx.caller.scope.allows(group->tenantId);
      }
      if (!visible) continue;
      overrides.push_back({{"scope", o.scope},
                           {"scope_id", o.scopeId},
                           {"rule", o.ruleId},
                           {"settings", o.settings}});
    }
    Json out{{"defaults", defaults}, {"overrides", overrides}};
    if (!ctx.request.query("tenant_id").empty()) {
      store::Tenant t = scopedTenant(s, ctx, queryInt(ctx, "tenant_id", 0, 1, 1LL << 62));
      Json effective = Json::array();
      for (const auto& rule : h.engine().tenantRules(t.id)) effective.push_back(rule.toJson());
      out["tenant_id"] = t.id;
      out["effective"] = effective;
    }
    return jsonResponse(200, out);
  });

  // {"scope": "tenant|group|host", "scope_id": 3, "rule": "disk_usage",
  //  "settings": {"warning": 85} | null (removes the override)}
  r.add("PUT", "/api/v1/alert-rules", Permission::kAlertRulesWrite, [&s, &h](Context& ctx) {
    Json body = bodyObject(ctx);
    std::string scope = requireText(body, "scope", 10);
    std::string rule = requireText(body, "rule", 64);
    auto scopeIdIt = body.find("scope_id");
    if (scopeIdIt == body.end() || !scopeIdIt->is_number_integer()) {
      throw Error(ErrorKind::kBadRequest, "scope_id must be an integer");
    }
    store::Id scopeId = scopeIdIt->get<store::Id>();
    std::optional<store::Id> tenant;
    if (scope == "tenant") {
      tenant = scopedTenant(s, ctx, scopeId).id;
    } else if (scope == "host") {
      tenant = scopedHost(s, ctx, scopeId).tenantId;
    }
    auto settings = body.find("settings");
    bool removal = settings == body.end() || settings->is_null();
    if (scope == "group") {
      // A group of the caller's tenants (404 otherwise, as for hosts). A setting left
      // for a group that no longer exists may still be removed by an all-tenant caller.
      auto group = s.hostGroups ? s.hostGroups->find(scopeId) : std::nullopt;
      if (group && !ctx.caller.scope.allows(group->tenantId))
        outOfScope(s, ctx, "host group", group->tenantId);
      if (group) {
        tenant = group->tenantId;
      } else if (!(removal && !group && ctx.caller.scope.all())) {
        throw Error(ErrorKind::kNotFound, "no such host group");
      }
    } else if (scope != "tenant" && scope != "host") {
      throw Error(ErrorKind::kBadRequest, "scope must be tenant, group or host");
    }
    if (removal) {
      h.engine().deleteOverride(scope, scopeId, rule);
    } else {
      h.engine().setOverride({scope, scopeId, rule, *settings});
    }
    audit(s, ctx, "alert_rule.set", scope + ":" + std::to_string(scopeId) + "/" + rule, tenant);
    return jsonResponse(200, Json{{"scope", scope},
                                  {"scope_id", scopeId},
                                  {"rule", rule},
                                  {"settings", settings == body.end() ? Json() : *settings}});
  });
}

void addChannelRoutes(Router& r, Services& s, HealthService& h) {
  r.add("GET", "/api/v1/channels", Permission::kAlertsRead, [&h](Context& ctx) {
    Json items = Json::array();
    for (const auto& c : h.alerts().channels(std::nullopt)) {
      if (ctx.caller.scope.allows(c.tenantId)) items.push_back(c.toJson());
    }
    return jsonResponse(200, list(items));
  });

  r.add("POST", "/api/v1/channels", Permission::kChannelsWrite, [&s, &h](Context& ctx) {
    Json body = bodyObject(ctx);
    auto tenantIt = body.find("tenant_id");
    if (tenantIt == body.end() || !tenantIt->is_number_integer()) {
      throw Error(ErrorKind::kBadRequest, "tenant_id must be an integer");
    }
    alerts::Channel c;
    c.tenantId = scopedTenant(s, ctx, tenantIt->get<store::Id>()).id;
    c = channelFromBody(body, c);
    c = h.createChannel(c);
    audit(s, ctx, "channel.create", "channel:" + std::to_string(c.id), c.tenantId);
    return jsonResponse(201, c.toJson());
  });

  r.add("PUT", "/api/v1/channels/{id}", Permission::kChannelsWrite, [&s, &h](Context& ctx) {
    auto existing = h.alerts().findChannel(ctx.id("id"));
    if (!existing) throw Error(ErrorKind::kNotFound, "no such channel");
    requireTenant(s, ctx, existing->tenantId);
    alerts::Channel c = channelFromBody(bodyObject(ctx), *existing);
    c = h.updateChannel(c);
    audit(s, ctx, "channel.update", "channel:" + std::to_string(c.id), c.tenantId);
    return jsonResponse(200, c.toJson());
  });

  // One test message now, through the channel's notifier (and its SSRF guard): 200
  // {"ok": true} when it was accepted, 502 with the notifier's reason when not.
  r.add("POST", "/api/v1/channels/{id}/test", Permission::kChannelsWrite, [&s, &h](Context& ctx) {
    auto channel = h.alerts().findChannel(ctx.id("id"));
    if (!channel) throw Error(ErrorKind::kNotFound, "no such channel");
    requireTenant(s, ctx, channel->tenantId);
    std::string target = "channel:" + std::to_string(channel->id);
    std::optional<std::string> failure;
    try {
      h.testChannel(*channel, ctx.caller.describe(), ctx.now);
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::kInternal) throw;  // ours, not the receiver's: a 500
      failure = withoutSecrets(e.what(), *channel);
    } catch (const std::exception& e) {
      failure = withoutSecrets(std::string("delivery failed: ") + e.what(), *channel);
    }
    if (failure) {
      audit(s, ctx, "channel.test", target, channel->tenantId, "failed", *failure);
      return jsonResponse(
          502, Json{{"ok", false}, {"error", "channel_test_failed"}, {"message", *failure}});
    }
    audit(s, ctx, "channel.test", target, channel->tenantId);
    return jsonResponse(200, Json{{"ok", true}});
  });

  r.add("DELETE", "/api/v1/channels/{id}", Permission::kChannelsWrite, [&s, &h](Context& ctx) {
    auto existing = h.alerts().findChannel(ctx.id("id"));
    if (!existing) throw Error(ErrorKind::kNotFound, "no such channel");
    requireTenant(s, ctx, existing->tenantId);
    h.alerts().deleteChannel(existing->id);
    audit(s, ctx, "channel.delete", "channel:" + std::to_string(existing->id), existing->tenantId);
    return jsonResponse(200, Json{{"id", existing->id}, {"deleted", true}});
  });
}

void addSilenceRoutes(Router& r, Services& s, HealthService& h) {
  r.add("GET", "/api/v1/silences", Permission::kAlertsRead, [&h](Context& ctx) {
    Json items = Json::array();
    for (const auto& sl : h.alerts().silences(ctx.now)) {
      if (ctx.caller.scope.all() || (sl.tenantId && ctx.caller.scope.allows(*sl.tenantId))) {
        items.push_back(sl.toJson());
      }
    }
    return jsonResponse(200, list(items));
  });

  // A maintenance window: {"tenant_id", "host_id"?, "rule"?, "starts_at", "ends_at", "comment"}.
  r.add("POST", "/api/v1/silences", Permission::kAlertsWrite, [&s, &h](Context& ctx) {
    Json body = bodyObject(ctx);
    alerts::Silence sl;
    auto num = [&](const char* key) -> std::optional<store::Id> {
      auto it = body.find(key);
      if (it == body.end() || it->is_null()) return std::nullopt;
      if (!it->is_number_integer()) {
        throw Error(ErrorKind::kBadRequest, std::string(key) + " must be an integer");
      }
      return it->get<store::Id>();
    };
    auto tenant = num("tenant_id");
    if (!tenant) throw Error(ErrorKind::kBadRequest, "tenant_id is required");
    sl.tenantId = scopedTenant(s, ctx, *tenant).id;
    if (auto host = num("host_id")) {
      if (scopedHost(s, ctx, *host).tenantId != *sl.tenantId) {
        throw Error(ErrorKind::kBadRequest, "the host is not in this tenant");
      }
      sl.hostId = host;
    }
    if (std::string rule = optionalText(body, "rule", 64); !rule.empty()) sl.ruleId = rule;
    sl.startsAt = num("starts_at").value_or(ctx.now);
    auto ends = num("ends_at");
    if (!ends || *ends <= sl.startsAt || *ends - sl.startsAt > 31LL * 86400) {
      throw Error(ErrorKind::kBadRequest, "ends_at must be after starts_at, within 31 days");
    }
    sl.endsAt = *ends;
    sl.comment = optionalText(body, "comment", 2000);
    sl.createdBy = ctx.caller.describe();
    sl.id = h.alerts().addSilence(sl);
    audit(s, ctx, "silence.create", "silence:" + std::to_string(sl.id), sl.tenantId);
    return jsonResponse(201, sl.toJson());
  });

  r.add("DELETE", "/api/v1/silences/{id}", Permission::kAlertsWrite, [&s, &h](Context& ctx) {
    store::Id id = ctx.id("id");
    for (const auto& sl : h.alerts().silences(std::nullopt)) {
      if (sl.id != id) continue;
      if (!ctx.caller.scope.all() && !(sl.tenantId && ctx.caller.scope.allows(*sl.tenantId)))
        outOfScope(s, ctx, "silence", sl.tenantId);
      h.alerts().deleteSilence(id);
      audit(s, ctx, "silence.delete", "silence:" + std::to_string(id), sl.tenantId);
      return jsonResponse(200, Json{{"id", id}, {"deleted", true}});
    }
    throw Error(ErrorKind::kNotFound, "no such silence");
  });
}

}  // namespace

void addHealthRoutes(Router& r, Services& s, HealthService& health) {
  addMetricRoutes(r, s, health);
  addAlertRoutes(r, s, health);
  addRuleRoutes(r, s, health);
  addChannelRoutes(r, s, health);
  addSilenceRoutes(r, s, health);
}

}  // namespace parc::server::api
