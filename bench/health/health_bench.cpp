// Health benchmarks (docs/health.md; figures in docs/benchmarks.md):
//   parc-health-bench sampler [N]            CPU cost of one agent sample on this machine
//   parc-health-bench fleet HOSTS MINUTES    ingest + rule evaluation at fleet scale
//   parc-health-bench storage                bytes per host per day after downsampling
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "agent/health/monitor.h"
#include "server/alerts/health_service.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double cpuSeconds(int who) {
  rusage u{};
  getrusage(who, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

int samplerBench(int n) {
  using namespace parc::agent::health;
  auto context = HealthContext::live();
  std::int64_t fakeNow = std::time(nullptr);
  context.now = [&fakeNow] { return fakeNow; };
  // Slow samplers (SMART, apt) measured apart: they run once an hour.
  HealthMonitor fast(context, allSamplers(), std::chrono::seconds(60),
                     std::chrono::seconds(1LL << 40), defaultLocalThresholds(),
                     std::chrono::seconds(1LL << 40));
  fast.sample();  // warm-up: rates need a previous round
  double c0 = cpuSeconds(RUSAGE_SELF), ch0 = cpuSeconds(RUSAGE_CHILDREN);
  auto t0 = Clock::now();
  std::size_t metrics = 0, bytes = 0;
  for (int i = 0; i < n; ++i) {
    fakeNow += 60;
    auto s = fast.sample();
    metrics = s.metrics["metrics"].size();
    bytes = s.metrics.dump().size();
  }
  double cpu = cpuSeconds(RUSAGE_SELF) - c0, child = cpuSeconds(RUSAGE_CHILDREN) - ch0;
  std::printf(
      "fast samplers: %d samples, %.3f ms CPU/sample in the agent + %.3f ms in "
      "programs it ran, %.3f ms wall/sample, %zu metrics, %zu bytes JSON\n",
      n, 1000 * cpu / n, 1000 * child / n, 1000 * since(t0) / n, metrics, bytes);
  HealthMonitor slow(context, allSamplers(), std::chrono::seconds(60), std::chrono::seconds(3600));
  c0 = cpuSeconds(RUSAGE_SELF);
  ch0 = cpuSeconds(RUSAGE_CHILDREN);
  t0 = Clock::now();
  auto s = slow.sample();  // the first round runs the slow samplers too
  std::printf(
      "round with slow samplers (SMART, apt): %.1f ms CPU in the agent + %.1f ms in "
      "programs, %.0f ms wall, %zu metrics\n",
      1000 * (cpuSeconds(RUSAGE_SELF) - c0), 1000 * (cpuSeconds(RUSAGE_CHILDREN) - ch0),
      1000 * since(t0), s.metrics["metrics"].size());
  return 0;
}

// 30 metrics like a town-hall PC's: CPU, 4 cores, load, memory, 2 disks × 4, disk I/O,
// network, temperatures, battery, time, units.
parc::Json batch(std::int64_t t, int host, int minute) {
  parc::Json m = parc::Json::array();
  auto add = [&](const char* name, const char* subject, double v) {
    parc::Json item{{"name", name}, {"value", v}};
    if (*subject) item["subject"] = subject;
    m.push_back(std::move(item));
  };
  double wave = (minute * 7 + host * 13) % 100;
  add("cpu.usage_pct", "", wave);
  add("cpu.iowait_pct", "", wave / 10);
  for (const char* c : {"cpu0", "cpu1", "cpu2", "cpu3"}) add("cpu.usage_pct", c, wave);
  add("load.1", "", wave / 50);
  add("load.5", "", wave / 60);
  add("load.15", "", wave / 70);
  add("mem.used_pct", "", 40 + wave / 5);
  add("mem.available_bytes", "", 4e9);
  add("swap.used_pct", "", 2);
  for (const char* d : {"/", "/home"}) {
    add("disk.used_pct", d, 50 + (host % 45) + minute * 0.001);
    add("disk.free_bytes", d, 1e11);
    add("disk.size_bytes", d, 2.5e11);
    add("disk.inodes_used_pct", d, 10);
  }
  add("disk.read_bps", "sda", wave * 1000);
  add("disk.write_bps", "sda", wave * 2000);
  add("disk.await_ms", "sda", 2);
  add("disk.busy_pct", "sda", wave / 4);
  add("net.rx_bps", "eth0", wave * 100);
  add("net.tx_bps", "eth0", wave * 50);
  add("temp.celsius", "coretemp/Package id 0", 45 + wave / 10);
  add("time.synced", "", 1);
  add("battery.charge_pct", "BAT0", 100 - wave / 2);
  add("systemd.failed_units", "", 0);
  return parc::Json{{"version", 1}, {"collected_at", t}, {"interval_seconds", 60}, {"metrics", m}};
}

int fleetBench(int hosts, int minutes) {
  using namespace parc::server::alerts;
  fs::path dir = fs::temp_directory_path() / ("parc-health-bench-" + std::to_string(getpid()));
  fs::create_directories(dir);
  {
    HealthSettings settings;
    settings.dataDir = dir;
    HealthService svc(settings);
    for (int h = 1; h <= hosts; ++h) {
      svc.setHost({h, 1 + h / 25, "pc-" + std::to_string(h), {}, {}});
    }
    std::int64_t t = 1795910400;
    double ingestTotal = 0, evalMax = 0, evalTotal = 0;
    std::int64_t points = 0;
    for (int minute = 0; minute < minutes; ++minute, t += 60) {
      auto t0 = Clock::now();
      for (int h = 1; h <= hosts; ++h) {
        auto b = batch(t, h, minute);
        points += static_cast<std::int64_t>(b["metrics"].size());
        svc.ingestMetrics(h, 1 + h / 25, std::to_string(minute) + "-" + std::to_string(h), b, t);
      }
      double ingest = since(t0);
      ingestTotal += ingest;
      t0 = Clock::now();
      svc.evaluate(t);
      double eval = since(t0);
      evalTotal += eval;
      evalMax = std::max(evalMax, eval);
      std::printf("minute %d: ingest %.2f s (%.0f points/s), evaluate %.2f s, %zu alerts open\n",
                  minute, ingest, double(hosts) * 30 / ingest, eval, svc.engine().openCount());
      std::fflush(stdout);
    }
    std::printf(
        "fleet: %d hosts x 30 metrics, %d minutes: %lld points, ingest %.0f points/s "
        "(%.1f s per minute of data), evaluate mean %.2f s max %.2f s, metrics.sqlite "
        "%.1f MiB\n",
        hosts, minutes, static_cast<long long>(points), double(points) / ingestTotal,
        ingestTotal / minutes, evalTotal / minutes, evalMax,
        double(svc.metrics().sizeBytes()) / (1 << 20));
  }
  fs::remove_all(dir);
  return 0;
}

int storageBench() {
  using namespace parc::server;
  auto store = health::MetricsStore::inMemory();
  std::int64_t day = 1795910400;
  for (int minute = 0; minute < 1440; ++minute) {
    auto b = health::parseMetricsPayload(batch(day + minute * 60, 7, minute), day + minute * 60);
    store->ingest(7, 1, std::to_string(minute), b, day + minute * 60);
  }
  store->rollUp(day + 86400);
  std::int64_t all = store->sizeBytes();
  std::int64_t raw = store->pointCount("raw"), five = store->pointCount("5m"),
               hour = store->pointCount("1h");
  // Two days later the raw points are gone: what a day costs for the long term.
  store->applyRetention(day + 3 * 86400);
  std::printf(
      "one host, one day, 30 metrics/min: %lld raw + %lld 5-min + %lld hourly points; "
      "%lld bytes with raw, %lld bytes per host per day once downsampled "
      "(raw kept 48 h costs %lld bytes per host per day)\n",
      static_cast<long long>(raw), static_cast<long long>(five), static_cast<long long>(hour),
      static_cast<long long>(all), static_cast<long long>(store->sizeBytes()),
      static_cast<long long>(all - store->sizeBytes()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);  // one line per alert would time the terminal
  std::string mode = argc > 1 ? argv[1] : "";
  try {
    if (mode == "sampler") return samplerBench(argc > 2 ? std::stoi(argv[2]) : 100);
    if (mode == "fleet") {
      return fleetBench(argc > 2 ? std::stoi(argv[2]) : 10000, argc > 3 ? std::stoi(argv[3]) : 3);
    }
    if (mode == "storage") return storageBench();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parc-health-bench: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "usage: parc-health-bench sampler [N] | fleet HOSTS MINUTES | storage\n");
  return 2;
}
