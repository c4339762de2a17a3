#include "agent/transport/uplink.h"

#include "common/compress/zstd.h"
#include "common/error.h"

namespace parc::agent::transport {

namespace {

std::shared_ptr<tls::TlsContext> agentTls(const Identity& identity) {
  tls::ClientTlsConfig config;
  config.caBundlePem = identity.caBundlePem;
  config.certificatePem = identity.certificatePem;
  config.privateKeyPem = identity.privateKeyPem;
  return tls::TlsContext::client(config);
}

}  // namespace

Uplink::Uplink(const Identity& identity)
    : client_(net::parseUrl(identity.server), agentTls(identity)) {}

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

protocol::Ack Uplink::sendInventory(const protocol::InventoryReport& report) const {
  return fromJson<protocol::Ack>(post("/api/v1/inventory", report), "acknowledgement");
}

}  // namespace parc::agent::transport
