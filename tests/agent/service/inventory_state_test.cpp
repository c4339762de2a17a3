// The agent's record of what the server holds of its inventory: when to send it whole,
// what a delta is based on, and what an acknowledgement or a refusal changes.
#include "agent/service/inventory_state.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/files/files.h"

namespace parc::agent::service {
namespace {

class InventoryStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("parc-invstate-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path file() const { return dir_ / "inventory-state.json"; }
  InventoryState state(std::int64_t hostId = 1) {
    return InventoryState(file(), hostId, "https://parc:8443");
  }
  // Queues one inventory as message `id` and returns it.
  static std::string queue(InventoryState& s, const std::string& id, const std::string& hash,
                           bool full, std::int64_t now = 1000) {
    s.recordRun([&] { return id; }, hash, Json{{"cpu", hash + "-cpu"}}, full, now);
    return id;
  }

  std::filesystem::path dir_;
};

TEST_F(InventoryStateTest, FirstFullThenDeltasOnTheAcknowledgedView) {
  auto s = state();
  EXPECT_TRUE(s.next(24, 1000).full);
  queue(s, "m-1", "A", true);
  // Not acknowledged yet: the next one is still full.
  EXPECT_TRUE(s.next(24, 1000).full);
  s.delivered({"m-1"}, {});
  InventoryBase base = s.next(24, 1100);
  EXPECT_FALSE(base.full);
  EXPECT_EQ(base.hash, "A");
  EXPECT_EQ(base.sections, (Json{{"cpu", "A-cpu"}}));

  // A restart keeps it; another enrolment does not.
  EXPECT_FALSE(state().next(24, 1100).full);
  EXPECT_TRUE(state(2).next(24, 1100).full);
}

TEST_F(InventoryStateTest, EveryNthRunAndDailyAreFull) {
  auto s = state();
  queue(s, "m-1", "A", true);
  s.delivered({"m-1"}, {});
  for (int run = 1; run < 3; ++run) {
    EXPECT_FALSE(s.next(3, 1000).full) << run;
    s.recordRun([] { return std::string(); }, "A", Json::object(), false, 1000);  // unchanged
  }
  EXPECT_TRUE(s.next(3, 1000).full) << "third run after a full one";
  EXPECT_TRUE(s.next(24, 1000 + 24 * 3600).full) << "a day after the last full one";
  EXPECT_TRUE(s.next(1, 1000).full);
}

TEST_F(InventoryStateTest, RefusedDeltaMeansFullAtOnce) {
  auto s = state();
  queue(s, "m-1", "A", true);
  s.delivered({"m-1"}, {});
  queue(s, "m-2", "B", false);
  EXPECT_TRUE(s.delivered({"m-2"}, {{"m-2", "inventory delta based on a view…"}}));
  EXPECT_TRUE(s.next(24, 1000).full);
  // A refused full one does not ask again at once (it would be refused again).
  queue(s, "m-3", "B", true);
  EXPECT_FALSE(s.delivered({"m-3"}, {{"m-3", "bad"}}));
}

TEST_F(InventoryStateTest, OtherIdsAndSupersededOnesAreNotAcknowledgements) {
  auto s = state();
  queue(s, "m-1", "A", true);
  s.delivered({"m-1"}, {});
  queue(s, "m-2", "B", false);
  queue(s, "m-3", "C", false);  // supersedes m-2 in the outbox
  s.delivered({"m-2", "e-1"}, {});
  EXPECT_EQ(s.next(24, 1000).hash, "A");
  s.delivered({"m-3"}, {});
  EXPECT_EQ(s.next(24, 1000).hash, "C");
  // A full one superseded before it was stored: the next one is full too.
  queue(s, "m-4", "D", true);
  EXPECT_TRUE(s.next(24, 1000).full);
}

TEST_F(InventoryStateTest, UnreadableStateStartsOver) {
  files::writeAtomic(file(), "{not json", 0600);
  EXPECT_TRUE(state().next(24, 1000).full);
}

}  // namespace
}  // namespace parc::agent::service
