#include "agent/transport/outbox.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <set>

#include "agent/control/commands.h"
#include "common/error.h"
#include "common/protocol/control.h"

namespace parc::agent::transport {
namespace {

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("parc-outbox-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path file() const { return dir_ / "outbox.db"; }
  std::filesystem::path dir_;
};

TEST_F(OutboxTest, KeepsOrderAndRemovesOnlyAcknowledged) {
  Outbox box(file());
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(box.enqueue("event", Json{{"n", i}}, 100 + i));
  auto batch = box.peek(3, 1 << 20);
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch[0].id, ids[0]);
  EXPECT_EQ(batch[2].id, ids[2]);
  EXPECT_EQ(parseJson(batch[1].payload)["n"], 1);
  box.remove({ids[0], ids[2]});
  auto rest = box.peek(10, 1 << 20);
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[0].id, ids[1]);
  EXPECT_EQ(rest[1].id, ids[3]);
}

TEST_F(OutboxTest, ReleasesItsCachedPagesOnceDeliveredAndGoesOnWorking) {
  Outbox box(file());
  // An inventory's worth of payload that compression cannot shrink.
  std::string noise;
  std::uint64_t x = 88172645463325252ULL;
  for (int i = 0; i < 400'000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;  // xorshift
    noise += static_cast<char>('a' + x % 26);
  }
  auto id = box.enqueue("inventory", Json{{"noise", noise}}, 1);
  ASSERT_EQ(box.peek(10, 1 << 22).size(), 1u);
  box.remove({id});
  sqlite3_int64 before = sqlite3_memory_used();
  box.releaseMemory();
  EXPECT_LT(sqlite3_memory_used(), before - 200'000) << "the page cache was kept";
  auto next = box.enqueue("event", Json{{"n", 1}}, 2);
  auto batch = box.peek(10, 1 << 20);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0].id, next);
}

TEST_F(OutboxTest, PeekHonoursTheByteBudgetButAlwaysGivesOne) {
  Outbox box(file());
  box.enqueue("event", Json{{"big", std::string(5000, 'x')}}, 1);
  box.enqueue("event", Json{{"big", std::string(5000, 'x')}}, 2);
  EXPECT_EQ(box.peek(10, 100).size(), 1u);
  EXPECT_EQ(box.peek(10, 20000).size(), 2u);
}

TEST_F(OutboxTest, SurvivesReopenAsAfterACrash) {
  std::string id;
  {
    Outbox box(file());
    id = box.enqueue("event", Json{{"kept", true}}, 1);
  }
  Outbox again(file());
  auto batch = again.peek(10, 1 << 20);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0].id, id);
}

TEST_F(OutboxTest, NewInventorySupersedesUnsentOne) {
  Outbox box(file());
  box.enqueue("inventory", Json{{"v", 1}}, 1);
  box.enqueue("event", Json{{"e", 1}}, 2);
  box.enqueue("inventory", Json{{"v", 2}}, 3);
  EXPECT_EQ(box.count("inventory"), 1);
  EXPECT_EQ(parseJson(box.peek(10, 1 << 20).back().payload)["v"], 2);
  EXPECT_TRUE(box.evicted().empty()) << "superseded is not evicted";
}

TEST_F(OutboxTest, MetricsAreThinnedBeforeEventsAreDropped) {
  OutboxLimits limits;
  limits.maxPerType["metrics"] = 100;
  limits.maxTotalBytes = 1 << 30;
  Outbox box(file(), limits);
  for (int i = 0; i < 50; ++i) box.enqueue("event", Json{{"e", i}}, i);
  for (int i = 0; i < 101; ++i) box.enqueue("metrics", Json{{"m", i}}, i);
  // The 101st metrics batch halved the older half: resolution lost, span kept.
  EXPECT_LT(box.count("metrics"), 101);
  EXPECT_GE(box.count("metrics"), 70);
  EXPECT_EQ(box.count("event"), 50);
  auto evicted = box.evicted();
  EXPECT_EQ(evicted["metrics"], 101 - box.count("metrics"));
  EXPECT_EQ(evicted.count("event"), 0u);
  // The newest metrics are all there.
  auto all = box.peek(1000, 1 << 30);
  EXPECT_EQ(parseJson(all.back().payload)["m"], 100);
}

TEST_F(OutboxTest, ByteBudgetThinsMetricsFirstThenDropsOldestEvents) {
  OutboxLimits limits;
  limits.maxTotalBytes = 15000;
  Outbox box(file(), limits);
  std::string pad(900, 'x');
  for (int i = 0; i < 10; ++i) box.enqueue("event", Json{{"e", i}, {"pad", pad}}, i);
  for (int i = 0; i < 10; ++i) box.enqueue("metrics", Json{{"m", i}, {"pad", pad}}, i);
  EXPECT_EQ(box.count("event"), 10) << "metrics must go first";
  EXPECT_LT(box.count("metrics"), 10);
  for (int i = 10; i < 40; ++i) box.enqueue("event", Json{{"e", i}, {"pad", pad}}, i);
  EXPECT_EQ(box.count("metrics"), 0);
  EXPECT_LT(box.count("event"), 40);
  auto rest = box.peek(1000, 1 << 30);
  EXPECT_EQ(parseJson(rest.back().payload)["e"], 39) << "the newest event is kept";
  EXPECT_GT(box.evicted()["event"], 0);
}

TEST_F(OutboxTest, EvictionCountsAreClearedOnceReported) {
  OutboxLimits limits;
  limits.maxPerType["event"] = 3;
  Outbox box(file(), limits);
  for (int i = 0; i < 5; ++i) box.enqueue("event", Json{{"e", i}}, i);
  auto evicted = box.evicted();
  EXPECT_EQ(evicted["event"], 2);
  box.enqueue("event", Json{{"e", 5}}, 5);  // one more eviction after the snapshot
  box.evictionReported(evicted);
  EXPECT_EQ(box.evicted()["event"], 1);
}

TEST(Commands, UnknownExpiredFailingAndOk) {
  control::CommandRegistry r;
  r.add("echo", [](const Json& p) { return p; });
  r.add("fail", [](const Json&) -> Json { throw Error(ErrorKind::kUnavailable, "printer gone"); });
  auto ok = r.dispatch({"1", "echo", 100, Json{{"a", 1}}}, 50);
  EXPECT_EQ(ok.status, "ok");
  EXPECT_EQ(ok.result["a"], 1);
  EXPECT_EQ(ok.id, "1");
  auto unknown = r.dispatch({"2", "format_disk", 100, Json::object()}, 50);
  EXPECT_EQ(unknown.status, "refused");
  EXPECT_NE(unknown.error.find("unknown command"), std::string::npos);
  auto expired = r.dispatch({"3", "echo", 10, Json::object()}, 50);
  EXPECT_EQ(expired.status, "refused");
  EXPECT_NE(expired.error.find("expired"), std::string::npos);
  auto failed = r.dispatch({"4", "fail", 100, Json::object()}, 50);
  EXPECT_EQ(failed.status, "error");
  EXPECT_EQ(failed.error, "printer gone");
}

TEST(ControlEnvelope, RoundTripsAndRefusesOtherVersions) {
  protocol::Command c{"id-1", "ping", 1234, Json{{"x", 1}}};
  Json wire = protocol::toJson(c);
  EXPECT_EQ(protocol::controlType(wire), "command");
  auto back = protocol::commandFromJson(wire);
  EXPECT_EQ(back.name, "ping");
  EXPECT_EQ(back.deadline, 1234);
  EXPECT_EQ(back.payload["x"], 1);
  Json v2 = wire;
  v2["v"] = 2;
  EXPECT_THROW(protocol::controlType(v2), Error);
  EXPECT_THROW(protocol::controlType(Json::array()), Error);
  Json noDeadline = wire;
  noDeadline.erase("deadline");
  EXPECT_THROW(protocol::commandFromJson(noDeadline), Error);
  Json badStatus = protocol::toJson(protocol::Reply{"id", "maybe", Json::object(), ""});
  EXPECT_THROW(protocol::replyFromJson(badStatus), Error);
  auto reply = protocol::replyFromJson(
      protocol::toJson(protocol::Reply{"id", "refused", Json::object(), "no"}));
  EXPECT_EQ(reply.error, "no");
}

// A busy refusal names when to come back; a hint that is not a whole number of
// milliseconds is no hint, and an answer without one reads as zero (the agent's backoff).
TEST(ControlEnvelope, ABusyRefusalCarriesItsRetryHint) {
  using std::chrono::milliseconds;
  protocol::ReportAck busy{"r-1", {}, "server busy: send again later", 503, milliseconds(4200)};
  Json wire = protocol::toJson(busy);
  EXPECT_EQ(wire["retry_after_ms"], 4200);
  auto back = protocol::reportAckFromJson(wire);
  EXPECT_EQ(back.status, 503);
  EXPECT_EQ(back.retryAfter, milliseconds(4200));
  for (Json bad : {Json(-5), Json(1.5), Json("4200"), Json(nullptr)}) {
    wire["retry_after_ms"] = bad;
    EXPECT_EQ(protocol::reportAckFromJson(wire).retryAfter, milliseconds(0)) << bad.dump();
  }
  wire["retry_after_ms"] = 1ULL << 62;  // capped, not overflowing what adds to it
  EXPECT_EQ(protocol::reportAckFromJson(wire).retryAfter, milliseconds(24LL * 3600 * 1000));
  busy.retryAfter = milliseconds(0);
  EXPECT_FALSE(protocol::toJson(busy).contains("retry_after_ms"));
  Json stored = protocol::toJson(protocol::ReportAck{"r-2", Json::array({1}), "", 200});
  EXPECT_FALSE(stored.contains("retry_after_ms"));
}

}  // namespace
}  // namespace parc::agent::transport
