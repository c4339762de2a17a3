#include "agent/transport/uplink.h"

#include <spdlog/spdlog.h>

#include "common/compress/zstd.h"
#include "common/error.h"
#include "common/protocol/messages.h"

namespace parc::agent::transport {

Uplink::Uplink(const Identity& identity)
    : client_(net::parseUrl(identity.server), clientTls(identity)) {}

Json Uplink::post(const std::string& path, const Json& body) const {
  net::Request req;
  req.method = "POST";
  req.target = path;
  req.headers = {{"content-type", "application/json"}, {"content-encoding", "zstd"}};
  req.body = compress::zstdCompress(body.dump());
  net::Response res = client_.send(req);
  Json answer;
  try {
    answer = parseJson(res.body);
  } catch (const Error&) {
    answer = Json::object();
  }
  if (res.status / 100 != 2) {
    std::string reason = answer.is_object() ? answer.value("message", res.body) : res.body;
    throw Error(kindFromHttpStatus(res.status),
                "server refused " + path + " (" + std::to_string(res.status) + "): " + reason);
  }
  return answer;
}

Json batchBody(const std::vector<OutboxMessage>& batch,
               const std::map<std::string, std::int64_t>& evicted) {
  Json messages = Json::array();
  for (const auto& m : batch) {
    messages.push_back(Json{{"id", m.id},
                            {"type", m.type},
                            {"created_at", m.createdAt},
                            {"payload", parseJson(m.payload, 256)}});
  }
  Json body{{"version", protocol::kVersion}, {"messages", messages}};
  if (!evicted.empty()) body["evicted"] = evicted;
  return body;
}

BatchResult batchResult(const Json& results) {
  BatchResult result;
  if (!results.is_array()) return result;
  for (const auto& r : results) {
    if (!r.is_object()) continue;
    std::string id = r.value("id", ""), status = r.value("status", "");
    if (status == "stored" || status == "duplicate" || status == "rejected")
      result.done.push_back(id);
    if (status == "rejected") result.rejected.emplace_back(id, r.value("error", ""));
  }
  return result;
}

BatchResult Uplink::sendBatch(const std::vector<OutboxMessage>& batch,
                              const std::map<std::string, std::int64_t>& evicted) const {
  return sendBody(batchBody(batch, evicted));
}

BatchResult Uplink::sendBody(const Json& body) const {
  Json answer = post("/api/v1/messages", body);
  return batchResult(answer.is_object() ? answer.value("results", Json::array()) : Json::array());
}

std::size_t drainOutbox(Outbox& outbox, const Uplink& uplink, const BatchObserver& observer) {
  return drainOutbox(
      outbox, [&uplink](const auto& batch, const auto& evicted) { return uplink.sendBatch(batch, evicted); },
      observer);
}

std::size_t drainOutbox(Outbox& outbox, const BatchSender& send, const BatchObserver& observer) {
  constexpr std::size_t kBatchMessages = 200;
  constexpr std::size_t kBatchBytes = 2 * 1024 * 1024;
  std::size_t acknowledged = 0;
  for (;;) {
    auto batch = outbox.peek(kBatchMessages, kBatchBytes);
    if (batch.empty()) return acknowledged;
    auto evicted = outbox.evicted();
    BatchResult result = send(batch, evicted);
    for (const auto& [id, reason] : result.rejected) {
      spdlog::error("server rejected message {}: {} (dropped)", id, reason);
    }
    outbox.remove(result.done);
    outbox.evictionReported(evicted);
    if (observer) observer(result);
    acknowledged += result.done.size();
    if (result.done.empty()) {
      throw Error(ErrorKind::kUnavailable,
                  "server acknowledged none of a batch of " + std::to_string(batch.size()));
    }
  }
}

}  // namespace parc::agent::transport
