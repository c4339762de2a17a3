#include "server/api/router.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace parc::server::api {
namespace {

using auth::Permission;

net::Response ok(Context&) {
  return jsonResponse(200, Json::object());
}

TEST(Router, MatchesMethodsAndParameters) {
  Router r;
  r.add("GET", "/api/v1/hosts", Permission::kHostsRead, ok);
  r.add("GET", "/api/v1/hosts/{id}", Permission::kHostsRead, ok);
  r.add("POST", "/api/v1/tokens/{id}/revoke", Permission::kTokensWrite, ok);

  auto m = r.match("GET", "/api/v1/hosts/42");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/v1/hosts/{id}");
  EXPECT_EQ(m.params["id"], "42");

  auto wrongMethod = r.match("DELETE", "/api/v1/hosts/42");
  EXPECT_EQ(wrongMethod.route, nullptr);
  EXPECT_TRUE(wrongMethod.pathKnown);

  auto unknown = r.match("GET", "/api/v1/nothing");
  EXPECT_EQ(unknown.route, nullptr);
  EXPECT_FALSE(unknown.pathKnown);
  EXPECT_EQ(r.match("GET", "/api/v1/hosts/42/extra").route, nullptr);
}

TEST(Router, IdParametersMustBePositiveIntegers) {
  net::Request req;
  for (const std::string bad : {"abc", "-1", "0", "1e3", "12abc", "99999999999999999999999"}) {
    Context ctx{req, {{"id", bad}}, {}, 0};
    try {
      ctx.id("id");
      FAIL() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kNotFound) << bad;
    }
  }
  Context good{req, {{"id", "17"}}, {}, 0};
  EXPECT_EQ(good.id("id"), 17);
}

TEST(Permissions, RolesGetWhatTheyNeedAndNoMore) {
  using store::Role;
  EXPECT_TRUE(auth::roleAllows(Role::kAdministrator, Permission::kTenantsWrite));
  EXPECT_TRUE(auth::roleAllows(Role::kTechnician, Permission::kTokensWrite));
  EXPECT_FALSE(auth::roleAllows(Role::kTechnician, Permission::kTenantsWrite));
  EXPECT_FALSE(auth::roleAllows(Role::kHelpdesk, Permission::kTokensWrite));
  EXPECT_FALSE(auth::roleAllows(Role::kReadOnly, Permission::kTokensRead));
  EXPECT_FALSE(auth::roleAllows(Role::kTownHallStaff, Permission::kAuditRead));
  for (Role r : {Role::kAdministrator, Role::kTechnician, Role::kHelpdesk, Role::kReadOnly,
                 Role::kTownHallStaff}) {
    EXPECT_FALSE(auth::roleAllows(r, Permission::kAgent)) << store::roleName(r);
  }
}

TEST(Responses, InvalidUtf8FromAgentsIsReplacedNotFatal) {
  auto res = jsonResponse(200, Json{{"hostname", std::string("pc\xff\xfe")}});
  EXPECT_EQ(res.status, 200);
  EXPECT_NE(res.body.find("pc"), std::string::npos);
  EXPECT_NO_THROW(parseJson(res.body));
}

}  // namespace
}  // namespace parc::server::api
