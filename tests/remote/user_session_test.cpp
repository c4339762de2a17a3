// Finding the person at the PC's screen through logind, and running a dialog in their
// session. `loginctl` here is a stand-in script with recorded answers, run through the
// real process runner; the systemd-run command line is checked as built.
#include "agent/remote/user_session.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/files/files.h"

namespace parc::agent::remote {
namespace {

class UserSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string t = (std::filesystem::temp_directory_path() / "parc-logind-XXXXXX").string();
    dir = mkdtemp(t.data());
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  // A loginctl answering `show-seat` with `active` and `show-session` with `session`.
  ProcessRunner fakeLoginctl(const std::string& active, const std::string& session) {
    files::writeAtomic(dir / "loginctl",
                       "#!/bin/sh\ncase \"$1\" in\n  show-seat) printf '%s\\n' '" + active +
                           "' ;;\n  show-session) printf '" + session +
                           "' ;;\n  *) exit 1 ;;\nesac\n",
                       0755);
    return ProcessRunner({dir, "/usr/bin", "/bin"});
  }
  std::filesystem::path dir;
};

TEST_F(UserSessionTest, TheActiveX11SessionOfARealUserIsFound) {
  auto runner = fakeLoginctl(
      "3", "Name=marie\\nUser=1001\\nType=x11\\nDisplay=:1\\nState=active\\nRemote=no\\n");
  auto s = activeGraphicalSession(runner);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->id, "3");
  EXPECT_EQ(s->user, "marie");
  EXPECT_EQ(s->uid, 1001u);
  auto argv = inUserSession(*s, {"zenity", "--question"});
  std::string line;
  for (const auto& a : argv) line += a + " ";
  EXPECT_EQ(argv.front(), "systemd-run");
  EXPECT_NE(line.find("--pipe --wait --service-type=exec --uid=1001 "), std::string::npos) << line;
  EXPECT_NE(line.find("--setenv=DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1001/bus"),
            std::string::npos);
  EXPECT_NE(line.find("--setenv=DISPLAY=:1 "), std::string::npos) << line;
  EXPECT_NE(line.find("-- zenity --question "), std::string::npos) << line;
}

TEST_F(UserSessionTest, WaylandGetsItsSocketNotADisplay) {
  auto runner = fakeLoginctl(
      "c4", "Name=paul\\nUser=1000\\nType=wayland\\nDisplay=\\nState=active\\nRemote=no\\n");
  auto s = activeGraphicalSession(runner);
  ASSERT_TRUE(s);
  std::string line;
  for (const auto& a : inUserSession(*s, {"notify-send", "x"})) line += a + " ";
  EXPECT_NE(line.find("--setenv=WAYLAND_DISPLAY=wayland-0"), std::string::npos) << line;
  EXPECT_EQ(line.find("DISPLAY=:"), std::string::npos) << line;
}

TEST_F(UserSessionTest, NobodyToAskIsNotASession) {
  // The login screen (a system account), a remote or closing session, a text console,
  // no active session at all, and no logind: nobody at the screen.
  for (const char* session :
       {"Name=Debian-gdm\\nUser=117\\nType=wayland\\nState=active\\nRemote=no\\n",
        "Name=marie\\nUser=1001\\nType=x11\\nDisplay=:0\\nState=active\\nRemote=yes\\n",
        "Name=marie\\nUser=1001\\nType=x11\\nDisplay=:0\\nState=closing\\nRemote=no\\n",
        "Name=marie\\nUser=1001\\nType=tty\\nState=active\\nRemote=no\\n"}) {
    EXPECT_FALSE(activeGraphicalSession(fakeLoginctl("5", session))) << session;
  }
  EXPECT_FALSE(activeGraphicalSession(fakeLoginctl("", "")));
  EXPECT_FALSE(activeGraphicalSession(ProcessRunner({dir})));  // no loginctl at all
}

}  // namespace
}  // namespace parc::agent::remote
