#include "server/api/batch_checks.h"

#include <set>
#include <string>

#include "common/crypto/hash.h"
#include "common/error.h"
#include "common/protocol/messages.h"

namespace parc::server::api {

namespace {

// A string field an agent may leave out; of another type, the message is refused
// (nlohmann's value() would throw its own type_error, past the parc::Error contract).
std::string text(const Json& j, const char* key) {
  auto v = j.find(key);
  if (v == j.end() || v->is_null()) return {};
  if (!v->is_string())
    throw Error(ErrorKind::kBadRequest, std::string("'") + key + "' must be a string");
  return v->get<std::string>();
}

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

// "full" and "base" (docs/protocol.md, "Inventory deltas"). Agents before deltas send
// neither: their inventories are full.
void readDeltaFields(const Json& payload, store::InventoryWrite& w) {
  auto full = payload.find("full");
  if (full != payload.end() && !full->is_boolean())
    throw Error(ErrorKind::kBadRequest, "inventory 'full' must be true or false");
  w.full = full == payload.end() || full->get<bool>();
  w.agentHash = text(payload, "hash");
  auto base = payload.find("base");
  if (base != payload.end() && base->is_string()) w.base = base->get<std::string>();
  if (!w.full && w.base.empty())
    throw Error(ErrorKind::kBadRequest, "inventory delta without 'base'");
  if (!w.full && w.agentHash.empty())
    throw Error(ErrorKind::kBadRequest, "inventory delta without 'hash'");
}

// The agent's own "clone_suspected" {"recorded", "current"} (docs/inventory.md, "Cloned
// PCs"), kept with the report; bounded, since the agent is not trusted to be reasonable.
std::string cloneFlag(const Json& payload) {
  auto flag = payload.find("clone_suspected");
  if (flag == payload.end() || flag->is_null()) return {};
  if (!flag->is_object())
    throw Error(ErrorKind::kBadRequest, "inventory 'clone_suspected' must be an object");
  std::string text = protocol::canonical(*flag);
  if (text.size() > 4096)
    throw Error(ErrorKind::kTooLarge, "inventory 'clone_suspected' is too large");
  return text;
}

const std::set<std::string> kMessageTypes = {"inventory", "event", "metrics", "action_result"};

}  // namespace

store::IncomingMessage checkMessage(const Json& m, store::Id hostId, store::Time now) {
  if (!m.is_object()) throw Error(ErrorKind::kBadRequest, "message must be an object");
  store::IncomingMessage in;
  in.id = text(m, "id");
  if (in.id.empty() || in.id.size() > 64)
    throw Error(ErrorKind::kBadRequest, "message id must be 1 to 64 characters");
  in.type = text(m, "type");
  if (!kMessageTypes.count(in.type))
    throw Error(ErrorKind::kBadRequest, "unknown message type '" + in.type.substr(0, 32) + "'");
  auto created = m.find("created_at");
  in.createdAt =
      created != m.end() && created->is_number_integer() ? created->get<store::Time>() : now;
  auto payload = m.find("payload");
  if (payload == m.end() || !payload->is_object())
    throw Error(ErrorKind::kBadRequest, "payload must be an object");
  if (in.type == "inventory") {
    auto inv = payload->find("inventory");
    if (inv == payload->end() || !inv->is_object())
      throw Error(ErrorKind::kBadRequest, "inventory payload without 'inventory'");
    protocol::InventoryReport report{in.id, text(*payload, "collected_at"),
                                     text(*payload, "agent_version"), text(*payload, "hash"), *inv};
    in.inventory = summarise(report, hostId, now);
    readDeltaFields(*payload, *in.inventory);
    in.inventory->cloneFlag = cloneFlag(*payload);
  } else if (in.type != "metrics") {
    in.payload = protocol::canonical(*payload);
  }
  // Metrics are read where they are, in the body (CheckedBatch::metrics): the health store
  // keeps their points, not their text (a copy is made only for a server without it).
  return in;
}

CheckedBatch checkBatch(const Json& body, store::Id hostId, store::Time now) {
  if (!body.is_object()) throw Error(ErrorKind::kBadRequest, "expected a JSON object");
  auto version = body.find("version");
  if (version == body.end() || !version->is_number_integer() ||
      version->get<std::int64_t>() != protocol::kVersion) {
    throw Error(ErrorKind::kBadRequest, "unsupported message version (expected " +
                                            std::to_string(protocol::kVersion) + ")");
  }
  auto list = body.find("messages");
  if (list == body.end() || !list->is_array())
    throw Error(ErrorKind::kBadRequest, "field 'messages' must be an array");
  if (list->size() > kMaxBatch)
    throw Error(ErrorKind::kTooLarge,
                "at most " + std::to_string(kMaxBatch) + " messages per batch");

  CheckedBatch p;
  for (const auto& m : *list) {
    try {
      p.valid.push_back(checkMessage(m, hostId, now));
      p.metrics.push_back(p.valid.back().type == "metrics" ? &m.at("payload") : nullptr);
      p.validIndex.push_back(p.results.size());
      p.results.push_back(Json{{"id", p.valid.back().id}, {"status", "stored"}});
    } catch (const Error& e) {
      std::string id = m.is_object() && m.contains("id") && m["id"].is_string()
                           ? m["id"].get<std::string>()
                           : "";
      p.results.push_back(Json{{"id", id}, {"status", "rejected"}, {"error", e.what()}});
    }
  }
  if (auto evicted = body.find("evicted");
      evicted != body.end() && evicted->is_object() && !evicted->empty()) {
    p.valid.push_back(
        store::IncomingMessage{"evicted-" + crypto::uuid4(),
                               "event",
                               now,
                               Json{{"kind", "outbox_eviction"}, {"evicted", *evicted}}.dump(),
                               {}});
    p.metrics.push_back(nullptr);
  }
  return p;
}

}  // namespace parc::server::api
