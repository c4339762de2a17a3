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
        2, 1000, group, gather);
  }
  // Sends a report; the future is ready once it is answered.
  std::future<void> send(ReportWorkers& w, const std::string& id) {
    auto answered = std::make_shared<std::promise<void>>();
    auto f = answered->get_future();
    w.report(host_, "127.0.0.1", protocol::Report{id, Json::object()},
             [answered](const protocol::ReportAck&) { answered->set_value(); });
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
  std::vector<std::vector<std::future<void>>> answers(kSenders);
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

}  // namespace
}  // namespace parc::server::control
