// File transfer stays under the allowed roots (agent/remote/path_guard.h): `..`,
// symbolic links (as the file or in the directory path) and other roots are refused.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "agent/remote/path_guard.h"
#include "common/error.h"
#include "common/files/files.h"

namespace parc::agent::remote {
namespace {

namespace fs = std::filesystem;

class PathGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base = fs::temp_directory_path() / ("parc-guard-" + std::to_string(::getpid()));
    fs::remove_all(base);
    fs::create_directories(base / "root" / "sub");
    fs::create_directories(base / "outside");
    files::writeAtomic(base / "root" / "sub" / "a.txt", "inside", 0644);
    files::writeAtomic(base / "outside" / "secret", "secret", 0600);
    fs::create_symlink(base / "outside" / "secret", base / "root" / "link");
    fs::create_directory_symlink(base / "outside", base / "root" / "dirlink");
  }
  void TearDown() override { fs::remove_all(base); }

  ErrorKind refusal(const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.kind();
    }
    ADD_FAILURE() << "not refused";
    return ErrorKind::kInternal;
  }

  fs::path base;
};

TEST_F(PathGuardTest, ReadsAFileUnderARoot) {
  PathGuard guard({base / "root"});
  OpenedFile f = guard.openForRead((base / "root" / "sub" / "a.txt").string());
  EXPECT_EQ(f.size, 6U);
  EXPECT_EQ(f.path, fs::canonical(base / "root" / "sub" / "a.txt").string());
}

TEST_F(PathGuardTest, RefusesEscapes) {
  PathGuard guard({base / "root"});
  std::string root = (base / "root").string();
  EXPECT_EQ(refusal([&] { guard.openForRead(root + "/../outside/secret"); }),
            ErrorKind::kForbidden);
  EXPECT_EQ(refusal([&] { guard.openForRead(root + "/sub/../../outside/secret"); }),
            ErrorKind::kForbidden);
  EXPECT_EQ(refusal([&] { guard.openForRead(root + "/link"); }), ErrorKind::kForbidden);
  EXPECT_EQ(refusal([&] { guard.openForRead(root + "/dirlink/secret"); }), ErrorKind::kForbidden);
  EXPECT_EQ(refusal([&] { guard.openForRead((base / "outside" / "secret").string()); }),
            ErrorKind::kForbidden);
  EXPECT_EQ(refusal([&] { guard.openForRead("sub/a.txt"); }), ErrorKind::kBadRequest);
  EXPECT_EQ(refusal([&] { guard.openForRead(root + "/sub"); }), ErrorKind::kBadRequest);
  EXPECT_EQ(refusal([&] { guard.openForRead(root + "/missing"); }), ErrorKind::kNotFound);
  EXPECT_EQ(refusal([&] { guard.openForWrite(root + "/link"); }), ErrorKind::kForbidden);
  EXPECT_EQ(refusal([&] { guard.openForWrite(root + "/dirlink/new"); }), ErrorKind::kForbidden);
  EXPECT_EQ(refusal([&] { guard.openForWrite(root + "/../new"); }), ErrorKind::kForbidden);
  // A prefix is not a parent: /x/root-other is not under /x/root.
  fs::create_directories(base / "root-other");
  EXPECT_EQ(refusal([&] { guard.openForWrite((base / "root-other" / "f").string()); }),
            ErrorKind::kForbidden);
}

TEST_F(PathGuardTest, WithoutRootsNothingIsAllowed) {
  PathGuard guard({});
  EXPECT_EQ(refusal([&] { guard.openForRead((base / "root" / "sub" / "a.txt").string()); }),
            ErrorKind::kForbidden);
  PathGuard missing({base / "nope"});
  EXPECT_TRUE(missing.roots().empty());
}

TEST_F(PathGuardTest, WriteTargetIsInsideTheRoot) {
  PathGuard guard({base / "root"});
  WriteTarget t = guard.openForWrite((base / "root" / "sub" / "new.bin").string());
  EXPECT_TRUE(t.dir);
  EXPECT_EQ(t.name, "new.bin");
  EXPECT_EQ(t.path, fs::canonical(base / "root" / "sub").string() + "/new.bin");
}

}  // namespace
}  // namespace parc::agent::remote
