#pragma once
// A real parc.db in a directory of the test's own, with one commune and one enrolled
// host: the setting of the server's unit tests whose subject looks its hosts up.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "server/store/sqlite/sqlite_store.h"

namespace parc::testing {

class EnrolledStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("parc-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name() + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = std::make_unique<server::store::SqliteStore>(dir_ / "parc.db");
    tenant_ = store_->createTenant("Mairie de Millau", "12145", 1000).id;
    server::store::EnrollmentToken t;
    t.tenantId = tenant_;
    t.prefix = "parc_enr_abc";
    t.createdAt = 1000;
    t.expiresAt = 4'000'000'000;
    t.maxUses = 1;
    store_->createToken(t, "h");
    host_ = store_->enrollHost("h", 2000, {"u", "pc-u", "dev-u", "fp-u", "01", 99999}).host->id;
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<server::store::SqliteStore> store_;
  server::store::Id tenant_ = 0;
  server::store::Id host_ = 0;
};

}  // namespace parc::testing
