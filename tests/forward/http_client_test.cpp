// parc_net's plain-HTTP client (common/net/client.h), against a real local server.
#include <gtest/gtest.h>

#include "common/error.h"
#include "common/net/client.h"
#include "server/forward/zlib_codec.h"
#include "tests/forward/receiver.h"

namespace parc::testing {
namespace {

using namespace std::chrono_literals;

TEST(HttpClient, PostsAndReadsTheAnswer) {
  TempDir tmp;
  GlpiReceiver receiver(tmp.path() / "glpi");
  net::HttpClient client({"127.0.0.1", receiver.port()}, 10s);
  net::Request r;
  r.method = "POST";
  r.target = "/front/inventory.php";
  r.headers["content-type"] = "application/json";
  r.headers["glpi-agent-id"] = "3a609a2e-947f-4e6a-9af9-32c024ac3944";
  r.headers["user-agent"] = "Parc-Agent/test";
  r.body = R"({"action":"inventory"})";  // not schema-valid: the receiver refuses it
  net::Response res = client.send(r);
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.headers["content-type"], "application/json");
  Json answer = Json::parse(res.body);
  EXPECT_EQ(answer["status"], "error");
  auto got = receiver.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["path"], "/front/inventory.php");
  EXPECT_EQ(got[0]["agent_id"], "3a609a2e-947f-4e6a-9af9-32c024ac3944");
  EXPECT_EQ(got[0]["user_agent"], "Parc-Agent/test");  // ours replaces the default
  EXPECT_EQ(got[0]["bytes"], r.body.size());
}

TEST(HttpClient, UnreachableServerIsUnavailable) {
  TempDir tmp;
  std::uint16_t port = 0;
  {
    GlpiReceiver receiver(tmp.path() / "glpi");
    port = receiver.port();
  }  // stopped: nothing listens there now
  net::HttpClient client({"127.0.0.1", port}, 5s);
  net::Request r;
  r.method = "GET";
  r.target = "/";
  try {
    client.send(r);
    FAIL() << "expected a failure";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnavailable);
    EXPECT_NE(std::string(e.what()).find("http://127.0.0.1:" + std::to_string(port)),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace parc::testing
