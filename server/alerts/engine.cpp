#include "server/alerts/engine.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>

#include "common/error.h"

namespace parc::server::alerts {

namespace {

constexpr const char* kSiteRule = "site_silent";

std::string formatValue(double v) {
  char buf[32];
  if (std::fabs(v - std::round(v)) < 0.05) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f", v);
  }
  std::string s = buf;
  for (auto& c : s) {
    if (c == '.') c = ',';  // French decimal comma
  }
  return s;
}

void replaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
}

bool inScope(const TenantScope& scope, Id tenantId) {
  return !scope || std::find(scope->begin(), scope->end(), tenantId) != scope->end();
}

}  // namespace

Engine::Engine(AlertStore& store, EngineSettings settings, std::vector<RuleConfig> defaults)
    : store_(store),
      settings_(settings),
      defaults_(std::move(defaults)),
      kinds_(rules::allRuleKinds()),
      overrides_(store.overrides()) {
  std::stable_partition(defaults_.begin(), defaults_.end(),
                        [](const RuleConfig& r) { return r.kind == "absence"; });
  for (auto& a : store_.openAlerts()) open_[{a.ruleId, a.hostId, a.subject}] = a;
}

const rules::RuleKind* Engine::kind(const std::string& name) const {
  for (const auto& k : kinds_) {
    if (k->kind() == name) return k.get();
  }
  return nullptr;
}

void Engine::setHost(const HostInfo& host) {
  std::lock_guard lock(intakeMutex_);
  infos_[host.hostId] = host;
  intake_[host.hostId];  // joins hosts_ at the next round even before any reading
}

namespace {
// The newer of two readings: a late batch from the outbox does not hide a newer value.
void keepNewest(rules::Reading& kept, const rules::Reading& r) {
  if (r.t >= kept.t) kept = r;
}
}  // namespace

void Engine::observe(Id hostId,
                     const std::vector<std::tuple<std::string, std::string, double>>& values,
                     Time t) {
  std::lock_guard lock(intakeMutex_);
  auto& in = intake_[hostId];
  in.lastSeen = std::max(in.lastSeen, t);
  for (const auto& [name, subject, value] : values)
    keepNewest(in.latest[{name, subject}], {t, value});
}

void Engine::seen(Id hostId, Time t) {
  std::lock_guard lock(intakeMutex_);
  auto& in = intake_[hostId];
  in.lastSeen = std::max(in.lastSeen, t);
}

void Engine::drainIntake() {
  std::map<Id, Intake> arrived;
  std::map<Id, HostInfo> infos;
  {
    std::lock_guard lock(intakeMutex_);
    arrived.swap(intake_);
    for (const auto& [id, in] : arrived) {
      if (auto it = infos_.find(id); it != infos_.end()) infos.emplace(id, it->second);
    }
  }
  for (auto& [id, in] : arrived) {
    auto& h = hosts_[id];
    if (auto it = infos.find(id); it != infos.end()) h.info = it->second;
    h.info.hostId = id;
    h.lastSeen = std::max(h.lastSeen, in.lastSeen);
    for (const auto& [key, r] : in.latest) keepNewest(h.latest[key], r);
  }
}

void Engine::setHistory(std::function<std::vector<std::pair<Time, double>>(
                            Id, const std::string&, const std::string&, Time)>
                            history) {
  std::lock_guard lock(mutex_);
  history_ = std::move(history);
}

void Engine::setLastBackup(std::function<std::optional<Time>(Id)> lastBackup) {
  std::lock_guard lock(mutex_);
  lastBackup_ = std::move(lastBackup);
}

void Engine::setBackupDamage(
    std::function<std::vector<std::tuple<std::string, std::string, double>>(Id)> damage) {
  std::lock_guard lock(mutex_);
  backupDamage_ = std::move(damage);
}

std::vector<RuleConfig> Engine::effectiveRules(const HostInfo& host) {
  std::vector<RuleConfig> out = defaults_;
  // Overrides apply from the broadest scope to the narrowest: tenant, groups, host.
  for (const char* scope : {"tenant", "group", "host"}) {
    for (const auto& o : overrides_) {
      if (o.scope != scope) continue;
      bool applies = (o.scope == "tenant" && o.scopeId == host.tenantId) ||
                     (o.scope == "host" && o.scopeId == host.hostId) ||
                     (o.scope == "group" && std::find(host.groups.begin(), host.groups.end(),
                                                      o.scopeId) != host.groups.end());
      if (!applies) continue;
      for (auto& r : out) {
        if (r.id == o.ruleId) r.merge(o.settings);
      }
    }
  }
  return out;
}

std::vector<RuleConfig> Engine::tenantRules(Id tenantId) {
  std::lock_guard lock(mutex_);
  HostInfo pseudo;
  pseudo.tenantId = tenantId;
  pseudo.hostId = -1;
  return effectiveRules(pseudo);
}

void Engine::setOverride(const RuleOverride& o) {
  if (o.scope != "tenant" && o.scope != "group" && o.scope != "host") {
    throw Error(ErrorKind::kBadRequest, "scope must be tenant, group or host");
  }
  std::lock_guard lock(mutex_);
  auto it = std::find_if(defaults_.begin(), defaults_.end(),
                         [&](const RuleConfig& r) { return r.id == o.ruleId; });
  if (it == defaults_.end()) throw Error(ErrorKind::kBadRequest, "unknown rule: " + o.ruleId);
  RuleConfig probe = *it;
  probe.merge(o.settings);  // throws kBadRequest before anything is stored
  store_.setOverride(o);
  overrides_ = store_.overrides();
}

void Engine::deleteOverride(const std::string& scope, Id scopeId, const std::string& ruleId) {
  std::lock_guard lock(mutex_);
  store_.deleteOverride(scope, scopeId, ruleId);
  overrides_ = store_.overrides();
}

std::string Engine::summarize(const RuleConfig& rule, const HostInfo& host,
                              const std::string& subject, double value,
                              const std::string& detail) const {
  std::string s = rule.summary;
  replaceAll(s, "{detail}", detail);
  replaceAll(s, "{host}", host.name.empty() ? "poste " + std::to_string(host.hostId) : host.name);
  replaceAll(s, "{subject}", subject);
  replaceAll(s, "{value}", formatValue(value));
  return s;
}

void Engine::evaluate(Time now, std::optional<Id> onlyHost) {
  std::lock_guard lock(mutex_);
  drainIntake();
  store_.transaction([&] {
    for (auto& [id, h] : hosts_) {
      if (onlyHost && id != *onlyHost) continue;
      try {
        evaluateHost(h, now);
      } catch (const std::exception& e) {
        // One host's bad override or a store hiccup must not stop the others.
        spdlog::error("alert rules of host {} not evaluated: {}", id, e.what());
      }
    }
    siteDependencies(now);
    planNotifications(now);
  });
}

bool Engine::hasOverride(const HostInfo& host) const {
  for (const auto& o : overrides_) {
    if ((o.scope == "tenant" && o.scopeId == host.tenantId) ||
        (o.scope == "host" && o.scopeId == host.hostId) ||
        (o.scope == "group" &&
         std::find(host.groups.begin(), host.groups.end(), o.scopeId) != host.groups.end())) {
      return true;
    }
  }
  return false;
}

void Engine::evaluateHost(HostState& h, Time now) {
  rules::HostView view;
  view.info = h.info;
  view.lastSeen = h.lastSeen;
  view.latest = &h.latest;
  Id hostId = h.info.hostId;
  if (history_) {
    view.history = [this, hostId](const std::string& m, const std::string& s, Time from) {
      return history_(hostId, m, s, from);
    };
  }
  if (lastBackup_) view.lastBackup = [this, hostId] { return lastBackup_(hostId); };
  if (backupDamage_) view.backupDamage = [this, hostId] { return backupDamage_(hostId); };

  // Most hosts have no override: their rules are the defaults, not copied.
  std::vector<RuleConfig> merged;
  if (hasOverride(h.info)) merged = effectiveRules(h.info);
  const std::vector<RuleConfig>& rulesOfHost = merged.empty() ? defaults_ : merged;
  // Absence rules come first (the constructor orders the defaults): a silent host's
  // other readings are stale, so its other rules are left as they are (neither fired
  // nor resolved) until it speaks again.
  bool silent = false;
  for (const auto& rule : rulesOfHost) {
    // Backup damage is the server's own finding: it holds for a PC that is switched off
    // (or dead, when its backups matter most).
    if (silent && rule.kind != "backup_damaged") continue;
    const rules::RuleKind* k = kind(rule.kind);
    if (!k) continue;
    std::vector<rules::Condition> conds;
    if (rule.enabled) {
      rules::OpenSeverities open;
      for (auto it = open_.lower_bound({rule.id, hostId, ""});
           it != open_.end() && std::get<0>(it->first) == rule.id &&
           std::get<1>(it->first) == hostId;
           ++it) {
        open[std::get<2>(it->first)] = it->second.severity;
      }
      conds = k->check(rule, view, now, open);
    }
    apply(rule, h, conds, now);
    if (rule.kind == "absence" && !conds.empty()) silent = true;
  }
}

void Engine::apply(const RuleConfig& rule, const HostState& h,
                   const std::vector<rules::Condition>& conds, Time now) {
  Id hostId = h.info.hostId;
  std::set<std::string> holding;
  for (const auto& c : conds) {
    holding.insert(c.subject);
    Key key{rule.id, hostId, c.subject};
    pendingClear_.erase(key);
    if (auto it = open_.find(key); it != open_.end()) {
      Alert& a = it->second;
      bool severityChanged = a.severity != c.severity;
      bool detailChanged =
          !c.detail.empty() && a.summary != summarize(rule, h.info, c.subject, c.value, c.detail);
      if (severityChanged || a.value != c.value || detailChanged) {
        a.severity = c.severity;  // up, or down through the hysteresis band
        a.value = c.value;
        a.summary = summarize(rule, h.info, c.subject, c.value, c.detail);
        // A new value alone is written at most every 10 minutes: the console shows the
        // live value from the metrics, and a fleet of open alerts must not cost a write
        // each per round.
        if (severityChanged || detailChanged || now - a.updatedAt >= 600) {
          a.updatedAt = now;
          store_.updateAlert(a);
        }
      }
      continue;
    }
    Time since = pendingFire_.try_emplace(key, now).first->second;
    if (now - since >= rule.forSeconds) {
      pendingFire_.erase(key);
      open(rule, h.info, c, now);
    }
  }
  // Conditions that stopped holding: not firing yet → forget; open → resolve once the
  // condition has been gone for clear_seconds.
  for (auto it = pendingFire_.lower_bound({rule.id, hostId, ""});
       it != pendingFire_.end() && std::get<0>(it->first) == rule.id &&
       std::get<1>(it->first) == hostId;) {
    it = holding.count(std::get<2>(it->first)) ? std::next(it) : pendingFire_.erase(it);
  }
  std::vector<Key> toResolve;
  for (auto it = open_.lower_bound({rule.id, hostId, ""});
       it != open_.end() && std::get<0>(it->first) == rule.id && std::get<1>(it->first) == hostId;
       ++it) {
    if (holding.count(std::get<2>(it->first))) continue;
    Time since = pendingClear_.try_emplace(it->first, now).first->second;
    if (now - since >= (rule.enabled ? rule.clearSeconds : 0)) toResolve.push_back(it->first);
  }
  for (const auto& key : toResolve) {
    resolve(open_.at(key), now);
    open_.erase(key);
    pendingClear_.erase(key);
  }
}

void Engine::open(const RuleConfig& rule, const HostInfo& host, const rules::Condition& c,
                  Time now) {
  Alert a;
  if (auto recent =
          store_.recentlyResolved(rule.id, host.hostId, c.subject, now - settings_.flapWindow)) {
    a = *recent;  // the same problem back shortly after: reopen, count a flap
    a.flaps += 1;
    a.resolvedAt.reset();
    a.acknowledgedAt.reset();
    a.acknowledgedBy.clear();
    a.suppressedBy.reset();
  } else {
    a.tenantId = host.tenantId;
    a.hostId = host.hostId;
    a.ruleId = rule.id;
    a.subject = c.subject;
    a.openedAt = now;
  }
  a.state = AlertState::kFiring;
  a.severity = c.severity;
  a.value = c.value;
  a.summary = summarize(rule, host, c.subject, c.value, c.detail);
  a.updatedAt = now;
  if (a.id == 0) {
    a.id = store_.insertAlert(a);
  } else {
    store_.updateAlert(a);
  }
  spdlog::info("alert {} opened: {}", a.id, a.summary);
  open_[{a.ruleId, a.hostId, a.subject}] = a;
}

void Engine::resolve(Alert& a, Time now) {
  a.state = AlertState::kResolved;
  a.resolvedAt = now;
  a.updatedAt = now;
  store_.updateAlert(a);
  spdlog::info("alert {} resolved: {}", a.id, a.summary);
  if (a.silenced || a.suppressedBy) return;
  // Tell every channel that heard of it (a GLPI ticket gets its solution).
  for (Id channel : store_.notifiedChannels(a.id)) {
    store_.enqueue(a.id, channel, "resolved:" + std::to_string(a.flaps), now);
  }
}

void Engine::siteDependencies(Time now) {
  std::map<Id, std::pair<int, int>> perTenant;  // tenant → (known hosts, silent hosts)
  for (const auto& [id, h] : hosts_) {
    if (h.lastSeen <= 0) continue;
    auto& [known, silent] = perTenant[h.info.tenantId];
    ++known;
    if (open_.count({"host_silent", id, ""})) ++silent;
  }
  siteCapable_.clear();
  for (const auto& [tenant, counts] : perTenant) {
    auto [known, silent] = counts;
    if (known >= settings_.siteMinHosts) siteCapable_.insert(tenant);
    Key siteKey{kSiteRule, 0, "tenant:" + std::to_string(tenant)};
    bool down = known >= settings_.siteMinHosts &&
                double(silent) >= settings_.siteSilentRatio * double(known);
    auto it = open_.find(siteKey);
    if (down && it == open_.end()) {
      RuleConfig site;
      site.id = kSiteRule;
      site.summary = "Site entier silencieux : {value} postes sans nouvelles";
      HostInfo pseudo;
      pseudo.hostId = 0;
      pseudo.tenantId = tenant;
      open(site, pseudo, {std::get<2>(siteKey), Severity::kCritical, double(silent)}, now);
      it = open_.find(siteKey);
    } else if (!down && it != open_.end()) {
      resolve(it->second, now);
      open_.erase(it);
      continue;
    }
    if (!down) continue;
    // The site explains its hosts' silence: theirs are kept, linked, and not notified.
    for (auto& [key, a] : open_) {
      if (a.ruleId == "host_silent" && a.tenantId == tenant && !a.suppressedBy) {
        a.suppressedBy = it->second.id;
        a.updatedAt = now;
        store_.updateAlert(a);
      }
    }
  }
}

bool Engine::heldForSite(const Alert& a, Time now) {
  if (a.ruleId != "host_silent" || !siteCapable_.count(a.tenantId)) return false;
  // Since first held, not since opened: a reopened alert keeps its old openedAt.
  Time since = silentHeld_.try_emplace(a.id, now).first->second;
  return now - since < settings_.siteGraceSeconds;
}

void Engine::planNotifications(Time now) {
  auto silences = store_.silences(now);
  std::set<Id> held;  // silent hosts' alerts still held or whose grace has ended
  std::map<Id, std::vector<Channel>> channelsOf;
  for (auto& c : store_.channels(std::nullopt)) {
    if (c.enabled) channelsOf[c.tenantId].push_back(std::move(c));
  }
  for (auto& [key, a] : open_) {
    if (a.silenced || a.suppressedBy || a.flaps >= settings_.flapLimit) continue;
    bool muted = std::any_of(silences.begin(), silences.end(),
                             [&](const Silence& s) { return s.matches(a, now); });
    if (muted) {
      // Known during the window: it will not fire when the window ends either.
      a.silenced = true;
      a.updatedAt = now;
      store_.updateAlert(a);
      continue;
    }
    if (a.state != AlertState::kFiring) continue;  // acknowledged: no escalation
    if (heldForSite(a, now)) {
      held.insert(a.id);
      continue;
    }
    if (silentHeld_.count(a.id)) held.insert(a.id);
    for (const auto& ch : channelsOf[a.tenantId]) {
      if (a.severity < ch.minSeverity || now - a.openedAt < ch.delaySeconds) continue;
      store_.enqueue(a.id, ch.id,
                     "firing:" + std::to_string(a.flaps) + ":" + severityName(a.severity), now);
    }
  }
  // Forget the hold of alerts gone, acknowledged or explained by their site.
  std::erase_if(silentHeld_, [&](const auto& entry) { return !held.count(entry.first); });
}

Alert Engine::alertInScope(Id alertId, const TenantScope& scope) {
  auto a = store_.findAlert(alertId);
  if (!a || !inScope(scope, a->tenantId)) throw Error(ErrorKind::kNotFound, "no such alert");
  return *a;
}

Alert Engine::acknowledge(Id alertId, const std::string& who, Time now, const TenantScope& scope) {
  std::lock_guard lock(mutex_);
  Alert a = alertInScope(alertId, scope);
  if (a.state == AlertState::kResolved) {
    throw Error(ErrorKind::kConflict, "alert already resolved");
  }
  if (a.state == AlertState::kAcknowledged) return a;
  a.state = AlertState::kAcknowledged;
  a.acknowledgedAt = now;
  a.acknowledgedBy = who;
  a.updatedAt = now;
  store_.updateAlert(a);
  open_[{a.ruleId, a.hostId, a.subject}] = a;
  if (!a.silenced && !a.suppressedBy) {
    for (Id channel : store_.notifiedChannels(a.id)) {
      store_.enqueue(a.id, channel, "acknowledged:" + std::to_string(a.flaps), now);
    }
  }
  return a;
}

Silence Engine::silenceAlert(Id alertId, Time until, const std::string& who,
                             const std::string& comment, Time now, const TenantScope& scope) {
  std::lock_guard lock(mutex_);
  Alert a = alertInScope(alertId, scope);
  if (until <= now) throw Error(ErrorKind::kBadRequest, "until must be in the future");
  Silence s;
  s.alertId = a.id;
  s.tenantId = a.tenantId;
  s.startsAt = now;
  s.endsAt = until;
  s.comment = comment;
  s.createdBy = who;
  s.id = store_.addSilence(s);
  return s;
}

std::pair<Alert, int> Engine::unsilenceAlert(Id alertId, Time now, const TenantScope& scope) {
  std::lock_guard lock(mutex_);
  Alert a = alertInScope(alertId, scope);
  int ended = 0;
  for (const auto& s : store_.silences(now)) {
    if (s.alertId == a.id && store_.endSilence(s.id, now)) ++ended;
  }
  // The open copy holds the newest value (the stored one is written at most every 10 min).
  auto it = open_.find({a.ruleId, a.hostId, a.subject});
  Alert& target = it != open_.end() && it->second.id == a.id ? it->second : a;
  if (target.silenced) {
    target.silenced = false;
    target.updatedAt = now;
    store_.updateAlert(target);
  }
  return {target, ended};
}

void Engine::comment(Id alertId, const std::string& who, const std::string& text, Time now,
                     const TenantScope& scope) {
  if (text.empty() || text.size() > 4000) {
    throw Error(ErrorKind::kBadRequest, "comment must be 1 to 4000 characters");
  }
  alertInScope(alertId, scope);
  store_.addComment({0, alertId, now, who, text});
}

std::optional<HostInfo> Engine::host(Id hostId) {
  std::lock_guard lock(intakeMutex_);
  auto it = infos_.find(hostId);
  if (it == infos_.end()) return std::nullopt;
  return it->second;
}

std::size_t Engine::openCount() {
  std::lock_guard lock(mutex_);
  return open_.size();
}

}  // namespace parc::server::alerts
