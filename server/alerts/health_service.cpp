#include "server/alerts/health_service.h"

#include <spdlog/spdlog.h>

#include <ctime>

#include "common/error.h"
#include "common/files/files.h"
#include "server/health/prometheus.h"

namespace parc::server::alerts {

HealthService::HealthService(HealthSettings settings, std::unique_ptr<health::MetricsStore> metrics,
                             std::unique_ptr<AlertStore> alerts)
    : settings_(std::move(settings)),
      metrics_(std::move(metrics)),
      alerts_(std::move(alerts)),
      engine_(std::make_unique<Engine>(*alerts_, settings_.engine)),
      notifiers_(notifiers::allNotifiers({settings_.outgoingAllow})) {
  // Trends (the disk-full prediction over 24 h) read 5-minute means: raw points would be
  // five times the rows, read for every disk at every round.
  engine_->setHistory([this](Id host, const std::string& m, const std::string& s, Time from) {
    return metrics_->fiveMinuteMeans(host, m, s, from);
  });
}

HealthService::HealthService(HealthSettings settings)
    : HealthService(settings,
                    std::make_unique<health::MetricsStore>(settings.dataDir / "metrics.sqlite",
                                                           settings.retention),
                    std::make_unique<AlertStore>(settings.dataDir / "alerts.sqlite")) {}

std::unique_ptr<HealthService> HealthService::inMemory(HealthSettings settings) {
  auto retention = settings.retention;
  return std::unique_ptr<HealthService>(new HealthService(
      std::move(settings), health::MetricsStore::inMemory(retention), AlertStore::inMemory()));
}

void HealthService::setHost(const HostInfo& host) {
  engine_->setHost(host);
}

bool HealthService::ingestMetrics(Id hostId, Id tenantId, const std::string& messageId,
                                  const Json& payload, Time receivedAt) {
  health::MetricsBatch batch = health::parseMetricsPayload(payload, receivedAt);
  if (!metrics_->ingest(hostId, tenantId, messageId, batch, receivedAt)) {
    ++counters_.duplicateBatches;
    return false;
  }
  observe(hostId, tenantId, batch, receivedAt);
  return true;
}

std::vector<std::string> HealthService::ingestMetricsMany(
    const std::vector<MetricsMessage>& messages, Time receivedAt) {
  std::vector<std::string> unusable(messages.size());
  std::vector<health::MetricsBatch> batches(messages.size());
  std::vector<health::MetricsStore::Incoming> valid;
  std::vector<std::size_t> validIndex;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    try {
      batches[i] = health::parseMetricsPayload(*messages[i].payload, receivedAt);
      valid.push_back(
          {messages[i].hostId, messages[i].tenantId, messages[i].messageId, &batches[i]});
      validIndex.push_back(i);
    } catch (const Error& e) {
      unusable[i] = e.what();
    }
  }
  if (!valid.empty()) ingestParsedMetrics(valid, receivedAt);
  return unusable;
}

std::vector<bool> HealthService::ingestParsedMetrics(
    const std::vector<health::MetricsStore::Incoming>& batches, Time receivedAt) {
  auto stored = metrics_->ingestMany(batches, receivedAt);
  for (std::size_t k = 0; k < batches.size(); ++k) {
    if (!stored[k]) {
      ++counters_.duplicateBatches;
      continue;
    }
    observe(batches[k].hostId, batches[k].tenantId, *batches[k].batch, receivedAt);
  }
  return stored;
}

void HealthService::observe(Id hostId, Id tenantId, const health::MetricsBatch& batch,
                            Time receivedAt) {
  ++counters_.metricBatches;
  counters_.metricPoints += static_cast<std::int64_t>(batch.samples.size());
  std::vector<std::tuple<std::string, std::string, double>> values;
  values.reserve(batch.samples.size());
  for (const auto& s : batch.samples) values.emplace_back(s.name, s.subject, s.value);
  auto known = engine_->host(hostId);
  if (!known || known->tenantId != tenantId) {
    HostInfo h = known.value_or(HostInfo{});
    h.hostId = hostId;
    h.tenantId = tenantId;
    engine_->setHost(h);
  }
  engine_->observe(hostId, values, batch.collectedAt);
  engine_->seen(hostId, receivedAt);
}

void HealthService::ingestEvent(Id hostId, Id tenantId, const Json& payload, Time receivedAt) {
  if (!payload.is_object()) throw Error(ErrorKind::kBadRequest, "event payload: not an object");
  engine_->seen(hostId, receivedAt);
  if (payload.value("kind", "") != "local_threshold" || payload.value("state", "") != "raised") {
    return;
  }
  auto metric = payload.find("metric");
  auto value = payload.find("value");
  if (metric == payload.end() || !metric->is_string() || value == payload.end() ||
      !value->is_number()) {
    throw Error(ErrorKind::kBadRequest, "event payload: metric and value required");
  }
  auto known = engine_->host(hostId);
  if (!known) {
    HostInfo h;
    h.hostId = hostId;
    h.tenantId = tenantId;
    engine_->setHost(h);
  }
  Time at = std::min<Time>(payload.value("at", receivedAt), receivedAt);
  engine_->observe(
      hostId, {{metric->get<std::string>(), payload.value("subject", ""), value->get<double>()}},
      at);
  engine_->evaluate(receivedAt, hostId);
}

void HealthService::presence(Id hostId, Id tenantId, Time lastSeen) {
  if (!engine_->host(hostId)) {
    HostInfo h;
    h.hostId = hostId;
    h.tenantId = tenantId;
    engine_->setHost(h);
  }
  engine_->seen(hostId, lastSeen);
}

void HealthService::evaluate(Time now) {
  engine_->evaluate(now);
  metrics_->rollUp(now);
  if (now - lastRetention_ >= 3600) {
    lastRetention_ = now;
    metrics_->applyRetention(now);
  }
}

notifiers::Notifier& HealthService::notifier(const std::string& kind) {
  for (auto& n : notifiers_) {
    if (n->kind() == kind) return *n;
  }
  throw Error(ErrorKind::kBadRequest, "unknown channel kind: " + kind + " (email, webhook, glpi)");
}

namespace {

// Only e-mail sends a digest; anywhere else the setting would be silently ignored.
void requireDigestSupport(const Channel& c) {
  if (c.settings.contains("digest_hour") && c.kind != "email") {
    throw Error(ErrorKind::kBadRequest, "only e-mail channels send a daily digest");
  }
}

}  // namespace

Channel HealthService::createChannel(Channel c) {
  requireDigestSupport(c);
  if (c.name.empty() || c.name.size() > 200) {
    throw Error(ErrorKind::kBadRequest, "channel name must be 1 to 200 characters");
  }
  if (c.delaySeconds < 0 || c.delaySeconds > 7 * 86400) {
    throw Error(ErrorKind::kBadRequest, "delay_seconds must be between 0 and 604800");
  }
  notifier(c.kind).validate(c.settings);
  c.id = alerts_->createChannel(c);
  return c;
}

Channel HealthService::updateChannel(Channel c) {
  if (!alerts_->findChannel(c.id)) throw Error(ErrorKind::kNotFound, "no such channel");
  requireDigestSupport(c);
  notifier(c.kind).validate(c.settings);
  alerts_->updateChannel(c);
  return c;
}

void HealthService::testChannel(const Channel& c, const std::string& requestedBy, Time now) {
  notifier(c.kind).sendTest(c, notifiers::testMessage(c, requestedBy, settings_.consoleUrl, now));
}

namespace {

// The server's local day and hour: town halls read "the 8 o'clock digest" in their time.
std::pair<std::string, int> localDayHour(Time now) {
  std::time_t t = now;
  std::tm tm{};
  localtime_r(&t, &tm);
  char day[16];
  std::strftime(day, sizeof day, "%Y-%m-%d", &tm);
  return {day, tm.tm_hour};
}

}  // namespace

int HealthService::sendDigests(Time now) {
  auto [day, hour] = localDayHour(now);
  int sent = 0;
  for (const auto& channel : alerts_->channels(std::nullopt)) {
    auto h = channel.settings.find("digest_hour");
    if (!channel.enabled || h == channel.settings.end() || !h->is_number_integer()) continue;
    if (hour < h->get<int>() || alerts_->lastDigestDay(channel.id) == day) continue;
    if (auto retry = digestRetryAt_.find(channel.id);
        retry != digestRetryAt_.end() && retry->second > now) {
      continue;
    }
    AlertFilter f;
    f.tenants = std::vector<Id>{channel.tenantId};
    f.state = "open";
    f.limit = 500;
    std::vector<Alert> open;
    std::map<Id, std::string> names;
    for (auto& a : alerts_->listAlerts(f)) {
      if (a.severity < channel.minSeverity) continue;
      if (auto host = engine_->host(a.hostId)) names[a.hostId] = host->name;
      open.push_back(std::move(a));
    }
    try {
      notifier(channel.kind)
          .sendDigest(channel, notifiers::digestSubject(day, open),
                      notifiers::digestBody(day, open, names, settings_.consoleUrl));
      alerts_->setDigestDay(channel.id, day);
      digestRetryAt_.erase(channel.id);
      ++counters_.notificationsSent;
      ++sent;
    } catch (const std::exception& e) {
      countFailure(channel.kind);
      digestRetryAt_[channel.id] = now + 300;
      spdlog::warn("daily digest on channel \"{}\" failed: {} (retrying in 5 min)", channel.name,
                   e.what());
    }
  }
  return sent;
}

void HealthService::setIdentitySource(IdentitySource source) {
  std::lock_guard lock(deliverMutex_);
  identitySource_ = std::move(source);
}

int HealthService::deliver(Time now) {
  std::lock_guard lock(deliverMutex_);  // one sender: a notification is never sent twice
  int sent = sendDigests(now);
  for (const auto& q : alerts_->due(now, 100)) {
    auto alert = alerts_->findAlert(q.alertId);
    auto channel = alerts_->findChannel(q.channelId);
    if (!alert || !channel) {
      alerts_->failed(q.id, "alert or channel deleted", now, true);
      continue;
    }
    notifiers::Notification n;
    n.event = q.event.substr(0, q.event.find(':'));
    n.alert = *alert;
    if (auto known = engine_->host(alert->hostId)) {
      n.host = *known;
    } else {
      n.host.hostId = alert->hostId;
      n.host.tenantId = alert->tenantId;
    }
    if (identitySource_) {
      if (auto fresh = identitySource_(alert->hostId)) {
        if (!fresh->name.empty()) n.host.name = fresh->name;
        n.host.serial = fresh->serial;
        n.host.uuid = fresh->uuid;
      }
    }
    n.consoleUrl = settings_.consoleUrl;
    n.ref = alerts_->channelRef(alert->id, channel->id);
    n.hostRef = alerts_->channelHostRef(channel->id, alert->hostId);
    const Json storedRef = n.ref;
    const Json storedHostRef = n.hostRef;
    auto keepHostRef = [&] {
      if (n.hostRef != storedHostRef) {
        alerts_->setChannelHostRef(channel->id, alert->hostId, n.hostRef);
      }
    };
    try {
      notifier(channel->kind).send(*channel, n);
      alerts_->setChannelRef(alert->id, channel->id, n.ref);
      keepHostRef();
      alerts_->delivered(q.id, now);
      ++counters_.notificationsSent;
      ++sent;
    } catch (const std::exception& e) {
      // What the notifier did before failing stays done (a GLPI ticket opened): its ref
      // is kept so that the retry carries on from there instead of starting over.
      if (n.ref != storedRef) alerts_->setChannelRef(alert->id, channel->id, n.ref);
      keepHostRef();
      countFailure(channel->kind);
      bool giveUp = now - q.createdAt >= settings_.giveUpAfter;
      Time wait = std::min<Time>(3600, Time(30) << std::min(q.attempts, 7));
      alerts_->failed(q.id, e.what(), now + wait, giveUp);
      spdlog::warn("notification {} of alert {} on channel \"{}\" failed: {} ({})", q.id, alert->id,
                   channel->name, e.what(),
                   giveUp ? "given up" : "retrying in " + std::to_string(wait) + " s");
    }
  }
  return sent;
}

void HealthService::countFailure(const std::string& kind) {
  ++counters_.notificationFailures;
  for (std::size_t i = 0; i < kChannelKinds.size(); ++i) {
    if (kind == kChannelKinds[i]) ++counters_.failuresByKind[i];
  }
}

std::string HealthService::prometheusText() {
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help, double value) {
    out += health::prometheusFamily(name, type, help) + name + " " + std::to_string(value) + "\n";
  };
  metric("parc_metric_batches_total", "counter", "Metrics batches ingested.",
         double(counters_.metricBatches.load()));
  metric("parc_metric_points_total", "counter", "Metric points ingested.",
         double(counters_.metricPoints.load()));
  metric("parc_metric_duplicate_batches_total", "counter", "Resent metrics batches ignored.",
         double(counters_.duplicateBatches.load()));
  metric("parc_notifications_sent_total", "counter", "Notifications delivered.",
         double(counters_.notificationsSent.load()));
  metric("parc_notification_failures_total", "counter", "Failed notification attempts.",
         double(counters_.notificationFailures.load()));
  metric("parc_notifications_pending", "gauge", "Notifications waiting for delivery.",
         double(alerts_->countNotifications("pending")));
  // The same two by channel kind: a GLPI that refuses tickets must not hide behind an
  // e-mail channel that works. Every kind is written, at 0 when it has nothing.
  std::map<std::string, std::int64_t> pending = alerts_->pendingNotificationsByKind();
  out += health::prometheusFamily("parc_notifications_pending_by_kind", "gauge",
                                  "Notifications waiting for delivery, by channel kind.");
  for (const char* kind : kChannelKinds) {
    out += std::string("parc_notifications_pending_by_kind{kind=\"") + kind + "\"} " +
           std::to_string(pending[kind]) + "\n";
  }
  out += health::prometheusFamily("parc_notification_failures_by_kind_total", "counter",
                                  "Failed notification attempts, by channel kind.");
  for (std::size_t i = 0; i < kChannelKinds.size(); ++i) {
    out += std::string("parc_notification_failures_by_kind_total{kind=\"") + kChannelKinds[i] +
           "\"} " + std::to_string(counters_.failuresByKind[i].load()) + "\n";
  }
  metric("parc_notifications_given_up", "gauge",
         "Notifications abandoned after failing for the give-up delay (48 h).",
         double(alerts_->countNotifications("failed")));
  metric("parc_metrics_database_bytes", "gauge", "Size of metrics.sqlite in use.",
         double(metrics_->sizeBytes()));
  return out;
}

}  // namespace parc::server::alerts
