// parc-streams-bench: remote-support streams through a running parc-server to a running
// parc-agent (bench/remote/streams_run.sh starts both): terminal keystroke echo latency,
// file transfer throughput, and how many terminal sessions one server relays at once.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "common/crypto/hash.h"
#include "tests/remote/streams_socket.h"

using namespace std::chrono_literals;
using parc::testing::ConsoleSocket;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string url, fingerprint, token, file;
  long long host = 1;
  int samples = 300, sessions = 200;
};

std::unique_ptr<ConsoleSocket> open(const Options& o, const std::string& path) {
  return std::make_unique<ConsoleSocket>(
      o.url, o.fingerprint, path,
      std::vector<std::pair<std::string, std::string>>{{"Authorization", "Bearer " + o.token}});
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

int echoLatency(const Options& o) {
  auto s = open(o, "/api/v1/hosts/" + std::to_string(o.host) + "/sessions/terminal");
  if (!s->waitType("ready", 20s)) {
    std::cerr << "terminal not ready: " << s->endReason() << "\n";
    return 1;
  }
  // A shell that echoes every byte as typed (tty echo), like an interactive prompt.
  s->sendBinary("PS1='' ; stty -icanon ; echo ready-$((1+1))\n");
  if (!s->waitOutput("ready-2", 10s)) return 1;
  std::vector<double> ms;
  for (int i = 0; i < o.samples; ++i) {
    s->clearOutput();
    char c = static_cast<char>('a' + i % 26);
    auto t0 = Clock::now();
    s->sendBinary(std::string(1, c));
    if (!s->waitOutput(std::string(1, c), 5s)) {
      std::cerr << "no echo for sample " << i << "\n";
      return 1;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::printf(
      "keystroke echo through the server (%d samples): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
      o.samples, percentile(ms, 0.5), percentile(ms, 0.99),
      *std::max_element(ms.begin(), ms.end()));
  return 0;
}

int throughput(const Options& o) {
  if (o.file.empty()) return 0;
  auto t0 = Clock::now();
  auto s = open(o, "/api/v1/hosts/" + std::to_string(o.host) + "/sessions/file-get?path=" + o.file);
  auto ready = s->waitType("ready", 20s);
  if (!ready) {
    std::cerr << "download refused: " << s->endReason() << "\n";
    return 1;
  }
  std::size_t size = (*ready)["info"]["size"];
  auto end = s->waitType("end", 600s);
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!end || (*end)["status"] != "ok" ||
      (*end)["info"]["sha256"] != parc::crypto::sha256Hex(s->output())) {
    std::cerr << "download failed or checksum differs\n";
    return 1;
  }
  std::printf(
      "file download through the server: %zu MiB in %.2f s = %.1f MiB/s (sha256 verified)\n",
      size >> 20, secs, static_cast<double>(size) / (1 << 20) / secs);
  return 0;
}

int concurrent(const Options& o) {
  std::vector<std::unique_ptr<ConsoleSocket>> all;
  auto t0 = Clock::now();
  for (int i = 0; i < o.sessions; ++i)
    all.push_back(open(o, "/api/v1/hosts/" + std::to_string(o.host) + "/sessions/terminal"));
  int ready = 0;
  for (auto& s : all) ready += s->waitType("ready", 60s) ? 1 : 0;
  double openSecs = std::chrono::duration<double>(Clock::now() - t0).count();
  for (int i = 0; i < o.sessions; ++i)
    all[i]->sendBinary("echo sess-" + std::to_string(i) + "-ok\n");
  int answered = 0;
  for (int i = 0; i < o.sessions; ++i)
    answered += all[i]->waitOutput("sess-" + std::to_string(i) + "-ok", 60s) ? 1 : 0;
  std::printf(
      "simultaneous terminal sessions: %d requested, %d open (in %.1f s), %d answered a command\n",
      o.sessions, ready, openSecs, answered);
  std::fflush(stdout);
  // Keep them open while the caller samples the server's memory.
  std::this_thread::sleep_for(2s);
  return answered == o.sessions ? 0 : 1;
}

int main(int argc, char** argv) {
  CLI::App app{"parc-streams-bench"};
  Options o;
  app.add_option("--console-url", o.url)->required();
  app.add_option("--fingerprint", o.fingerprint)->required();
  app.add_option("--token", o.token)->required();
  app.add_option("--host", o.host);
  app.add_option("--samples", o.samples);
  app.add_option("--sessions", o.sessions);
  app.add_option("--file", o.file, "absolute path on the PC to download");
  std::string what = "all";
  app.add_option("--what", what)->check(CLI::IsMember({"all", "echo", "throughput", "sessions"}));
  CLI11_PARSE(app, argc, argv);
  int rc = 0;
  if (what == "all" || what == "echo") rc |= echoLatency(o);
  if (what == "all" || what == "throughput") rc |= throughput(o);
  if (what == "all" || what == "sessions") rc |= concurrent(o);
  return rc;
}
