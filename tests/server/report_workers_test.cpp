// The channel's report workers: reports that arrive within the gathering wait share one
// commit; a full group, or the stop, does not wait for it; no wake-up is lost.
#include "server/control/report_workers.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "tests/server/enrolled_store.h"

namespace parc::server::control {
namespace {

using namespace std::chrono_literals;

class ReportWorkersTest : public parc::testing::EnrolledStoreTest {
 protected:
  // Workers whose ingest records the size of each group it is handed.
  std::unique_ptr<ReportWorkers> workers(std::size_t group, std::chrono::milliseconds gather) {
    return std::make_unique<ReportWorkers>(
        *store_,
        [this](std::vector<api::IngestReport>& reports) {
          std::lock_guard lock(mutex_);
          groups_.push_back(reports.size());
          return api::IngestTimings{};
        },
        2, 1000, kHeldBytes, group, gather);
  }
  static constexpr std::size_t kHeldBytes = 1000;
  // Sends a report; the future is ready once it is answered.
  std::future<protocol::ReportAck> send(ReportWorkers& w, const std::string& id,
                                        std::size_t bytes = 1) {
    auto answered = std::make_shared<std::promise<protocol::ReportAck>>();
    auto f = answered->get_future();
    w.report(host_, "127.0.0.1", protocol::Report{id, Json::object()}, bytes,
             [answered](const protocol::ReportAck& ack) { answered->set_value(ack); });
    return f;
  }
  std::vector<std::size_t> groups() {
    std::lock_guard lock(mutex_);
    return groups_;
  }

  std::mutex mutex_;
  std::vector<std::size_t> groups_;
};

TEST_F(ReportWorkersTest, ReportsArrivingWithinTheGatheringWaitShareOneCommit) {
  auto w = workers(256, 1000ms);
  auto started = std::chrono::steady_clock::now();
  auto a = send(*w, "a");
  std::this_thread::sleep_for(30ms);
  auto b = send(*w, "b");
  std::this_thread::sleep_for(30ms);
  auto c = send(*w, "c");
  ASSERT_EQ(a.wait_for(5s), std::future_status::ready);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 900ms) << "the first report waited";
  ASSERT_EQ(c.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(groups(), (std::vector<std::size_t>{3}));
}

TEST_F(ReportWorkersTest, WithoutGatheringEachReportGoesAlone) {
  auto w = workers(256, 0ms);
  ASSERT_EQ(send(*w, "a").wait_for(5s), std::future_status::ready);
  ASSERT_EQ(send(*w, "b").wait_for(5s), std::future_status::ready);
  EXPECT_EQ(groups(), (std::vector<std::size_t>{1, 1}));
}

TEST_F(ReportWorkersTest, AFullGroupAndTheStopDoNotWaitForTheGathering) {
  auto w = workers(2, 60s);
  auto started = std::chrono::steady_clock::now();
  auto a = send(*w, "a");
  auto b = send(*w, "b");
  ASSERT_EQ(a.wait_for(5s), std::future_status::ready);
  ASSERT_EQ(b.wait_for(5s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_EQ(groups(), (std::vector<std::size_t>{2}));

  auto lone = send(*w, "c");  // waits for company that will not come
  std::this_thread::sleep_for(50ms);
  auto stopping = std::chrono::steady_clock::now();
  w->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 5s);
  EXPECT_EQ(groups().size(), 1U) << "a report queued at the stop is dropped unanswered";
}

// Workers are woken only when there is work for them (a first report to gather from, a
// full group for the one gathering, what a group left behind): no wake-up may be lost.
// With a gathering wait of a minute, every group here fills, so any report still
// unanswered after seconds was left waiting for a wake-up that never came.
TEST_F(ReportWorkersTest, ReportsFromManyThreadsGoInFullGroupsWithoutWaiting) {
  auto w = workers(8, 60s);
  constexpr int kSenders = 3, kEach = 128;  // 384 reports (fewer than the queue holds): 48 groups
  std::vector<std::vector<std::future<protocol::ReportAck>>> answers(kSenders);
  std::vector<std::thread> senders;
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      for (int i = 0; i < kEach; ++i)
        answers[s].push_back(send(*w, std::to_string(s) + "-" + std::to_string(i)));
    });
  }
  for (auto& t : senders) t.join();
  for (auto& list : answers) {
    for (auto& a : list) ASSERT_EQ(a.wait_for(10s), std::future_status::ready);
  }
  auto sizes = groups();
  EXPECT_EQ(sizes.size(), 48U);
  for (auto n : sizes) EXPECT_EQ(n, 8U);
}

// The queue is bounded in bytes too: large reports (inventories) past the budget are
// answered 503 at once and change nothing; the bytes come back once the held reports are
// answered; a report alone is taken whatever its size.
TEST_F(ReportWorkersTest, ReportsPastTheByteBudgetAreRefusedUntilTheHeldOnesAreAnswered) {
  auto w = workers(256, 500ms);  // held for half a second, gathering company
  auto big = send(*w, "inventory", 600);
  auto small = send(*w, "metrics", 300);
  auto refused = send(*w, "inventory-2", 600);  // 600 + 300 + 600 > 1,000
  ASSERT_EQ(refused.wait_for(100ms), std::future_status::ready) << "refused at once";
  protocol::ReportAck ack = refused.get();
  EXPECT_EQ(ack.status, 503);
  EXPECT_NE(ack.error.find("busy"), std::string::npos) << ack.error;
  EXPECT_TRUE(ack.results.empty());
  // With its turn to come back (report_turns.h): the 500 bytes of room it needs, at the
  // pace assumed before anything is stored, are no wait; the shortest turn, 1 s.
  EXPECT_EQ(ack.retryAfter, 1s);
  EXPECT_NE(w->prometheusText().find("parc_reports_busy_total 1\n"), std::string::npos);
  ASSERT_EQ(big.wait_for(5s), std::future_status::ready);
  ASSERT_EQ(small.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(big.get().error.empty());
  EXPECT_EQ(groups(), (std::vector<std::size_t>{2})) << "the refused report was not stored";
  EXPECT_NE(w->prometheusText().find("parc_reports_held_bytes 0\n"), std::string::npos);
  // Answered: their bytes are free again, and a report larger than the budget, alone, is taken.
  auto again = send(*w, "inventory-2", 600);
  ASSERT_EQ(again.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(again.get().error.empty());
  auto huge = send(*w, "huge", 5000);
  ASSERT_EQ(huge.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(huge.get().error.empty());
  EXPECT_EQ(groups(), (std::vector<std::size_t>{2, 1, 1}));
}

}  // namespace
}  // namespace parc::server::control
