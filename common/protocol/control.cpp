#include "common/protocol/control.h"

#include <algorithm>
#include <utility>

#include "common/error.h"

namespace parc::protocol {

namespace {
// A day: the agent caps the wait at its own retry_max anyway; this only keeps the
// figure far from overflowing whatever adds to it.
constexpr std::uint64_t kMaxRetryAfterMs = 24ULL * 3600 * 1000;

std::string text(const Json& j, const char* key, bool required) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required)
      throw Error(ErrorKind::kBadRequest, std::string("control message without '") + key + "'");
    return {};
  }
  if (!it->is_string())
    throw Error(ErrorKind::kBadRequest, std::string("'") + key + "' must be a string");
  return it->get<std::string>();
}

Json objectOr(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Json::object();
  if (!it->is_object())
    throw Error(ErrorKind::kBadRequest, std::string("'") + key + "' must be an object");
  return *it;
}
}  // namespace

Json toJson(const Command& c) {
  return Json{{"v", kControlVersion}, {"type", "command"},      {"id", c.id},
              {"command", c.name},    {"deadline", c.deadline}, {"payload", c.payload}};
}

Json toJson(const Reply& r) {
  Json j{{"v", kControlVersion},
         {"type", "reply"},
         {"id", r.id},
         {"status", r.status},
         {"result", r.result}};
  if (!r.error.empty()) j["error"] = r.error;
  return j;
}

Json toJson(const Hello& h) {
  return Json{{"v", kControlVersion}, {"type", "hello"}, {"agent_version", h.agentVersion}};
}

Json toJson(const Report& r) {
  return Json{{"v", kControlVersion}, {"type", "report"}, {"id", r.id}, {"batch", r.batch}};
}

Json toJson(const ReportAck& a) {
  Json j{{"v", kControlVersion}, {"type", "report_ack"}, {"id", a.id}};
  if (a.error.empty()) {
    j["results"] = a.results;
  } else {
    j["error"] = a.error;
    j["status"] = a.status;
    if (a.retryAfter.count() > 0) j["retry_after_ms"] = a.retryAfter.count();
  }
  return j;
}

std::string controlType(const Json& message) {
  if (!message.is_object())
    throw Error(ErrorKind::kBadRequest, "control message must be a JSON object");
  auto v = message.find("v");
  if (v == message.end() || !v->is_number_integer() || v->get<int>() != kControlVersion) {
    throw Error(ErrorKind::kBadRequest, "unsupported control message version");
  }
  return text(message, "type", true);
}

Command commandFromJson(const Json& j) {
  Command c;
  c.id = text(j, "id", true);
  c.name = text(j, "command", true);
  auto d = j.find("deadline");
  if (d == j.end() || !d->is_number_integer())
    throw Error(ErrorKind::kBadRequest, "command without a deadline");
  c.deadline = d->get<std::int64_t>();
  c.payload = objectOr(j, "payload");
  return c;
}

Reply replyFromJson(const Json& j) {
  Reply r;
  r.id = text(j, "id", true);
  r.status = text(j, "status", true);
  if (r.status != "ok" && r.status != "error" && r.status != "refused") {
    throw Error(ErrorKind::kBadRequest, "reply status must be ok, error or refused");
  }
  r.result = objectOr(j, "result");
  r.error = text(j, "error", false);
  return r;
}

Hello helloFromJson(const Json& j) {
  return Hello{text(j, "agent_version", false)};
}

namespace {
std::string reportId(const Json& j) {
  std::string id = text(j, "id", true);
  if (id.empty() || id.size() > 64) throw Error(ErrorKind::kBadRequest, "report id: 1 to 64 bytes");
  return id;
}
}  // namespace

Report reportFromJson(const Json& j) {
  return Report{reportId(j), objectOr(j, "batch")};
}

Report reportFromJson(Json&& j) {
  Report r{reportId(j), {}};  // checked first: a refused report keeps its whole body
  auto batch = j.find("batch");
  r.batch = batch != j.end() && batch->is_object() ? std::move(*batch) : objectOr(j, "batch");
  return r;
}

ReportAck reportAckFromJson(const Json& j) {
  ReportAck a;
  a.id = text(j, "id", true);
  a.error = text(j, "error", false);
  if (!a.error.empty()) {
    auto status = j.find("status");
    a.status = status != j.end() && status->is_number_integer() ? status->get<int>() : 500;
    // A hint only: one that is not a whole number of milliseconds is no hint.
    auto retry = j.find("retry_after_ms");
    if (retry != j.end() && retry->is_number_integer() && *retry >= 0)
      a.retryAfter = std::chrono::milliseconds(
          std::min<std::uint64_t>(retry->get<std::uint64_t>(), kMaxRetryAfterMs));
    return a;
  }
  auto results = j.find("results");
  if (results == j.end() || !results->is_array())
    throw Error(ErrorKind::kBadRequest, "report_ack without results or error");
  a.results = *results;
  return a;
}

}  // namespace parc::protocol
