// parcctl's streamed remote support end to end, with the real server, agent and parcctl
// on loopback: `parcctl remote terminal` driven through a pipe, `parcctl remote tunnel`
// relaying TCP connections to the PC's VNC port (a stand-in echo server), and terminal
// recordings downloaded through the API by their owner only, audited.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>
#include <thread>

#include "tests/remote/echo_vnc.h"
#include "tests/remote/streams_fixture.h"

namespace parc::testing {
namespace {

namespace fs = std::filesystem;

// Connects to 127.0.0.1:port; -1 if nothing listens there (yet).
int connectLoopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{10, 0};  // every read below is bounded
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

// Reads until `expected` has arrived (or the peer closes, or 10 s pass).
std::string readUntil(int fd, const std::string& expected) {
  std::string got;
  char buf[256];
  while (got.find(expected) == std::string::npos) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

// A terminal from parcctl with stdin a pipe: the keystrokes go, the output comes back,
// `stty size` shows the pipe's default size, the session is registered and audited.
TEST_F(RemoteStreams, ParcctlTerminalRoundTripsThroughAPipe) {
  RunResult r = ctl.run({"remote", "terminal", "1"}, "echo parc-$((6*7))\nstty size\nexit\n");
  ASSERT_EQ(r.exitCode, 0) << r.err << r.out << agent->stderrText();
  EXPECT_NE(r.out.find("parc-42"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("24 80"), std::string::npos) << r.out;

  // The end of stdin ends the shell even without `exit` (^D).
  RunResult eof = ctl.run({"remote", "terminal", "1"}, "echo bye-$((1+1))\n");
  ASSERT_EQ(eof.exitCode, 0) << eof.err << eof.out;
  EXPECT_NE(eof.out.find("bye-2"), std::string::npos) << eof.out;

  Json sessions;  // the end message reaches parcctl a moment before the row is completed
  ASSERT_TRUE(waitFor(
      [&] {
        sessions = ctl.json({"sessions", "list"});
        return sessions["count"] == 2 && sessions["items"][0]["active"] == false &&
               sessions["items"][1]["active"] == false;
      },
      10s))
      << sessions.dump();
  for (const auto& row : sessions["items"]) {
    EXPECT_EQ(row["kind"], "terminal");
    EXPECT_EQ(row["username"], "admin");
    EXPECT_EQ(row["result"], "ok") << row.dump();
  }
  EXPECT_EQ(ctl.json({"audit", "list", "--action", "remote.terminal.start"})["count"], 2);

  // A host out of reach: a clear error and a non-zero exit.
  RunResult missing = ctl.run({"remote", "terminal", "999"}, "exit\n");
  EXPECT_NE(missing.exitCode, 0);
  EXPECT_FALSE(missing.err.empty());
}

// Output piped into a program that stops reading (`| head`): parcctl ends the session
// (the flooding loop does not go on, blind, on the PC) and exits non-zero with a reason,
// instead of dying of SIGPIPE.
TEST_F(RemoteStreams, ParcctlTerminalEndsTheSessionWhenItsOutputCloses) {
  RunResult r = runProgram(
      {"/bin/bash", "-c",
       binary("parcctl") + " remote terminal 1 <<<'while :; do echo parc; done' | head -c 4;"
                           " echo \" parcctl=${PIPESTATUS[0]}\""},
      {{"XDG_CONFIG_HOME", (tmp.path() / "home").string()}}, "", 40s);
  ASSERT_EQ(r.exitCode, 0) << r.err << r.out;
  auto at = r.out.find("parcctl=");
  ASSERT_NE(at, std::string::npos) << r.out << r.err;
  int status = std::stoi(r.out.substr(at + 8));
  EXPECT_NE(status, 0) << r.out;
  EXPECT_NE(status, 128 + SIGPIPE) << "killed by SIGPIPE: " << r.err;
  EXPECT_NE(r.err.find("standard output closed"), std::string::npos) << r.err;
  Json sessions;
  ASSERT_TRUE(waitFor(
      [&] {
        sessions = ctl.json({"sessions", "list"});
        return sessions["count"] == 1 && sessions["items"][0]["active"] == false;
      },
      10s))
      << sessions.dump();
}

// Keystrokes sent before the shell is ready wait for its first output: a shell that
// starts slowly and discards what was typed meanwhile (as a relay does while it sets up:
// systemd-run --pty for terminal_in_own_unit) still gets the command, typed at once.
TEST_F(RemoteStreams, ParcctlTerminalTypeAheadWaitsForTheShell) {
  auto shell = tmp.path() / "slow-shell.sh";
  files::writeAtomic(shell,
                     "#!/bin/sh\nsleep 1\n"
                     "python3 -c 'import termios; termios.tcflush(0, termios.TCIFLUSH)'\n"
                     "echo shell-ready\nexec /bin/sh -i\n",
                     0755);
  std::string config = files::read(tmp.path() / "agent.toml");
  auto at = config.find("terminal_shell = \"/bin/sh\"");
  ASSERT_NE(at, std::string::npos);
  config.replace(at, std::string("terminal_shell = \"/bin/sh\"").size(),
                 "terminal_shell = \"" + shell.string() + "\"");
  files::writeAtomic(tmp.path() / "agent.toml", config, 0644);
  agent->stop();
  startAgent("agent-log-slow");
  RunResult r = ctl.run({"remote", "terminal", "1"}, "echo parc-$((6*7))\nexit\n");
  ASSERT_EQ(r.exitCode, 0) << r.err << r.out << agent->stderrText();
  EXPECT_NE(r.out.find("shell-ready"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("parc-42"), std::string::npos) << r.out;
}

// With a terminal on stdin (a PTY from util-linux's script(1)), parcctl opens the session
// at the window's size, passes the bytes raw and follows the window (SIGWINCH → resize):
// the PC's `stty size` says 43 132, then 30 100 once the window has shrunk.
TEST_F(RemoteStreams, ParcctlTerminalFollowsTheWindowSizeOnATerminal) {
  const std::string command =
      "stty cols 132 rows 43; (sleep 5; stty cols 100 rows 30 </dev/tty) & exec " +
      binary("parcctl") + " remote terminal 1";
  // The input waits until parcctl has set raw mode (which flushes what came before).
  RunResult r = runProgram({"/bin/sh", "-c",
                            "(sleep 3; printf 'stty size\\n'; sleep 4; printf 'stty size\\n'; "
                            "sleep 1; printf 'exit\\n') | script -qefc '" +
                                command + "' /dev/null"},
                           {{"XDG_CONFIG_HOME", (tmp.path() / "home").string()}}, "", 40s);
  ASSERT_EQ(r.exitCode, 0) << r.err << r.out;
  auto first = r.out.find("43 132");
  ASSERT_NE(first, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("30 100", first), std::string::npos) << r.out;
  Json sessions = ctl.json({"sessions", "list"});
  ASSERT_EQ(sessions["count"], 1);
  EXPECT_EQ(sessions["items"][0]["kind"], "terminal");
}

// `parcctl remote tunnel 1` listening on 127.0.0.1:port, run with the fixture's session.
std::vector<std::string> tunnelTo(std::uint16_t port, std::vector<std::string> more = {}) {
  std::vector<std::string> argv{
      binary("parcctl"), "remote", "tunnel", "1", "--local", "127.0.0.1:" + std::to_string(port)};
  argv.insert(argv.end(), more.begin(), more.end());
  return argv;
}
std::map<std::string, std::string> sessionOf(const TempDir& tmp) {
  return {{"XDG_CONFIG_HOME", (tmp.path() / "home").string()}};
}

// Each TCP connection to the tunnel's local port is one desktop session through the
// server to the PC's VNC port; bytes go both ways; each is audited under the account.
TEST_F(RemoteStreams, ParcctlTunnelRelaysEachConnectionAsAnAuditedDesktopSession) {
  EchoVnc vnc(vncPort);
  ASSERT_TRUE(vnc.bound());
  std::uint16_t local = freeLoopbackPort();
  Process tunnel(tunnelTo(local), tmp.path() / "tunnel-log", sessionOf(tmp));
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    int fd = -1;
    ASSERT_TRUE(waitFor([&] { return (fd = connectLoopback(local)) >= 0; }, 10s))
        << tunnel.stderrText();
    EXPECT_NE(readUntil(fd, "RFB 003.008\n").find("RFB 003.008"), std::string::npos)
        << tunnel.stderrText() << agent->stderrText();
    std::string ping = "ping-" + std::to_string(i) + "-through-the-tunnel";
    ASSERT_EQ(::write(fd, ping.data(), ping.size()), static_cast<ssize_t>(ping.size()));
    EXPECT_NE(readUntil(fd, ping).find(ping), std::string::npos);
    ::close(fd);
  }
  EXPECT_EQ(vnc.accepted(), 2);
  ASSERT_TRUE(waitFor(
      [&] {
        return ctl.json({"audit", "list", "--action", "remote.desktop.end"})["count"] == 2;
      },
      15s));
  EXPECT_EQ(tunnel.stop(), 0);  // SIGTERM: a clean stop
  Json starts = ctl.json({"audit", "list", "--action", "remote.desktop.start"});
  EXPECT_EQ(starts["count"], 2) << starts.dump();
  Json listed = ctl.json({"sessions", "list"});
  ASSERT_EQ(listed["count"], 2);
  for (const auto& row : listed["items"]) {
    EXPECT_EQ(row["kind"], "desktop");
    EXPECT_EQ(row["username"], "admin");
    EXPECT_GT(row["bytes_to_host"].get<int>(), 0) << row.dump();
  }

  // --once: one connection, then parcctl exits by itself.
  std::uint16_t once = freeLoopbackPort();
  Process single(tunnelTo(once, {"--once"}), tmp.path() / "tunnel-once-log", sessionOf(tmp));
  int fd = -1;
  ASSERT_TRUE(waitFor([&] { return (fd = connectLoopback(once)) >= 0; }, 10s));
  EXPECT_NE(readUntil(fd, "RFB 003.008\n").find("RFB"), std::string::npos);
  ::close(fd);
  EXPECT_TRUE(waitFor([&] { return !single.running(); }, 10s)) << single.stderrText();

  // A malformed --local is refused before anything listens.
  RunResult bad = ctl.run({"remote", "tunnel", "1", "--local", "localhost"});
  EXPECT_NE(bad.exitCode, 0);
  EXPECT_NE(bad.err.find("--local wants"), std::string::npos) << bad.err;
}

// A tunnel left open all day: the thread of each ended connection is joined at the next
// accept, so its stack (8 MiB of address space) is not kept until the tunnel stops.
TEST_F(RemoteStreams, ParcctlTunnelKeepsNothingOfItsEndedConnections) {
  EchoVnc vnc(vncPort);
  ASSERT_TRUE(vnc.bound());
  std::uint16_t local = freeLoopbackPort();
  Process tunnel(tunnelTo(local), tmp.path() / "tunnel-log", sessionOf(tmp));
  // Thread stacks: read-write anonymous mappings of 8 MiB (glibc's default stack; an
  // ended thread's stays mapped until joined, a joined one's is cached for reuse).
  auto stacks = [&] {
    std::istringstream maps(files::read("/proc/" + std::to_string(tunnel.pid()) + "/maps"));
    int n = 0;
    for (std::string line; std::getline(maps, line);) {
      unsigned long from = 0, to = 0;
      char perms[5] = {};
      if (std::sscanf(line.c_str(), "%lx-%lx %4s", &from, &to, perms) == 3 &&
          to - from == 8UL << 20 && std::string(perms) == "rw-p")
        ++n;
    }
    return n;
  };
  constexpr int kConnections = 28;
  int before = 0;
  for (int i = 0; i < kConnections; ++i) {
    SCOPED_TRACE(i);
    int fd = -1;
    ASSERT_TRUE(waitFor([&] { return (fd = connectLoopback(local)) >= 0; }, 10s))
        << tunnel.stderrText();
    EXPECT_NE(readUntil(fd, "RFB 003.008\n").find("RFB"), std::string::npos) << tunnel.stderrText();
    ::close(fd);
    // Ended on the tunnel's side too before the next one (its session's end is audited).
    ASSERT_TRUE(waitFor(
        [&] {
          return ctl.json({"audit", "list", "--action", "remote.desktop.end"})["count"] == i + 1;
        },
        15s));
    if (i == 3) before = stacks();
  }
  EXPECT_LT(stacks() - before, 12) << "stacks added by " << kConnections - 4
                                   << " more connections (one each when ended threads are kept)";
  EXPECT_EQ(vnc.accepted(), kConnections);
  EXPECT_EQ(tunnel.stop(), 0);
}

// A terminal session's recording: its owner downloads it (API and parcctl), another
// commune's administrator and another technician get 404 like a missing session, a
// read-only account 403; each download is audited.
TEST_F(RemoteStreams, RecordingsAreDownloadableByTheirOwnerOnlyAndAudited) {
  RunResult r = ctl.run({"remote", "terminal", "1"}, "echo parc-$((6*7))\nexit\n");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  Json sessions = ctl.json({"sessions", "list"});
  ASSERT_EQ(sessions["count"], 1);
  const std::string id = std::to_string(sessions["items"][0]["id"].get<long long>());

  fs::path out = tmp.path() / "session.cast";
  RunResult got = ctl.run({"remote", "recording", id, "-o", out.string()});
  ASSERT_EQ(got.exitCode, 0) << got.err;
  std::string cast = files::read(out);
  EXPECT_EQ(parseJson(cast.substr(0, cast.find('\n')))["version"], 2) << cast;
  EXPECT_NE(cast.find("parc-42"), std::string::npos);
  RunResult toStdout = ctl.run({"remote", "recording", id});
  EXPECT_EQ(toStdout.out, cast);

  ctl.json({"tenants", "create", "--name", "Mairie de Rodez", "--insee", "12202"});
  const std::string password = "Tres-long-mot-de-passe-2026!";
  for (std::vector<std::string> args :
       {std::vector<std::string>{"admin-rodez", "--role", "administrator", "--tenant", "2"},
        std::vector<std::string>{"paul", "--role", "technician"},
        std::vector<std::string>{"lecteur", "--role", "read_only"}}) {
    args.insert(args.begin(), {"users", "create"});
    RunResult created = ctl.run(args, password + "\n");
    ASSERT_EQ(created.exitCode, 0) << created.err << created.out;
  }
  const std::string path = "/api/v1/remote/sessions/" + id + "/recording";
  net::Response mine = get(path, adminToken());
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_EQ(mine.body, cast);
  EXPECT_EQ(mine.headers["content-type"], "application/x-asciicast");
  for (auto [user, status] : std::vector<std::pair<std::string, int>>{
           {"admin-rodez", 404}, {"paul", 404}, {"lecteur", 403}}) {
    SCOPED_TRACE(user);
    std::string token = login(user, password).token;
    net::Response other = get(path, token);
    EXPECT_EQ(other.status, status) << other.body;
    EXPECT_EQ(other.body.find("parc-42"), std::string::npos);
    if (status == 404) {
      EXPECT_EQ(other.body, get("/api/v1/remote/sessions/999999/recording", token).body);
    }
  }
  EXPECT_EQ(get("/api/v1/remote/sessions/999999/recording", adminToken()).status, 404);

  Json audited = ctl.json({"audit", "list", "--action", "remote.session.recording"});
  ASSERT_EQ(audited["count"], 3) << audited.dump();  // parcctl twice, the API once
  EXPECT_EQ(audited["items"][0]["target"], "session:" + id);
}

}  // namespace
}  // namespace parc::testing
