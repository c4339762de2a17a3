#include "cli/api_client.h"

#include <cstdlib>

#include "common/error.h"
#include "common/files/files.h"
#include "common/text/percent_encoding.h"

namespace parc::cli {

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

SessionFile withApiToken(SessionFile s) {
  // Scripts authenticate with an API token instead of a signed-in session.
  if (const char* token = std::getenv("PARC_API_TOKEN"); token && *token) s.token = token;
  return s;
}

ApiClient::ApiClient(const SessionFile& session)
    : session_(withApiToken(session)), client_(endpointOf(session), trustFor(session)) {}

net::Response ApiClient::send(const std::string& method, const std::string& path,
                              const Json& body) const {
  net::Request req;
  req.method = method;
  req.target = path;
  if (!session_.token.empty()) req.headers["authorization"] = "Bearer " + session_.token;
  if (!body.is_null()) {
    req.headers["content-type"] = "application/json";
    req.body = body.dump();
  }
  return client_.send(req);
}

namespace {

Json checked(const net::Response& res) {
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

}  // namespace

Json ApiClient::call(const std::string& method, const std::string& path, const Json& body) const {
  return checked(send(method, path, body));
}

std::string ApiClient::callText(const std::string& method, const std::string& path) const {
  net::Response res = send(method, path);
  if (res.status / 100 != 2) checked(res);
  return res.body;
}

}  // namespace parc::cli
