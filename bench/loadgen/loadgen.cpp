// parc-loadgen: N simulated agents in one process, with real mTLS sessions and real
// protocol messages: enrolment (identities kept on disk, so runs resume), one control
// channel (WebSocket) per agent answering the server's commands and carrying its
// metrics reports, as the agent does ("report" / "report_ack"; --reports-over https
// sends each through POST /api/v1/messages on a new TLS connection instead). A dropped
// or refused channel is redialled with the agent's jitter (1–10 s, then backoff).
// Prints throughput, latency percentiles and errors; with --json, one JSON object on
// its last line.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>  // before Asio (Boost 1.74)

#include "bench/loadgen/inventory_texts.h"
#include "bench/loadgen/spliced_text.h"
#include "common/crypto/hash.h"
#include "common/crypto/x509.h"
#include "common/files/files.h"
#include "common/json/json.h"
#include "common/net/client.h"
#include "common/protocol/control.h"
#include "common/protocol/messages.h"
#include "common/thread/backoff.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using TlsStream = asio::ssl::stream<beast::tcp_stream>;
using namespace std::chrono_literals;

namespace {

struct Options {
  std::string server, caFingerprint, token, stateDir = "loadgen-state";
  std::string reportsOver = "channel";
  int agents = 100, duration = 60, reportInterval = 60, connectRate = 500, threads = 1;
  // Every hotEvery-th agent reports its system disk 99 % full (a critical alert at once,
  // rule disk_usage); hotLog gets "hostname sent-at-ms" for each one's first such report.
  int hotEvery = 0;
  std::string hotLog;
  // Inventories (inventory_texts.h): off without a template; the agent's default interval.
  std::string inventoryFile;
  int inventoryInterval = 3600;
  bool json = false;
};

struct Identity {
  std::string certPem, keyPem;
  parc::crypto::Certificate cert;
  parc::crypto::PrivateKey key;
};

struct Stats {
  std::atomic<long> connected{0}, connectedPeak{0}, reportsAcked{0}, errors{0}, commands{0};
  std::atomic<long> redials{0}, reportsUnanswered{0};
  std::atomic<long> inventoriesAcked{0}, inventoriesFull{0};
  std::atomic<long> inventoriesBusy{0};         // refused with 503 (server busy), sent again
  std::atomic<double> allConnectedSeconds{-1};  // first time every agent was connected
  std::atomic<long> reportsAckedSteady{0};      // after every channel was opened
  std::chrono::steady_clock::time_point steadyFrom;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  long agents = 0;
  std::mutex m;
  std::vector<double> reportMs, connectMs;
  std::vector<double> reportMsSteady;  // reports sent after the connection ramp
  std::vector<double> inventoryMs;     // apart: a 450 KB inventory is not a metrics batch
  // Per minute of the run (by sending time, from the first dial): a long run's whole
  // percentiles mix its ramp with its steady state, and hide a slower minute.
  std::vector<std::vector<double>> reportMsByMinute;
  std::vector<std::pair<int, std::int64_t>> hotSent;  // agent index, first hot report sent (ms)
  // Errors by where they happened and why ("tls: stream truncated"): a ramp's errors
  // are otherwise one number that says nothing of their cause.
  std::map<std::string, long> errorKinds;
  void fail(std::string_view stage, const std::string& why) {
    ++errors;
    std::lock_guard lock(m);
    ++errorKinds[std::string(stage) + ": " + why];
  }
  void sample(std::vector<double>& v, double ms) {
    std::lock_guard lock(m);
    v.push_back(ms);
  }
  // One acknowledged report, sent at `sentAt` and answered `ms` later.
  void acked(std::chrono::steady_clock::time_point sentAt, double ms) {
    ++reportsAcked;
    auto minute = static_cast<std::size_t>(
        std::chrono::duration_cast<std::chrono::minutes>(sentAt - start).count());
    std::lock_guard lock(m);
    reportMs.push_back(ms);
    if (sentAt >= steadyFrom) {
      ++reportsAckedSteady;
      reportMsSteady.push_back(ms);
    }
    if (reportMsByMinute.size() <= minute) reportMsByMinute.resize(minute + 1);
    reportMsByMinute[minute].push_back(ms);
  }
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// Simulated agent i's host name, as enrolled (run.sh finds hot hosts by it).
std::string hostnameOf(int i) {
  return "loadgen-" + std::to_string(i);
}

// Enrols agent `i` once; later runs load its identity from the state directory.
Identity identityFor(const Options& o, int i) {
  auto dir = std::filesystem::path(o.stateDir) / ("agent-" + std::to_string(i));
  if (!std::filesystem::exists(dir / "agent.pem")) {
    parc::files::ensureDirectory(dir, 0700);
    auto key = parc::crypto::generateKey();
    parc::protocol::EnrollRequest req{o.token, parc::crypto::makeCsrPem(key.get(), "loadgen"),
                                      hostnameOf(i), hostnameOf(i)};
    parc::tls::ClientTlsConfig t;
    t.pinnedFingerprint = o.caFingerprint;
    parc::net::HttpsClient client(parc::net::parseHostPort(o.server),
                                  parc::tls::TlsContext::client(t));
    auto res = client.send({"POST",
                            "/api/v1/enroll",
                            {{"content-type", "application/json"}},
                            parc::Json(req).dump(),
                            {},
                            {}});
    if (res.status != 201) throw std::runtime_error("enrolment refused: " + res.body);
    auto resp =
        parc::fromJson<parc::protocol::EnrollResponse>(parc::parseJson(res.body), "enrolment");
    parc::crypto::writePrivateKey(dir / "agent.key", key.get());
    parc::files::writeAtomic(dir / "agent.pem", resp.certificatePem);
  }
  Identity id;
  id.certPem = parc::files::read(dir / "agent.pem");
  id.keyPem = parc::files::read(dir / "agent.key");
  id.cert = parc::crypto::certificateFromPem(id.certPem);
  id.key = parc::crypto::privateKeyFromPem(id.keyPem);
  return id;
}

class Agent : public std::enable_shared_from_this<Agent> {
 public:
  /// The report templates give what the report builders give (at start, once).
  static void checkReportTemplates() {
    reportText(false).check();
    reportText(true).check();
  }
  Agent(asio::io_context& io, asio::ssl::context& ctx, const Options& o, Identity id, Stats& s,
        std::chrono::steady_clock::time_point end, int index,
        const parc::loadgen::InventoryTexts* inventories)
      : io_(io),
        ctx_(ctx),
        o_(o),
        id_(std::move(id)),
        stats_(s),
        end_(end),
        index_(index),
        inventories_(inventories) {
    if (inventories_) {
      pc_ = inventories_->pc(index_, hostnameOf(index_));
      ackedHash_ = parc::files::tryRead(ackedHashFile()).value_or("");
    }
  }

  // The control channel, redialled as the agent does until the end of the run.
  awaitable<void> controlChannel() {
    auto self = shared_from_this();
    for (int attempt = 0; std::chrono::steady_clock::now() < end_; ++attempt) {
      bool wasUp = co_await channelOnce();
      if (std::chrono::steady_clock::now() >= end_) break;
      if (wasUp) attempt = 0;
      ++stats_.redials;
      asio::steady_timer wait(
          io_, std::min(std::chrono::steady_clock::now() + retryDelay(attempt), end_));
      beast::error_code ec;
      co_await wait.async_wait(asio::redirect_error(use_awaitable, ec));
    }
  }

  // Metrics batches every --report-interval; with a template, inventories every
  // --inventory-interval as the agent sends them: full on a PC's first contact, then deltas
  // on the view the server acknowledged (kept in the state directory, so a later run sends
  // deltas), over the channel (the agent sends batches under 768 KiB on it).
  awaitable<void> reports(std::chrono::milliseconds firstDelay) {
    return periodically(firstDelay, std::chrono::seconds(o_.reportInterval), Sent::kMetrics);
  }
  awaitable<void> inventories(std::chrono::milliseconds firstDelay) {
    return periodically(firstDelay, std::chrono::seconds(o_.inventoryInterval), Sent::kInventory);
  }

 private:
  enum class Sent { kMetrics, kInventory };

  awaitable<void> periodically(std::chrono::milliseconds firstDelay, std::chrono::seconds interval,
                               Sent what) {
    auto self = shared_from_this();
    asio::steady_timer timer(io_);
    // Never wait past the end of the run.
    timer.expires_at(std::min(std::chrono::steady_clock::now() + firstDelay, end_));
    for (;;) {
      beast::error_code ec;
      co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
      if (std::chrono::steady_clock::now() >= end_) co_return;
      auto next = interval;
      if (what == Sent::kMetrics) {
        co_await report();
      } else if (ws_) {
        if (!inventoryInFlight()) sendInventory();  // one at a time, as the agent's outbox
      } else {
        next = 1s;  // the outbox would keep it: try again once the channel is back
      }
      timer.expires_at(std::min(std::chrono::steady_clock::now() + next, end_));
    }
  }

  parc::net::Endpoint endpoint() const { return parc::net::parseHostPort(o_.server); }

  static double ms(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
  }

  awaitable<bool> connect(TlsStream& stream, beast::error_code& ec) {
    auto ep = endpoint();
    SSL_use_certificate(stream.native_handle(), id_.cert.get());
    SSL_use_PrivateKey(stream.native_handle(), id_.key.get());
    beast::get_lowest_layer(stream).expires_after(30s);
    tcp::endpoint target(asio::ip::make_address(ep.host), ep.port);
    // Each simulated PC dials from its own loopback address (127.1.x.y), as PCs of
    // many town halls would: the server's per-address limit applies as in the field,
    // and one source address would run out of ephemeral ports past ~28,000 connections.
    auto& socket = beast::get_lowest_layer(stream).socket();
    socket.open(tcp::v4(), ec);
    if (!ec && target.address().is_loopback()) {
      auto source = asio::ip::make_address_v4("127.1." + std::to_string(index_ / 200) + "." +
                                              std::to_string(index_ % 200 + 1));
      socket.bind(tcp::endpoint(source, 0), ec);
    }
    if (!ec) co_await socket.async_connect(target, asio::redirect_error(use_awaitable, ec));
    if (ec) {
      stats_.fail("connect", ec.message());
      co_return false;
    }
    co_await stream.async_handshake(asio::ssl::stream_base::client,
                                    asio::redirect_error(use_awaitable, ec));
    if (ec) stats_.fail("tls handshake", ec.message());
    co_return !ec;
  }

  // A real agent's batch (docs/health.md): 30 metrics, what a PC samples every minute.
  static parc::Json metricsBatch(bool hot, std::int64_t collectedAt, double cpu) {
    parc::Json metrics = parc::Json::array();
    metrics.push_back({{"name", "cpu.usage_pct"}, {"value", cpu}});
    for (int core = 0; core < 4; ++core) {
      metrics.push_back({{"name", "cpu.core_pct"},
                         {"subject", std::to_string(core)},
                         {"value", static_cast<double>(core * 20 + 3)}});
    }
    for (const char* name : {"load.1", "load.5", "load.15", "mem.used_pct", "mem.available_bytes",
                             "swap.used_pct", "battery.health_pct"}) {
      metrics.push_back({{"name", name}, {"value", 1.5}});
    }
    for (const char* mount : {"/", "/home"}) {
      bool full = hot && std::string(mount) == "/";
      metrics.push_back(
          {{"name", "disk.used_pct"}, {"subject", mount}, {"value", full ? 99.0 : 61.2}});
      metrics.push_back({{"name", "disk.free_bytes"}, {"subject", mount}, {"value", 8.1e10}});
    }
    for (const char* m : {"disk.read_bps", "disk.write_bps", "disk.await_ms", "disk.busy_pct"}) {
      metrics.push_back({{"name", m}, {"subject", "sda"}, {"value", 1200.0}});
    }
    for (const char* m : {"net.rx_bps", "net.tx_bps", "net.errors_per_min"}) {
      metrics.push_back({{"name", m}, {"subject", "eth0"}, {"value", 5000.0}});
    }
    for (const char* m :
         {"temp.celsius", "uptime.seconds", "systemd.units_failed", "printer.stuck_jobs",
          "time.synced", "updates.pending", "smart.healthy"}) {
      metrics.push_back({{"name", m}, {"value", 1.0}});
    }
    return parc::Json{{"version", 1},
                      {"collected_at", collectedAt},
                      {"interval_seconds", 60},
                      {"metrics", metrics}};
  }

  // A report's text, spliced into a template that the builders above wrote once with
  // marks where each report differs (bench/loadgen/spliced_text.h).
  class ReportText {
   public:
    explicit ReportText(bool hot)
        : hot_(hot),
          text_(parc::protocol::toJson(
                    parc::protocol::Report{kFrameMark, reportBody(hot, kMessageMark, kCreatedMark,
                                                                  kCollectedMark, kCpuMark)})
                    .dump(),
                texts(kFrameMark, kMessageMark, kCreatedMark, kCollectedMark, kCpuMark)) {}

    std::string make(const std::string& frameId, const std::string& messageId, std::int64_t created,
                     std::int64_t collected, double cpu) const {
      return text_.make(texts(frameId, messageId, created, collected, cpu));
    }

    /// The template gives what the builders give (checked once at start).
    void check() const {
      std::string frame = "f-" + parc::crypto::uuid4(), message = parc::crypto::uuid4();
      auto expected = parc::protocol::toJson(
          parc::protocol::Report{frame, reportBody(hot_, message, 1700000000, 1700000001, 12.5)});
      if (parc::parseJson(make(frame, message, 1700000000, 1700000001, 12.5)) != expected)
        throw std::runtime_error("report template differs from the report builder");
    }

   private:
    // The fields as they appear in the text, in one order for the marks and the values.
    static std::vector<std::string> texts(const std::string& frameId, const std::string& messageId,
                                          std::int64_t created, std::int64_t collected,
                                          double cpu) {
      return {frameId, messageId, std::to_string(created), std::to_string(collected),
              parc::Json(cpu).dump()};
    }

    static constexpr const char* kFrameMark = "@@frame@@";
    static constexpr const char* kMessageMark = "@@message@@";
    static constexpr std::int64_t kCreatedMark = 1111111111;
    static constexpr std::int64_t kCollectedMark = 2222222222;
    static constexpr double kCpuMark = 777.25;
    bool hot_;
    parc::loadgen::SplicedText text_;
  };

  static const ReportText& reportText(bool hot) {
    static const ReportText plain(false), heated(true);
    return hot ? heated : plain;
  }

  // What varies from one report to the next, as an agent's samples would.
  static double nextCpu() {
    static thread_local std::uint64_t n = 0;
    return 5.0 + static_cast<double>(++n % 40);
  }

  bool hot() const { return o_.hotEvery > 0 && index_ % o_.hotEvery == 0; }

  std::filesystem::path ackedHashFile() const {
    return std::filesystem::path(o_.stateDir) / ("agent-" + std::to_string(index_)) /
           "inventory-acked";
  }

  // A delta built while another is unanswered would rest on a view the server may
  // replace before it arrives (refused: "a view the server does not hold"). Those in
  // flight are in pending_, emptied when the channel drops.
  bool inventoryInFlight() const {
    return std::any_of(pending_.begin(), pending_.end(),
                       [](const auto& p) { return p.second.what == Sent::kInventory; });
  }

  void sendInventory() {
    std::string frame = parc::crypto::uuid4();
    auto now = static_cast<std::int64_t>(std::time(nullptr));
    bool full = ackedHash_.empty();
    std::string hash = full ? pc_.fullHash : parc::crypto::sha256Hex(ackedHash_ + frame);
    pending_[frame] = {std::chrono::steady_clock::now(), Sent::kInventory, hash};
    send(full ? inventories_->full(pc_, frame, parc::crypto::uuid4(), now)
              : inventories_->delta(pc_, frame, parc::crypto::uuid4(), now, hash, ackedHash_));
    if (full) ++stats_.inventoriesFull;
  }

  void inventoryAnswered(const parc::protocol::ReportAck& ack,
                         std::chrono::steady_clock::time_point sentAt, const std::string& hash) {
    std::string status = ack.results.empty() ? "" : ack.results[0].value("status", "");
    if (ack.error.empty() && (status == "stored" || status == "duplicate")) {
      ++stats_.inventoriesAcked;
      inventoryRefusals_ = 0;
      stats_.sample(stats_.inventoryMs, ms(sentAt));
      ackedHash_ = hash;
      // Not fsync'd (writeAtomic would be): the server's disk is this one.
      std::ofstream(ackedHashFile(), std::ios::trunc) << ackedHash_;
      return;
    }
    std::string why = !ack.error.empty()    ? ack.error
                      : ack.results.empty() ? "no result"
                                            : ack.results[0].value("error", status);
    stats_.fail("inventory over the channel", why);
    if (ack.status == 503) {
      // Refused unread (the server's queue was full): the view it holds is unchanged, and
      // the agent's outbox sends the same again after its backoff, not an hour later.
      ++stats_.inventoriesBusy;
      retryInventory(ack.retryAfter);
      return;
    }
    // A delta on a view the server does not hold: the agent sends a full one next.
    ackedHash_.clear();
  }

  // The agent's wait after a failed delivery (agent/service/service.cpp): the server's
  // turn when it named one, else 1 s doubling per failure; at most 5 min (the agent's
  // retry_max_seconds is 15 min by default: a run of minutes would not see the difference).
  void retryInventory(std::chrono::milliseconds hint) {
    auto wait = parc::retryDelay(inventoryRefusals_++, 1s, 5min, hint);
    asio::co_spawn(
        io_, [self = shared_from_this(), wait] { return self->inventoryAgain(wait); },
        asio::detached);
  }
  awaitable<void> inventoryAgain(std::chrono::milliseconds wait) {
    asio::steady_timer timer(io_, std::min(std::chrono::steady_clock::now() + wait, end_));
    for (;;) {
      beast::error_code ec;
      co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
      if (std::chrono::steady_clock::now() >= end_) co_return;
      if (ws_) {
        if (!inventoryInFlight()) sendInventory();  // else the periodic round sent it
        co_return;
      }
      timer.expires_at(std::min(std::chrono::steady_clock::now() + 1s, end_));  // channel down
    }
  }

  // The first hot report's send time, kept once it is acknowledged (a report that fails
  // leaves the time of the first one: a later alert counts as slower, never faster).
  void sentHot() {
    if (hot() && hotSentMs_ == 0)
      hotSentMs_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  }
  void ackedHot() {
    if (!hot() || hotLogged_ || hotSentMs_ == 0) return;
    hotLogged_ = true;
    std::lock_guard lock(stats_.m);
    stats_.hotSent.emplace_back(index_, hotSentMs_);
  }

  awaitable<void> report() {
    sentHot();
    if (o_.reportsOver == "channel" && ws_) {
      std::string id = parc::crypto::uuid4();
      pending_[id] = {std::chrono::steady_clock::now(), Sent::kMetrics, ""};
      auto now = static_cast<std::int64_t>(std::time(nullptr));
      send(reportText(hot()).make(id, parc::crypto::uuid4(), now, now, nextCpu()));
      co_return;
    }
    co_await reportOverHttps();
  }

  static parc::Json reportBody(bool hot, const std::string& messageId, std::int64_t created,
                               std::int64_t collected, double cpu) {
    return parc::Json{{"version", 1},
                      {"messages",
                       {parc::Json{{"id", messageId},
                                   {"type", "metrics"},
                                   {"created_at", created},
                                   {"payload", metricsBatch(hot, collected, cpu)}}}}};
  }

  awaitable<void> reportOverHttps() {
    auto start = std::chrono::steady_clock::now();
    TlsStream stream(io_, ctx_);
    beast::error_code ec;
    if (!co_await connect(stream, ec)) co_return;
    auto now = static_cast<std::int64_t>(std::time(nullptr));
    parc::Json body = reportBody(hot(), parc::crypto::uuid4(), now, now, nextCpu());
    http::request<http::string_body> req{http::verb::post, "/api/v1/messages", 11};
    req.set(http::field::host, o_.server);
    req.set(http::field::content_type, "application/json");
    req.body() = body.dump();
    req.keep_alive(false);
    req.prepare_payload();
    beast::get_lowest_layer(stream).expires_after(30s);
    co_await http::async_write(stream, req, asio::redirect_error(use_awaitable, ec));
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    if (!ec) co_await http::async_read(stream, buf, res, asio::redirect_error(use_awaitable, ec));
    if (ec) {
      stats_.fail("https report", ec.message());
    } else if (res.result_int() != 200 || res.body().find("\"stored\"") == std::string::npos) {
      stats_.fail("https report", "HTTP " + std::to_string(res.result_int()));
    } else {
      ackedHot();
      stats_.acked(start, ms(start));
    }
    beast::get_lowest_layer(stream).expires_after(2s);
    co_await stream.async_shutdown(asio::redirect_error(use_awaitable, ec));
  }

  // One connection of the control channel; true when it was established.
  awaitable<bool> channelOnce() {
    auto start = std::chrono::steady_clock::now();
    websocket::stream<TlsStream> ws(io_, ctx_);
    beast::error_code ec;
    if (!co_await connect(ws.next_layer(), ec)) co_return false;
    beast::get_lowest_layer(ws).expires_never();
    websocket::stream_base::timeout t{};
    t.handshake_timeout = 30s;
    t.idle_timeout = 40s;  // as the agent: pings at half of it
    t.keep_alive_pings = true;
    ws.set_option(t);
    ws.read_message_max(1024 * 1024);
    co_await ws.async_handshake(endpoint().host, "/api/v1/control",
                                asio::redirect_error(use_awaitable, ec));
    if (ec) {
      stats_.fail("websocket upgrade", ec.message());
      co_return false;
    }
    stats_.sample(stats_.connectMs, ms(start));
    long now = ++stats_.connected;
    long peak = stats_.connectedPeak.load();
    while (now > peak && !stats_.connectedPeak.compare_exchange_weak(peak, now)) {
    }
    if (now == stats_.agents && stats_.allConnectedSeconds.load() < 0)
      stats_.allConnectedSeconds = ms(stats_.start) / 1000.0;
    ws_ = &ws;
    send(parc::protocol::toJson(parc::protocol::Hello{"loadgen"}).dump());
    // At the end, once the inventory in flight is answered (at most 5 s later): closed
    // before its answer, the server would hold a view this PC never saw acknowledged, and
    // a resumed run's delta on the older one is refused. Closed, not cancelled: a cancel
    // reaches only the socket operation pending at that instant, and a read then waiting
    // inside Beast for a ping's write went on reading afterwards (a run hung at its end).
    asio::steady_timer closer(io_, end_);
    // A wait that fired just before this function returns runs after it: it must not touch
    // the stream then.
    auto here = std::make_shared<bool>(true);
    std::function<void(beast::error_code)> closeOnceAnswered = [&, here](beast::error_code e) {
      if (e || !*here) return;
      if (!inventoryInFlight() || std::chrono::steady_clock::now() >= end_ + 5s) {
        beast::get_lowest_layer(ws).close();
        return;
      }
      closer.expires_after(50ms);
      closer.async_wait(closeOnceAnswered);
    };
    closer.async_wait(closeOnceAnswered);
    beast::flat_buffer buf;
    while (!ec) {
      co_await ws.async_read(buf, asio::redirect_error(use_awaitable, ec));
      if (ec) break;
      try {
        auto msg = parc::parseJson(beast::buffers_to_string(buf.data()));
        buf.consume(buf.size());
        received(msg);
      } catch (const std::exception& e) {
        stats_.fail("channel frame", e.what());
      }
    }
    *here = false;
    closer.cancel();
    ws_ = nullptr;
    // Reports in flight on this connection will not be answered (the agent resends).
    stats_.reportsUnanswered += static_cast<long>(pending_.size());
    pending_.clear();
    while (writing_) {  // the writer still holds the stream
      asio::steady_timer w(io_, 5ms);
      co_await w.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    outq_.clear();
    --stats_.connected;
    if (std::chrono::steady_clock::now() < end_) stats_.fail("channel dropped", ec.message());
    co_return true;
  }

  // What the server sends: commands (answered as an agent would) and report answers.
  void received(const parc::Json& msg) {
    std::string type = parc::protocol::controlType(msg);
    if (type == "command") {
      auto c = parc::protocol::commandFromJson(msg);
      parc::protocol::Reply r{c.id, c.name == "ping" ? "ok" : "refused", parc::Json::object(), ""};
      ++stats_.commands;
      send(parc::protocol::toJson(r).dump());
    } else if (type == "report_ack") {
      auto ack = parc::protocol::reportAckFromJson(msg);
      auto it = pending_.find(ack.id);
      if (it == pending_.end()) return;
      Pending sent = std::move(it->second);
      pending_.erase(it);
      auto startedAt = sent.at;
      if (sent.what == Sent::kInventory) {
        inventoryAnswered(ack, startedAt, sent.hash);
      } else if (ack.error.empty() && !ack.results.empty() &&
                 ack.results[0].value("status", "") == "stored") {
        ackedHot();
        stats_.acked(startedAt, ms(startedAt));
      } else {
        stats_.fail("report over the channel", ack.error.empty() ? "not stored" : ack.error);
      }
    }
  }

  // Beast allows one write at a time: frames queue and one writer sends them in order.
  void send(std::string text) {
    outq_.push_back(std::move(text));
    if (writing_ || !ws_) return;
    writing_ = true;
    asio::co_spawn(
        io_, [self = shared_from_this()] { return self->writer(); }, asio::detached);
  }

  awaitable<void> writer() {
    beast::error_code ec;
    while (!outq_.empty() && ws_ && !ec) {
      std::string text = std::move(outq_.front());
      outq_.pop_front();
      co_await ws_->async_write(asio::buffer(text), asio::redirect_error(use_awaitable, ec));
    }
    writing_ = false;
  }

  std::chrono::milliseconds retryDelay(int attempt) {
    std::uniform_int_distribution<long> first(1000, 10000);
    if (attempt == 0) return std::chrono::milliseconds(first(rng_));
    long ceiling = std::min<long>(300000, 10000L << std::min(attempt, 5));
    return std::chrono::milliseconds(std::uniform_int_distribution<long>(1000, ceiling)(rng_));
  }

  websocket::stream<TlsStream>* ws_ = nullptr;
  std::deque<std::string> outq_;
  bool writing_ = false;
  struct Pending {
    std::chrono::steady_clock::time_point at;
    Sent what;
    std::string hash;  // an inventory's, which becomes the server's view once stored
  };
  std::unordered_map<std::string, Pending> pending_;
  std::mt19937 rng_{std::random_device{}()};

  asio::io_context& io_;
  asio::ssl::context& ctx_;
  const Options& o_;
  Identity id_;
  Stats& stats_;
  std::chrono::steady_clock::time_point end_;
  int index_;
  std::int64_t hotSentMs_ = 0;  // the first hot report's send time (system clock, ms)
  const parc::loadgen::InventoryTexts* inventories_;  // null: no inventories
  parc::loadgen::PcIdentity pc_;
  std::string ackedHash_;      // the server's view of this PC ("": none, send a full one)
  int inventoryRefusals_ = 0;  // 503s in a row: the backoff's exponent
  bool hotLogged_ = false;
};

void raiseFileLimit() {
  rlimit r{};
  getrlimit(RLIMIT_NOFILE, &r);
  r.rlim_cur = r.rlim_max;
  setrlimit(RLIMIT_NOFILE, &r);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"parc-loadgen: simulated Parc agents"};
  Options o;
  app.add_option("--server", o.server, "agent listener HOST:PORT")->required();
  app.add_option("--ca-fingerprint", o.caFingerprint, "server CA SHA-256")->required();
  app.add_option("--token", o.token, "enrolment token with enough uses (for new identities)");
  app.add_option("--agents", o.agents, "simulated agents");
  app.add_option("--duration", o.duration, "seconds of load after all agents have connected");
  app.add_option("--state-dir", o.stateDir, "where identities are kept between runs");
  app.add_option("--report-interval", o.reportInterval, "seconds between one agent's reports");
  app.add_option("--connect-rate", o.connectRate, "new control channels per second");
  app.add_option("--reports-over", o.reportsOver, "channel (as the agent) or https")
      ->check(CLI::IsMember({"channel", "https"}));
  app.add_option("--threads", o.threads, "event-loop threads (agents are spread over them)");
  app.add_option("--hot-every", o.hotEvery,
                 "every Nth agent reports its disk 99 % full (0: none), for rule latency");
  app.add_option("--hot-log", o.hotLog, "file for each hot agent's first report: hostname, ms");
  app.add_option("--inventory-file", o.inventoryFile,
                 "a real inventory (parc-agent inventory's output) each agent sends as its own");
  app.add_option("--inventory-interval", o.inventoryInterval,
                 "seconds between one agent's inventories (the first within a minute)");
  app.add_flag("--json", o.json, "one JSON object on the last line");
  CLI11_PARSE(app, argc, argv);
  raiseFileLimit();
  Agent::checkReportTemplates();
  std::unique_ptr<parc::loadgen::InventoryTexts> inventories;
  if (!o.inventoryFile.empty()) {
    if (o.reportsOver != "channel")
      throw std::runtime_error("--inventory-file: inventories go over the channel only");
    inventories = std::make_unique<parc::loadgen::InventoryTexts>(
        parc::parseJson(parc::files::read(o.inventoryFile)));
    // The agent sends a report over 768 KiB over HTTPS (agent/control/control_channel.cpp).
    if (inventories->fullBytes() > 768 * 1024)
      throw std::runtime_error(
          "--inventory-file: over 768 KiB, the agent would send it over "
          "HTTPS, which is not simulated");
  }

  auto enrolStart = std::chrono::steady_clock::now();
  std::vector<Identity> ids(static_cast<size_t>(o.agents));
  std::atomic<int> next{0};
  std::vector<std::thread> enrollers;
  for (int t = 0; t < 8; ++t) {
    enrollers.emplace_back([&] {
      for (int i = next++; i < o.agents; i = next++)
        ids[static_cast<size_t>(i)] = identityFor(o, i);
    });
  }
  for (auto& t : enrollers) t.join();
  double enrolSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - enrolStart).count();

  parc::tls::ClientTlsConfig trust;
  trust.pinnedFingerprint = o.caFingerprint;
  auto tls = parc::tls::TlsContext::client(trust);
  SSL_CTX_up_ref(tls->native());
  asio::ssl::context ctx(tls->native());
  SSL_CTX_set_session_cache_mode(ctx.native_handle(), SSL_SESS_CACHE_OFF);

  // One event loop per thread; each agent lives on one of them (no locks in an agent).
  std::vector<std::unique_ptr<asio::io_context>> loops;
  for (int t = 0; t < std::max(1, o.threads); ++t)
    loops.push_back(std::make_unique<asio::io_context>(1));
  Stats stats;
  stats.agents = o.agents;
  // Control channels open at --connect-rate; the measured period starts once all are up.
  auto rampSeconds = static_cast<double>(o.agents) / std::max(1, o.connectRate);
  auto connectStart = std::chrono::steady_clock::now();
  stats.start = connectStart;
  stats.steadyFrom =
      connectStart + std::chrono::milliseconds(static_cast<long>(rampSeconds * 1000));
  auto end = stats.steadyFrom + std::chrono::seconds(o.duration);
  std::mt19937 rng(7);
  for (int i = 0; i < o.agents; ++i) {
    auto& io = *loops[static_cast<size_t>(i) % loops.size()];
    auto agent = std::make_shared<Agent>(io, ctx, o, std::move(ids[static_cast<size_t>(i)]), stats,
                                         end, i, inventories.get());
    auto at = std::chrono::milliseconds(static_cast<long>(1000.0 * i / std::max(1, o.connectRate)));
    auto first =
        std::chrono::milliseconds(rng() % (static_cast<unsigned>(o.reportInterval) * 1000U));
    // A PC's inventory comes within a minute of its start (its collection, then the
    // outbox), spread so that a fleet's do not arrive in the same second.
    auto firstInventory = std::chrono::milliseconds(
        rng() % (static_cast<unsigned>(std::clamp(o.inventoryInterval, 1, 60)) * 1000U));
    auto timer = std::make_shared<asio::steady_timer>(io, at);
    bool withInventory = inventories != nullptr;
    timer->async_wait([agent, timer, first, firstInventory, withInventory](beast::error_code) {
      asio::co_spawn(
          timer->get_executor(), [agent] { return agent->controlChannel(); }, asio::detached);
      asio::co_spawn(
          timer->get_executor(), [agent, first] { return agent->reports(first); }, asio::detached);
      if (withInventory)
        asio::co_spawn(
            timer->get_executor(),
            [agent, firstInventory] { return agent->inventories(firstInventory); }, asio::detached);
    });
  }
  std::vector<std::thread> runners;
  for (auto& l : loops) runners.emplace_back([&l] { l->run(); });
  for (auto& r : runners) r.join();
  double total =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - connectStart).count();

  if (!o.hotLog.empty()) {
    std::string lines;
    for (const auto& [index, sentMs] : stats.hotSent)
      lines += hostnameOf(index) + " " + std::to_string(sentMs) + "\n";
    parc::files::writeAtomic(o.hotLog, lines);
  }
  parc::Json minutes = parc::Json::array();
  for (std::size_t m = 0; m < stats.reportMsByMinute.size(); ++m) {
    const auto& v = stats.reportMsByMinute[m];
    minutes.push_back({{"minute", m + 1},
                       {"acked", v.size()},
                       {"p50_ms", percentile(v, 0.50)},
                       {"p99_ms", percentile(v, 0.99)},
                       {"max_ms", v.empty() ? 0.0 : *std::max_element(v.begin(), v.end())}});
  }
  parc::Json out{
      {"agents", o.agents},
      {"hot_reports_acked", static_cast<long>(stats.hotSent.size())},
      {"agents_connected", stats.connectedPeak.load()},
      {"reports_acked", stats.reportsAcked.load()},
      {"reports_per_second", static_cast<double>(stats.reportsAcked.load()) / std::max(1.0, total)},
      {"steady_reports_per_second",
       static_cast<double>(stats.reportsAckedSteady.load()) / std::max(1, o.duration)},
      {"commands_answered", stats.commands.load()},
      {"errors", stats.errors.load()},
      {"error_kinds", stats.errorKinds},
      {"reports_over", o.reportsOver},
      {"reports_unanswered_at_drop", stats.reportsUnanswered.load()},
      {"redials", stats.redials.load()},
      {"all_connected_seconds", stats.allConnectedSeconds.load()},
      {"p50_ms", percentile(stats.reportMs, 0.50)},
      {"p99_ms", percentile(stats.reportMs, 0.99)},
      {"steady_p50_ms", percentile(stats.reportMsSteady, 0.50)},
      {"steady_p99_ms", percentile(stats.reportMsSteady, 0.99)},
      {"inventories_acked", stats.inventoriesAcked.load()},
      {"inventories_full", stats.inventoriesFull.load()},
      {"inventories_busy", stats.inventoriesBusy.load()},
      {"inventory_bytes_full", inventories ? inventories->fullBytes() : 0},
      {"inventory_p50_ms", percentile(stats.inventoryMs, 0.50)},
      {"inventory_p99_ms", percentile(stats.inventoryMs, 0.99)},
      {"connect_p50_ms", percentile(stats.connectMs, 0.50)},
      {"connect_p99_ms", percentile(stats.connectMs, 0.99)},
      {"enrol_seconds", enrolSeconds},
      {"run_seconds", total},
      {"minutes", minutes}};
  if (!o.json) {
    std::cout << "agents connected " << out["agents_connected"] << "/" << o.agents
              << ", reports acked " << out["reports_acked"] << " (" << out["reports_per_second"]
              << "/s), p50 " << out["p50_ms"] << " ms, p99 " << out["p99_ms"] << " ms, errors "
              << out["errors"] << "\n";
    if (inventories)
      std::cout << "inventories acked " << out["inventories_acked"] << " ("
                << out["inventories_full"] << " full sent, " << out["inventories_busy"]
                << " refused busy and sent again), p50 " << out["inventory_p50_ms"] << " ms, p99 "
                << out["inventory_p99_ms"] << " ms\n";
    for (const auto& m : minutes)
      std::cout << "  minute " << m["minute"] << ": " << m["acked"] << " acked, p50 " << m["p50_ms"]
                << " ms, p99 " << m["p99_ms"] << " ms, max " << m["max_ms"] << " ms\n";
  }
  std::cout << out.dump() << "\n";
  return 0;
}
