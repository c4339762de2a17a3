// parcctl shows agent- and server-supplied text (host names, agents' errors, command
// output): nothing in it may drive the technician's terminal.
#include <gtest/gtest.h>

#include "cli/table.h"

namespace parc::cli {
namespace {

TEST(Printable, ReplacesC0EscAndDel) {
  EXPECT_EQ(printable("pc\x1b]0;owned\x07-01"), "pc?]0;owned?-01");
  EXPECT_EQ(printable("a\x1b[2Jb\x7f"), "a?[2Jb?");
  EXPECT_EQ(printable("line\nbreak\ttab\r"), "line?break?tab?");
}

TEST(Printable, ReplacesC1ControlsEncodedOrRaw) {
  // U+009B (8-bit CSI) as UTF-8, and U+0085 (NEL); then the raw 8-bit bytes.
  EXPECT_EQ(printable("a\xc2\x9b"
                      "2Jb\xc2\x85"
                      "c"),
            "a?2Jb?c");
  EXPECT_EQ(printable("a\x9b"
                      "2J\x90"
                      "b"),
            "a?2J?b");
}

TEST(Printable, ReplacesInvalidUtf8AndBidiOverrides) {
  EXPECT_EQ(printable("x\xc0\xafy"), "x??y");                     // overlong '/'
  EXPECT_EQ(printable("x\xed\xa0\x80y"), "x???y");                // a surrogate
  EXPECT_EQ(printable("x\xe2\x80"), "x??");                       // truncated
  EXPECT_EQ(printable("exe\xe2\x80\xaegnp.txt"), "exe?gnp.txt");  // U+202E RLO
  EXPECT_EQ(printable("a\xe2\x81\xa6"
                      "b"),
            "a?b");  // U+2066 LRI
}

TEST(Printable, KeepsOrdinaryTextWhole) {
  const std::string text = "Mairie d'Espalion — poste n°3 «accueil» ✓ 日本 😀";
  EXPECT_EQ(printable(text), text);
  EXPECT_EQ(printable(""), "");
}

TEST(PrintableText, KeepsLinesAndTabsOnly) {
  EXPECT_EQ(printableText("a\tb\nc\x1b[31md\r\n\xc2\x9b"), "a\tb\nc?[31md?\n?");
}

TEST(TerminalJson, EscapesWhatJsonLeavesRawAndStaysTheSameValue) {
  Json j{{"hostname",
          "a\x1b[2J\xc2\x9b"
          "b\x7f\xe2\x80\xae"
          "c"},
         {"n", 3}};
  std::string out = terminalJson(j);
  for (unsigned char c : out) {
    EXPECT_FALSE(c < 0x20 && c != '\n') << static_cast<int>(c);
    EXPECT_NE(c, 0x7f);
  }
  EXPECT_EQ(out.find("\xc2\x9b"), std::string::npos);
  EXPECT_EQ(out.find("\xe2\x80\xae"), std::string::npos);
  EXPECT_NE(out.find("\\u009b"), std::string::npos);
  EXPECT_EQ(parseJson(out), j);  // same data for a script
}

}  // namespace
}  // namespace parc::cli
