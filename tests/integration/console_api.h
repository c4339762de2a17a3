#pragma once
// The console's REST API as integration tests speak it: HTTPS pinned to the test
// server's CA, bearer tokens, JSON bodies. Header-only; the test target links parc::net.
// A fixture derives from it and calls connect() once its ServerFixture runs.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "common/json/json.h"
#include "common/net/client.h"
#include "common/tls/tls_context.h"
#include "tests/integration/harness.h"

namespace parc::testing {

class ConsoleApi {
 public:
  using Headers = std::map<std::string, std::string>;

  void connect(const ServerFixture& server,
               std::chrono::seconds timeout = std::chrono::seconds(20)) {
    tls::ClientTlsConfig pinned;
    pinned.pinnedFingerprint = server.caFingerprint;
    console = std::make_unique<net::HttpsClient>(net::parseUrl(server.consoleUrl),
                                                 tls::TlsContext::client(pinned), timeout);
  }

  net::Response call(const std::string& method, const std::string& path, const std::string& token,
                     const Json& body = nullptr, Headers headers = {}) {
    if (!token.empty()) headers["authorization"] = "Bearer " + token;
    std::string text = body.is_null() ? std::string() : body.dump();
    if (!text.empty()) headers["content-type"] = "application/json";
    return console->send({method, path, headers, text, {}, {}});
  }

  /// call() that expects success (fails the test otherwise) and parses the answer.
  Json ok(const std::string& method, const std::string& path, const std::string& token,
          const Json& body = nullptr) {
    net::Response r = call(method, path, token, body);
    EXPECT_LT(r.status, 300) << method << " " << path << ": " << r.body;
    return parseJson(r.body);
  }

  /// A session token ("" and a test failure when refused).
  std::string login(const std::string& user, const std::string& password) {
    net::Response r =
        call("POST", "/api/v1/login", "", Json{{"username", user}, {"password", password}});
    EXPECT_EQ(r.status, 200) << r.body;
    return parseJson(r.body).value("token", "");
  }

  std::unique_ptr<net::HttpsClient> console;
};

}  // namespace parc::testing
