#include "cli/api_client.h"

#include "common/error.h"
#include "common/files/files.h"

namespace parc::cli {

namespace {

std::shared_ptr<tls::TlsContext> trustFor(const SessionFile& s) {
  tls::ClientTlsConfig config;
  config.pinnedFingerprint = s.caFingerprint;
  if (!s.caFile.empty()) config.caBundlePem = files::read(s.caFile);
  return tls::TlsContext::client(config);
}

net::Endpoint endpointOf(const SessionFile& s) {
  if (s.server.empty())
    throw Error(ErrorKind::kBadRequest, "no server: run `parcctl login --server https://…` first");
  return net::parseUrl(s.server);
}

}  // namespace

ApiClient::ApiClient(const SessionFile& session)
    : session_(session), client_(endpointOf(session), trustFor(session)) {}

Json ApiClient::call(const std::string& method, const std::string& path, const Json& body) const {
  net::Request req;
  req.method = method;
  req.target = path;
  if (!session_.token.empty()) req.headers["authorization"] = "Bearer " + session_.token;
  if (!body.is_null()) {
    req.headers["content-type"] = "application/json";
    req.body = body.dump();
  }
  net::Response res = client_.send(req);
  Json answer;
  try {
    answer = parseJson(res.body);
  } catch (const Error&) {
    answer = Json::object();
  }
  if (res.status / 100 != 2) {
    std::string message =
        answer.is_object() ? answer.value("message", std::string()) : std::string();
    if (message.empty()) message = "HTTP " + std::to_string(res.status);
    throw Error(kindFromHttpStatus(res.status), message);
  }
  return answer;
}

}  // namespace parc::cli
