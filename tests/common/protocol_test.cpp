#include <gtest/gtest.h>

#include "common/error.h"
#include "common/protocol/messages.h"

namespace parc::protocol {
namespace {

ErrorKind kindOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  return ErrorKind::kInternal;
}

TEST(Json, ClipUtf8CutsOnACharacterBoundary) {
  EXPECT_EQ(clipUtf8("abc", 3), "abc");
  EXPECT_EQ(clipUtf8("abcd", 3), "abc…");
  // "é" is two bytes: cutting at 2 would split it, so the cut moves before it.
  EXPECT_EQ(clipUtf8("aéb", 2), "a…");
  EXPECT_EQ(clipUtf8("aéb", 3), "aé…");
  EXPECT_NO_THROW(parseJson(Json(clipUtf8("€€€", 4)).dump()));
}

TEST(Protocol, EnrollRequestRoundTrip) {
  EnrollRequest in{"parc_enr_x", "-----BEGIN CERTIFICATE REQUEST-----", "pc-mairie", "pc-2026"};
  auto out = fromJson<EnrollRequest>(parseJson(Json(in).dump()), "req");
  EXPECT_EQ(out.token, in.token);
  EXPECT_EQ(out.csrPem, in.csrPem);
  EXPECT_EQ(out.hostname, in.hostname);
  EXPECT_EQ(out.deviceId, in.deviceId);
}

TEST(Protocol, EnrollRequestNeedsTokenAndCsr) {
  EXPECT_EQ(kindOf([] {
              fromJson<EnrollRequest>(Json{{"csr", "x"}}, "req");
            }),
            ErrorKind::kBadRequest);
  EXPECT_EQ(kindOf([] {
              fromJson<EnrollRequest>(Json{{"token", "t"}, {"csr", ""}}, "req");
            }),
            ErrorKind::kBadRequest);
  EXPECT_EQ(kindOf([] {
              fromJson<EnrollRequest>(Json{{"token", 5}, {"csr", "x"}}, "req");
            }),
            ErrorKind::kBadRequest);
  EXPECT_EQ(kindOf([] { fromJson<EnrollRequest>(Json::array(), "req"); }), ErrorKind::kBadRequest);
  EXPECT_EQ(kindOf([] {
              fromJson<EnrollRequest>(Json{{"token", "t"}, {"csr", "x"}, {"hostname", 3}}, "req");
            }),
            ErrorKind::kBadRequest);
}

TEST(Protocol, EnrollResponseRoundTrip) {
  EnrollResponse in{42, 7, "CERT", "CA"};
  auto out = fromJson<EnrollResponse>(Json(in), "resp");
  EXPECT_EQ(out.hostId, 42);
  EXPECT_EQ(out.tenantId, 7);
  EXPECT_EQ(out.certificatePem, "CERT");
  EXPECT_EQ(out.caBundlePem, "CA");
}

TEST(Protocol, InventoryReportRoundTripKeepsTheDocument) {
  InventoryReport in{"id-1", "2026-11-29T10:00:00Z", "0.1.0", "abc",
                     Json{{"os", {{"pretty_name", "Debian"}}}, {"cpu", {{"cores", 4}}}}};
  Json wire = in;
  EXPECT_EQ(wire["version"], kVersion);
  auto out = fromJson<InventoryReport>(wire, "report");
  EXPECT_EQ(out.messageId, "id-1");
  EXPECT_EQ(out.inventory, in.inventory);
}

TEST(Protocol, InventoryReportRefusesWrongVersionAndShapes) {
  Json good = InventoryReport{"id", "", "", "", Json::object()};
  Json v2 = good;
  v2["version"] = 2;
  EXPECT_EQ(kindOf([&] { fromJson<InventoryReport>(v2, "r"); }), ErrorKind::kBadRequest);
  Json noVersion = good;
  noVersion.erase("version");
  EXPECT_EQ(kindOf([&] { fromJson<InventoryReport>(noVersion, "r"); }), ErrorKind::kBadRequest);
  Json badInventory = good;
  badInventory["inventory"] = "text";
  EXPECT_EQ(kindOf([&] { fromJson<InventoryReport>(badInventory, "r"); }), ErrorKind::kBadRequest);
  Json longId = good;
  longId["message_id"] = std::string(65, 'a');
  EXPECT_EQ(kindOf([&] { fromJson<InventoryReport>(longId, "r"); }), ErrorKind::kBadRequest);
}

TEST(Protocol, CanonicalFormIsKeyOrderIndependent) {
  Json a = parseJson(R"({"b":1,"a":{"d":2,"c":3}})");
  Json b = parseJson(R"({"a":{"c":3,"d":2},"b":1})");
  EXPECT_EQ(canonical(a), canonical(b));
  EXPECT_EQ(canonical(a), R"({"a":{"c":3,"d":2},"b":1})");
}

TEST(Protocol, NowIsRfc3339Utc) {
  auto now = nowRfc3339();
  EXPECT_EQ(now.size(), 20u);
  EXPECT_EQ(now.back(), 'Z');
  EXPECT_EQ(now[10], 'T');
}

TEST(Json, DepthLimitStopsDeepNesting) {
  std::string deep(100, '[');
  deep += std::string(100, ']');
  EXPECT_EQ(kindOf([&] { parseJson(deep, 64); }), ErrorKind::kBadRequest);
  EXPECT_NO_THROW(parseJson(deep, 128));
  // The limit is the number of arrays and objects inside one another, scalars or not.
  EXPECT_NO_THROW(parseJson(R"({"a": [{"b": 1}]})", 3));
  EXPECT_EQ(kindOf([&] { parseJson(R"({"a": [{"b": []}]})", 3); }), ErrorKind::kBadRequest);
  EXPECT_EQ(kindOf([&] { parseJson(R"({"a": [{"b": {}}]})", 3); }), ErrorKind::kBadRequest);
  // Brackets in strings, escaped quotes among them, are text.
  EXPECT_EQ(parseJson(R"(["[[[[", "\"{{{{\"", "\\"])", 1).size(), 3U);
  EXPECT_EQ(kindOf([&] { parseJson(R"(["\"", [1]])", 1); }), ErrorKind::kBadRequest);
}

TEST(Json, MalformedIsBadRequest) {
  EXPECT_EQ(kindOf([] { parseJson("{\"a\":"); }), ErrorKind::kBadRequest);
  EXPECT_EQ(kindOf([] { parseJson(""); }), ErrorKind::kBadRequest);
  EXPECT_EQ(kindOf([] { parseJson("{} trailing"); }), ErrorKind::kBadRequest);
}

}  // namespace
}  // namespace parc::protocol
