#include "agent/collectors/linux/read.h"

#include <gtest/gtest.h>

#include "tests/agent/collectors/fixtures.h"

namespace parc::agent::collectors::linux_ {
namespace {

TEST(Read, ParseInt) {
  EXPECT_EQ(parseInt("42"), 42);
  EXPECT_EQ(parseInt(" 42\n"), 42);
  EXPECT_EQ(parseInt("-7"), -7);
  EXPECT_EQ(parseInt("0x1af4"), 0x1af4);
  EXPECT_EQ(parseInt("0x"), std::nullopt);
  EXPECT_EQ(parseInt("12abc"), std::nullopt);
  EXPECT_EQ(parseInt(""), std::nullopt);
  EXPECT_EQ(parseInt("99999999999999999999999"), std::nullopt);
}

TEST(Read, FilesAndErrors) {
  testing::TempDir t;
  t.write("a", "  value \n");
  EXPECT_EQ(readAttr(t.path() / "a"), "value");
  FileRead missing = readFile(t.path() / "nope");
  EXPECT_FALSE(missing.ok());
  EXPECT_TRUE(missing.missing());
  FileRead dir = readFile(t.path());
  EXPECT_FALSE(dir.ok());
  EXPECT_FALSE(dir.missing());
  EXPECT_EQ(dir.reason(), "Is a directory");
  t.write("big", std::string(10000, 'x'));
  EXPECT_EQ(readFile(t.path() / "big", 100).data->size(), 100u);
  EXPECT_EQ(listDir(t.path()), (std::vector<std::string>{"a", "big"}));
  EXPECT_TRUE(listDir(t.path() / "nope").empty());
}

TEST(Read, SplitLines) {
  EXPECT_EQ(splitLines("a\nb\n").size(), 2u);
  EXPECT_EQ(splitLines("a\n\nb").size(), 3u);
  EXPECT_TRUE(splitLines("").empty());
}

}  // namespace
}  // namespace parc::agent::collectors::linux_
