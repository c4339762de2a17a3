// The harness itself: a process that will not stop is killed, and the failure says what
// it was doing (CI shows a hang once; its log and stacks are all there is to go on).
#include "tests/integration/harness.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>

namespace parc::testing {
namespace {

void stopAProgramThatIgnoresSigterm() {
  TempDir tmp;
  // An ignored signal stays ignored across exec: `sleep` never sees SIGTERM.
  Process stubborn({"/bin/sh", "-c", "trap '' TERM; echo 'about to sleep' >&2; exec sleep 60"},
                   tmp.path() / "stubborn");
  ASSERT_TRUE(waitFor([&] { return stubborn.stderrText().find("sleep") != std::string::npos; },
                      std::chrono::seconds(10)));
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(stubborn.stop(std::chrono::seconds(1)), -SIGKILL);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  EXPECT_FALSE(stubborn.running());
}

TEST(Harness, AProcessIgnoringSigtermIsKilledAndTheFailureShowsItsLogAndStacks) {
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter capture(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    stopAProgramThatIgnoresSigterm();
  }
  ASSERT_EQ(failures.size(), 1) << "exactly the harness's own failure";
  std::string message = failures.GetTestPartResult(0).message();
  EXPECT_FALSE(failures.GetTestPartResult(0).fatally_failed());
  for (const char* part : {"ignored SIGTERM for 1 s", "about to sleep", "nanosleep"})
    EXPECT_NE(message.find(part), std::string::npos) << part << " in: " << message;
}

TEST(Harness, AProcessThatStopsOnSigtermGivesItsExitCode) {
  TempDir tmp;
  Process polite(
      {"/bin/sh", "-c", "trap 'exit 3' TERM; echo ready >&2; while :; do sleep 0.05; done"},
      tmp.path() / "polite");
  // SIGTERM before the trap is set would end it by the signal, not by its exit code.
  ASSERT_TRUE(waitFor([&] { return polite.stderrText().find("ready") != std::string::npos; },
                      std::chrono::seconds(10)));
  EXPECT_EQ(polite.stop(std::chrono::seconds(10)), 3);
}

}  // namespace
}  // namespace parc::testing
