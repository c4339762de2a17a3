#include "server/forward/glpi_client.h"

#include <openssl/ssl.h>

#include "common/error.h"
#include "common/files/files.h"
#include "common/json/json.h"
#include "common/net/client.h"
#include "server/forward/zlib_codec.h"

namespace parc::server::forward {

namespace {

constexpr std::size_t kMaxAnswerBytes = 1024 * 1024;  // GLPI answers a few hundred bytes

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A short printable excerpt of what a peer sent, for status and logs.
std::string excerpt(const std::string& body) {
  std::string out;
  for (char c : body.substr(0, 120)) {
    unsigned char u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7f ? c : '?');
  }
  return body.size() > 120 ? out + "…" : out;
}

// The HTTP statuses that are about the document sent, not about the server.
bool aboutTheDocument(int status) {
  return status == 400 || status == 413 || status == 415 || status == 422;
}

}  // namespace

net::Request buildGlpiRequest(const GlpiTarget& target, const std::string& glpiJson,
                              const std::string& agentId) {
  net::Request r;
  r.method = "POST";
  r.target = target.endpoint.path;
  r.headers["glpi-agent-id"] = agentId;
  r.headers["user-agent"] = std::string("Parc-Agent/") + PARC_VERSION;
  r.headers["pragma"] = "no-cache";
  if (target.compress) {
    r.headers["content-type"] = "application/x-compress-zlib";
    r.body = zlibCompress(glpiJson);
  } else {
    r.headers["content-type"] = "application/json";
    r.body = glpiJson;
  }
  return r;
}

DeliveryOutcome interpretGlpiAnswer(const net::Response& response) {
  DeliveryOutcome out;
  out.httpStatus = response.status;
  std::string body = response.body;
  auto ct = response.headers.find("content-type");
  std::string type = ct == response.headers.end() ? "" : lower(ct->second);
  type = type.substr(0, type.find(';'));
  bool decoded = true;
  if (type.find("zlib") != std::string::npos || type.find("gzip") != std::string::npos ||
      type.find("deflate") != std::string::npos) {
    try {
      body = zlibInflate(body, kMaxAnswerBytes);
    } catch (const Error&) {
      decoded = false;
    }
  }
  std::optional<Json> answer;
  if (decoded) {
    try {
      Json j = parseJson(body, 16);
      if (j.is_object()) answer = std::move(j);
    } catch (const Error&) {
    }
  }
  std::string status = answer ? answer->value("status", std::string()) : std::string();
  std::string message = answer && answer->contains("message") && (*answer)["message"].is_string()
                            ? (*answer)["message"].get<std::string>()
                            : std::string();
  bool ok2xx = response.status >= 200 && response.status < 300;
  if (ok2xx && status == "ok") {
    out.kind = DeliveryOutcome::Kind::kDelivered;
    out.message = "ok";
    return out;
  }
  std::string what = "GLPI answered HTTP " + std::to_string(response.status);
  if (!answer) {
    out.kind = DeliveryOutcome::Kind::kServerFailed;
    out.message = what + " without GLPI's JSON answer" +
                  (body.empty() ? std::string() : ": " + excerpt(decoded ? body : "(corrupt)"));
    return out;
  }
  out.message =
      what + (message.empty() ? ", status '" + excerpt(status) + "'" : ": " + excerpt(message));
  out.kind = aboutTheDocument(response.status) || (ok2xx && status == "error")
                 ? DeliveryOutcome::Kind::kRefused
                 : DeliveryOutcome::Kind::kServerFailed;
  return out;
}

GlpiClient::GlpiClient(GlpiTarget target) : target_(std::move(target)) {
  if (!target_.endpoint.tls) return;
  tls::ClientTlsConfig config;
  if (!target_.caFile.empty()) {
    auto pem = files::tryRead(target_.caFile);
    if (!pem)
      throw Error(ErrorKind::kBadRequest, "[[glpi_forward]] " + target_.who() +
                                              ": cannot read ca_file " + target_.caFile.string());
    config.caBundlePem = *pem;
  }
  try {
    tls_ = tls::TlsContext::client(config);
  } catch (const Error& e) {
    throw Error(ErrorKind::kBadRequest,
                "[[glpi_forward]] " + target_.who() + ": TLS trust: " + e.what());
  }
  // Parc's own links are TLS 1.3 only; a town hall's GLPI behind an older Apache may
  // offer only TLS 1.2, which OpenSSL 3's defaults (security level 2) still keep safe.
  SSL_CTX_set_min_proto_version(tls_->native(), TLS1_2_VERSION);
}

DeliveryOutcome GlpiClient::send(const std::string& glpiJson, const std::string& agentId) const {
  net::Request request = buildGlpiRequest(target_, glpiJson, agentId);
  net::Endpoint endpoint{target_.endpoint.host, target_.endpoint.port};
  try {
    net::Response response = target_.endpoint.tls
                                 ? net::HttpsClient(endpoint, tls_, target_.timeout).send(request)
                                 : net::HttpClient(endpoint, target_.timeout).send(request);
    return interpretGlpiAnswer(response);
  } catch (const Error& e) {
    DeliveryOutcome out;
    out.kind = DeliveryOutcome::Kind::kServerFailed;
    out.message = e.what();
    return out;
  }
}

}  // namespace parc::server::forward
