// Reliable delivery and the control channel, against the real programs: messages
// survive kill -9 of either side and a week offline, arrive exactly once and in order;
// the control channel carries commands and presence.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <ctime>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "common/compress/zstd.h"
#include "common/files/files.h"
#include "common/net/client.h"
#include "common/net/websocket.h"
#include "common/sqlite/database.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

using namespace std::chrono_literals;

class Delivery : public ::testing::Test {
 protected:
  void SetUp() override {
    server = std::make_unique<ServerFixture>(serverDir());
    ctl.login(*server);
    ctl.json({"tenants", "create", "--name", "Mairie de Villefranche", "--insee", "12300"});
    std::string token = ctl.json({"tokens", "create", "--tenant", "1"})["token"];
    RunResult r = agentCommand({"enroll", "--server", server->agentUrl, "--ca-fingerprint",
                                server->caFingerprint, "--token", token});
    ASSERT_EQ(r.exitCode, 0) << r.err;
  }

  std::filesystem::path serverDir() const { return tmp.path() / "server"; }
  std::filesystem::path agentDir() const { return tmp.path() / "agent"; }

  RunResult agentCommand(std::vector<std::string> args) {
    args.insert(args.begin(), binary("parc-agent"));
    args.insert(args.end(), {"--data-dir", agentDir().string()});
    return runProgram(args);
  }

  // Without health samples (metrics_interval = 0): these tests count what they emit, and
  // a sample sent while the channel comes up would travel over HTTPS.
  std::unique_ptr<Process> startAgent(const std::string& log) {
    files::writeAtomic(tmp.path() / "agent.toml", "metrics_interval = 0\n", 0644);
    return std::make_unique<Process>(
        std::vector<std::string>{binary("parc-agent"), "run", "--data-dir", agentDir().string(),
                                 "--retry-max-seconds", "1", "--config",
                                 (tmp.path() / "agent.toml").string()},
        tmp.path() / log);
  }

  void restartServer() {
    std::uint16_t a = server->agentPort, c = server->consolePort;
    server.reset();
    server = std::make_unique<ServerFixture>(serverDir(), a, c);
  }

  // Counts in the server's real databases: all rows, and distinct message ids. Metrics
  // batches are in metrics.sqlite alone: their ids (unique there), and the raw points of
  // "emitted.seq" (one per batch).
  std::pair<std::int64_t, std::int64_t> stored(const std::string& type) {
    if (type == "metrics") return {metricsRows("ingested"), emittedPoints()};
    auto db = sqlite::Database::open(serverDir() / "parc.db");
    sqlite::Statement s(
        db, "SELECT COUNT(*), COUNT(DISTINCT message_id) FROM agent_messages WHERE type = ?");
    s.bind(1, type);
    s.step();
    return {s.int64(0), s.int64(1)};
  }

  // The one value `sql` reads from the database `file`.
  static std::int64_t scalar(const std::filesystem::path& file, const std::string& sql) {
    auto db = sqlite::Database::open(file);
    sqlite::Statement s(db, sql);
    s.step();
    return s.int64(0);
  }

  // Raw points of the emitted batches (those collected in the last two days; older ones
  // are folded into the 5-minute aggregates at once).
  std::int64_t emittedPoints() {
    return scalar(serverDir() / "metrics.sqlite",
                  "SELECT COUNT(*) FROM raw r JOIN series s ON s.id = r.series_id "
                  "WHERE s.name = 'emitted.seq'");
  }

  // Rows of parc.db's received messages: ids and copies.
  std::int64_t parcDbMessageRows() {
    return scalar(serverDir() / "parc.db",
                  "SELECT (SELECT COUNT(*) FROM agent_messages) + "
                  "(SELECT COUNT(*) FROM received_messages)");
  }

  std::int64_t queuedInOutbox() {
    return scalar(agentDir() / "outbox.db", "SELECT COUNT(*) FROM messages");
  }

  bool waitStored(const std::string& type, std::int64_t n, std::chrono::seconds timeout) {
    return waitFor([&] { return stored(type).first >= n; }, timeout);
  }

  // An HTTPS client holding the enrolled agent's real identity.
  net::HttpsClient agentClient() {
    tls::ClientTlsConfig t;
    t.caBundlePem = files::read(agentDir() / "ca.pem");
    t.certificatePem = files::read(agentDir() / "agent.pem");
    t.privateKeyPem = files::read(agentDir() / "agent.key");
    return net::HttpsClient(net::parseUrl(server->agentUrl), tls::TlsContext::client(t));
  }

  // Posts a two-metric batch as the agent would; returns the message's status.
  std::string postMetrics(net::HttpsClient& client, const std::string& id,
                          std::int64_t collectedAt) {
    Json payload{{"collected_at", collectedAt},
                 {"metrics", Json::array({Json{{"name", "cpu.usage_pct"}, {"value", 12.5}},
                                          Json{{"name", "mem.used_pct"}, {"value", 40.0}}})}};
    Json batch{{"version", 1},
               {"messages", Json::array({Json{{"id", id},
                                              {"type", "metrics"},
                                              {"created_at", collectedAt},
                                              {"payload", payload}}})}};
    auto r = client.send(
        {"POST", "/api/v1/messages", {{"content-type", "application/json"}}, batch.dump(), {}, {}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? parseJson(r.body)["results"][0]["status"].get<std::string>() : "";
  }

  // Rows of a table of the server's real metrics store.
  std::int64_t metricsRows(const std::string& table) {
    return scalar(serverDir() / "metrics.sqlite", "SELECT COUNT(*) FROM " + table);
  }

  TempDir tmp;
  Parcctl ctl{tmp.path() / "home"};
  std::unique_ptr<ServerFixture> server;
};

TEST_F(Delivery, ControlChannelCarriesCommandsAndPresence) {
  auto agent = startAgent("agent");
  ASSERT_TRUE(waitFor(
      [&] {
        return ctl.json({"hosts", "list"})["items"][0]["online"] == true;
      },
      20s))
      << agent->stderrText();

  Json ping = ctl.json({"hosts", "command", "1", "ping"});
  EXPECT_EQ(ping["status"], "ok");
  EXPECT_EQ(ping["result"]["pong"], true);

  RunResult unknown = ctl.run({"--json", "hosts", "command", "1", "format_c"});
  ASSERT_EQ(unknown.exitCode, 0) << unknown.err;
  Json refused = parseJson(unknown.out);
  EXPECT_EQ(refused["status"], "refused");
  EXPECT_NE(refused["error"].get<std::string>().find("unknown command"), std::string::npos);

  // Reconfigured from the server, live, without reinstalling; kept across restarts.
  ctl.json({"hosts", "config", "1", "--inventory-interval", "600", "--disable", "processes"});
  EXPECT_TRUE(waitFor(
      [&] {
        return ctl.json({"hosts", "command", "1", "status"})["result"]["inventory_interval"] == 600;
      },
      10s));
  Json persisted = parseJson(files::read(agentDir() / "remote-config.json"));
  EXPECT_EQ(persisted["disabled_collectors"][0], "processes");

  // The agent's version arrives with its hello.
  EXPECT_EQ(ctl.json({"hosts", "show", "1"})["agent_version"], PARC_VERSION);

  EXPECT_EQ(agent->stop(), 0);
  ASSERT_TRUE(waitFor(
      [&] {
        return ctl.json({"hosts", "list"})["items"][0]["online"] == false;
      },
      10s));
  Json host = ctl.json({"hosts", "show", "1"});
  EXPECT_TRUE(host["offline_since"].is_number());
  RunResult offline = ctl.run({"hosts", "command", "1", "ping"});
  EXPECT_EQ(offline.exitCode, 4) << "unreachable host: exit code 4";
  EXPECT_NE(offline.err.find("offline"), std::string::npos) << offline.err;

  // Presence is written to the store in batches: after a restart, the host is known
  // offline with its last-seen time.
  restartServer();
  host = ctl.json({"hosts", "show", "1"});
  EXPECT_EQ(host["online"], false);
  EXPECT_TRUE(host["last_seen"].is_number());
}

// Reports ride the open control channel (no TLS handshake per batch); HTTPS stays the
// way for large batches and for when the channel is down.
TEST_F(Delivery, ReportsTravelOverTheOpenControlChannel) {
  auto agent = startAgent("agent");
  ASSERT_TRUE(waitFor(
      [&] {
        return ctl.json({"hosts", "list"})["items"][0]["online"] == true;
      },
      20s))
      << agent->stderrText();
  Json before = ctl.json({"hosts", "command", "1", "status"})["result"];
  ASSERT_EQ(agentCommand({"emit", "--type", "event", "--count", "450"}).exitCode, 0);
  // `emit` writes from another process: wake the running agent's sender now.
  EXPECT_EQ(ctl.json({"hosts", "command", "1", "inventory_now"})["status"], "ok");
  ASSERT_TRUE(waitStored("event", 450, 30s)) << agent->stderrText();
  ASSERT_TRUE(waitFor([&] { return queuedInOutbox() == 0; }, 10s));
  Json after = ctl.json({"hosts", "command", "1", "status"})["result"];
  // 450 events are three batches (200 per batch at most), all over the channel.
  EXPECT_GE(after["batches_over_channel"].get<int>() - before["batches_over_channel"].get<int>(),
            3);
  EXPECT_EQ(after["batches_over_https"], before["batches_over_https"]);
  EXPECT_EQ(stored("event").second, 450);
}

// The channel's report, spoken directly with the agent's identity: the same answers as
// POST /api/v1/messages, after the batch is durable; bad reports get a clear answer.
TEST_F(Delivery, ChannelReportsAreAnsweredOnceDurableAndBadOnesRefused) {
  net::WsClientOptions o;
  o.server = net::parseUrl(server->agentUrl);
  o.path = "/api/v1/control";
  tls::ClientTlsConfig t;
  t.caBundlePem = files::read(agentDir() / "ca.pem");
  t.certificatePem = files::read(agentDir() / "agent.pem");
  t.privateKeyPem = files::read(agentDir() / "agent.key");
  o.tls = tls::TlsContext::client(t);
  net::WsClient client(o);
  std::mutex m;
  std::condition_variable cv;
  std::map<std::string, Json> answers;
  net::WsConnectionPtr connection;
  net::WsHandlers h;
  h.onOpen = [&](net::WsConnectionPtr c) {
    std::lock_guard lock(m);
    connection = c;
    cv.notify_all();
  };
  h.onMessage = [&](const std::string& text) {
    Json j = parseJson(text);
    if (j.value("type", "") != "report_ack") return;
    std::lock_guard lock(m);
    answers[j["id"]] = j;
    cv.notify_all();
  };
  std::thread runner([&] { client.run(h); });
  auto ask = [&](const std::string& id, const Json& report) {
    std::unique_lock lock(m);
    cv.wait_for(lock, 10s, [&] { return connection != nullptr; });
    if (!connection) return Json();
    connection->send(report.dump());
    cv.wait_for(lock, 10s, [&] { return answers.count(id) > 0; });
    return answers.count(id) ? answers[id] : Json();
  };
  Json batch{{"version", 1},
             {"messages",
              {Json{{"id", "w1"}, {"type", "event"}, {"payload", {{"x", 1}}}},
               Json{{"id", "w2"}, {"type", "teleport"}, {"payload", Json::object()}}}}};
  Json first = ask("r1", {{"v", 1}, {"type", "report"}, {"id", "r1"}, {"batch", batch}});
  ASSERT_TRUE(first.contains("results")) << first.dump();
  EXPECT_EQ(first["results"][0]["status"], "stored");
  EXPECT_EQ(first["results"][1]["status"], "rejected");
  EXPECT_EQ(stored("event").first, 1) << "stored before the answer";
  Json again = ask("r2", {{"v", 1}, {"type", "report"}, {"id", "r2"}, {"batch", batch}});
  EXPECT_EQ(again["results"][0]["status"], "duplicate");
  Json badVersion = ask("r3", {{"v", 1},
                               {"type", "report"},
                               {"id", "r3"},
                               {"batch", {{"version", 9}, {"messages", Json::array()}}}});
  EXPECT_EQ(badVersion["status"], 400);
  EXPECT_NE(badVersion["error"].get<std::string>().find("version"), std::string::npos);
  Json noBatch = ask("r4", {{"v", 1}, {"type", "report"}, {"id", "r4"}, {"batch", "text"}});
  EXPECT_EQ(noBatch["status"], 400);
  EXPECT_EQ(stored("event").first, 1) << "refused reports change nothing";
  client.stop();
  runner.join();
}

TEST_F(Delivery, AgentKilledWhileSendingLosesNothingAndDuplicatesNothing) {
  constexpr int kEvents = 3000;
  ASSERT_EQ(agentCommand({"emit", "--type", "event", "--count", std::to_string(kEvents)}).exitCode,
            0);
  std::mt19937 rng(42);
  for (int round = 0; round < 4; ++round) {
    auto agent = startAgent("agent-" + std::to_string(round));
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 400));
    agent->kill9();
  }
  auto agent = startAgent("agent-final");
  ASSERT_TRUE(waitStored("event", kEvents, 60s)) << agent->stderrText();
  ASSERT_TRUE(waitFor([&] { return queuedInOutbox() == 0; }, 30s));
  auto [rows, distinct] = stored("event");
  EXPECT_EQ(rows, kEvents);
  EXPECT_EQ(distinct, kEvents);
}

TEST_F(Delivery, ServerKilledWhileIngestingLosesNothingAcknowledged) {
  // Events go to parc.db, metrics to metrics.sqlite: each store's commit is the ack.
  constexpr int kEvents = 4000;
  constexpr int kMetrics = 2000;
  ASSERT_EQ(agentCommand({"emit", "--type", "event", "--count", std::to_string(kEvents)}).exitCode,
            0);
  ASSERT_EQ(
      agentCommand({"emit", "--type", "metrics", "--count", std::to_string(kMetrics)}).exitCode, 0);
  auto agent = startAgent("agent");
  ASSERT_TRUE(waitFor([&] { return stored("event").first > 0; }, 30s)) << agent->stderrText();
  for (int round = 0; round < 2; ++round) {
    server->process().kill9();
    std::uint16_t a = server->agentPort, c = server->consolePort;
    server.reset();
    server = std::make_unique<ServerFixture>(serverDir(), a, c);
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_TRUE(waitStored("event", kEvents, 90s)) << agent->stderrText();
  ASSERT_TRUE(waitFor([&] { return queuedInOutbox() == 0; }, 30s));
  auto [rows, distinct] = stored("event");
  EXPECT_EQ(rows, kEvents) << "every message exactly once";
  EXPECT_EQ(distinct, kEvents);
  auto [batches, points] = stored("metrics");
  EXPECT_EQ(batches, kMetrics) << "every metrics batch, once";
  EXPECT_EQ(points, kMetrics) << "and its point";
}

TEST_F(Delivery, AWeekOfflineArrivesInOrderWithinTheBound) {
  // The server is away; the PC keeps measuring: one metrics batch a minute for a week
  // and more (past the bound, metrics are thinned, counted and reported), plus events.
  std::uint16_t agentPort = server->agentPort, consolePort = server->consolePort;
  server->stop();
  server.reset();
  constexpr int kMetrics = 7 * 24 * 60 + 500;
  constexpr int kEvents = 300;
  auto agent = startAgent("agent");  // without live samples: only the emitted week counts
  RunResult emitted =
      agentCommand({"emit", "--type", "metrics", "--count", std::to_string(kMetrics)});
  ASSERT_EQ(emitted.exitCode, 0) << emitted.err;
  ASSERT_EQ(agentCommand({"emit", "--type", "event", "--count", std::to_string(kEvents)}).exitCode,
            0);
  std::this_thread::sleep_for(2s);  // the agent retries against a closed port meanwhile

  server = std::make_unique<ServerFixture>(serverDir(), agentPort, consolePort);
  ASSERT_TRUE(waitFor([&] { return queuedInOutbox() == 0; }, 120s)) << agent->stderrText();
  EXPECT_EQ(stored("event").first, kEvents + 1) << "every event, plus the eviction report";
  std::int64_t metrics = stored("metrics").first;
  EXPECT_LE(metrics, 7 * 24 * 60);
  EXPECT_GE(metrics, 7 * 24 * 60 / 2);

  auto db = sqlite::Database::open(serverDir() / "parc.db");
  // In order: the events' sequence numbers grow with the server's row ids. (Metrics share
  // the one outbox queue, oldest first; metrics.sqlite keeps no arrival order to check.)
  sqlite::Statement s(db,
                      "SELECT payload FROM agent_messages WHERE type = 'event' AND payload LIKE "
                      "'%\"kind\":\"local\"%' ORDER BY id");
  int last = -1;
  while (s.step()) {
    int seq = parseJson(s.text(0))["seq"];
    ASSERT_GT(seq, last);
    last = seq;
  }
  // What was evicted is reported, exactly.
  sqlite::Statement e(db,
                      "SELECT payload FROM agent_messages WHERE payload LIKE '%outbox_eviction%'");
  ASSERT_TRUE(e.step());
  EXPECT_EQ(parseJson(e.text(0))["evicted"]["metrics"], kMetrics - metrics);
}

// The retention of received messages runs at the server's start: ids older than 9 days
// leave parc.db, and so do the copies of metrics batches older than a day that servers
// before 2026-12-02 kept there; events stay (docs/protocol.md, "Retention of received
// messages"). Metrics batches themselves leave nothing in parc.db.
TEST_F(Delivery, ReceivedMessagesAndIdsPastTheirRetentionArePurgedAtStart) {
  ASSERT_EQ(agentCommand({"emit", "--type", "metrics", "--count", "30"}).exitCode, 0);
  ASSERT_EQ(agentCommand({"emit", "--type", "event", "--count", "10"}).exitCode, 0);
  auto agent = startAgent("agent");
  ASSERT_TRUE(waitStored("metrics", 30, 30s) && waitStored("event", 10, 30s))
      << agent->stderrText();
  agent->stop();
  server->stop();
  auto count = [&](const std::string& sql) { return scalar(serverDir() / "parc.db", sql); };
  auto copies = [&] { return count("SELECT COUNT(*) FROM agent_messages WHERE type = 'metrics'"); };
  auto idsLeft = [&] { return count("SELECT COUNT(*) FROM received_messages"); };
  ASSERT_EQ(copies(), 0) << "metrics batches are in metrics.sqlite alone";
  std::int64_t idsBefore = idsLeft();  // the events' and the agent's inventory's
  {
    auto db = sqlite::Database::open(serverDir() / "parc.db");
    // An older server's copies of thirty metrics batches, twenty received ten days ago.
    db.exec(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 29) "
        "INSERT INTO agent_messages (host_id, message_id, type, created_at, received_at, "
        "payload) SELECT 1, 'old-' || i, 'metrics', 0, strftime('%s') - "
        "(CASE WHEN i < 20 THEN 10 * 86400 ELSE 0 END), '{}' FROM n");
    // Five events received ten days ago, and their ids.
    db.exec(
        "UPDATE agent_messages SET received_at = received_at - 10 * 86400 WHERE id IN "
        "(SELECT id FROM agent_messages WHERE type = 'event' ORDER BY id LIMIT 5)");
    db.exec(
        "UPDATE received_messages SET received_at = received_at - 10 * 86400 WHERE message_id "
        "IN (SELECT message_id FROM agent_messages WHERE received_at < strftime('%s') - 86400)");
  }
  restartServer();
  ASSERT_TRUE(waitFor([&] { return copies() == 10; }, 20s)) << copies() << " copies kept";
  EXPECT_TRUE(waitFor([&] { return idsLeft() == idsBefore - 5; }, 20s))
      << idsLeft() << " ids of " << idsBefore;
  EXPECT_EQ(stored("event").first, 10) << "events are kept a year";
  EXPECT_EQ(stored("metrics").first, 30) << "the series' own ids are not parc.db's to purge";
}

TEST_F(Delivery, AnOutboxHeldByAnotherProcessIsWaitedForNotFatal) {
  // Another writer (here the test, as `parc-agent emit` or a backup tool would) holds the
  // outbox longer than SQLite's 5 s busy timeout while the agent starts and collects.
  ASSERT_EQ(agentCommand({"emit", "--type", "event", "--count", "1"}).exitCode, 0);  // creates it
  auto db = sqlite::Database::open(agentDir() / "outbox.db");
  db.exec("BEGIN EXCLUSIVE");
  auto agent = startAgent("agent");
  std::this_thread::sleep_for(8s);
  ASSERT_TRUE(agent->running()) << agent->stderrText();
  db.exec("COMMIT");

  // Nothing was lost meanwhile: the queued event and the first inventory arrive.
  ASSERT_TRUE(waitFor(
      [&] {
        return ctl.json({"hosts", "list"})["items"][0]["inventory_at"].is_number();
      },
      40s))
      << agent->stderrText();
  ASSERT_TRUE(waitStored("event", 1, 10s)) << agent->stderrText();
  EXPECT_TRUE(agent->running());
  EXPECT_NE(agent->stderrText().find("database is locked"), std::string::npos)
      << "the wait should be visible in the log";
}

// A metrics batch is acknowledged on metrics.sqlite's own commit (synchronous=FULL) and
// deduplicated there: parc.db gets nothing of it, a resend (even after a restart) is
// "duplicate" and adds no point, and a batch that cannot be read is refused with the
// reason, storing nothing.
TEST_F(Delivery, MetricsAreStoredOnceInTheirOwnStoreAndUnreadableOnesRefused) {
  auto client = agentClient();
  auto now = static_cast<std::int64_t>(std::time(nullptr));
  std::int64_t parcRows = parcDbMessageRows();
  ASSERT_EQ(postMetrics(client, "metrics-once", now), "stored");
  EXPECT_EQ(metricsRows("raw"), 2);
  EXPECT_EQ(metricsRows("ingested"), 1);
  EXPECT_EQ(parcDbMessageRows(), parcRows) << "nothing of it in parc.db";
  EXPECT_EQ(postMetrics(client, "metrics-once", now), "duplicate");
  restartServer();
  auto afterRestart = agentClient();
  EXPECT_EQ(postMetrics(afterRestart, "metrics-once", now), "duplicate");
  EXPECT_EQ(metricsRows("raw"), 2) << "once";
  EXPECT_EQ(metricsRows("ingested"), 1);

  Json batch{{"version", 1},
             {"messages", Json::array({Json{{"id", "metrics-unreadable"},
                                            {"type", "metrics"},
                                            {"payload", Json{{"metrics", Json::array()}}}}})}};
  auto r = afterRestart.send(
      {"POST", "/api/v1/messages", {{"content-type", "application/json"}}, batch.dump(), {}, {}});
  ASSERT_EQ(r.status, 200) << r.body;
  Json result = parseJson(r.body)["results"][0];
  EXPECT_EQ(result["status"], "rejected");
  EXPECT_NE(result["error"].get<std::string>().find("collected_at missing"), std::string::npos)
      << result.dump();
  EXPECT_EQ(metricsRows("ingested"), 1) << "nothing stored";
  EXPECT_EQ(parcDbMessageRows(), parcRows);
}

TEST_F(Delivery, BadBatchesAreRefusedClearlyAndChangeNothing) {
  auto client = agentClient();
  auto post = [&](const std::string& body, net::Headers headers = {}) {
    headers["content-type"] = "application/json";
    return client.send({"POST", "/api/v1/messages", headers, body, {}, {}});
  };
  EXPECT_EQ(post("{not json").status, 400);
  EXPECT_EQ(post(R"({"version":2,"messages":[]})").status, 400);
  EXPECT_EQ(post(R"({"version":1,"messages":{}})").status, 400);
  EXPECT_EQ(post(R"({"version":[],"messages":[]})").status, 400);  // fuzz finding F4
  std::string truncated = compress::zstdCompress(R"({"version":1,"messages":[]})");
  truncated.resize(truncated.size() - 3);
  EXPECT_EQ(post(truncated, {{"content-encoding", "zstd"}}).status, 400);
  Json tooMany{{"version", 1}, {"messages", Json::array()}};
  for (int i = 0; i < 501; ++i) {
    tooMany["messages"].push_back(
        Json{{"id", "m" + std::to_string(i)}, {"type", "event"}, {"payload", Json::object()}});
  }
  EXPECT_EQ(post(tooMany.dump()).status, 413);
  EXPECT_EQ(stored("event").first, 0) << "refused batches change nothing";

  // In a valid batch, bad messages are rejected one by one; a repeated id is stored once.
  Json mixed{{"version", 1},
             {"messages",
              {Json{{"id", "a"}, {"type", "event"}, {"payload", {{"x", 1}}}},
               Json{{"id", "b"}, {"type", "teleport"}, {"payload", Json::object()}},
               Json{{"id", "c"}, {"type", "event"}, {"payload", "not an object"}},
               Json{{"id", "a"}, {"type", "event"}, {"payload", {{"x", 2}}}},
               Json{{"id", 5}, {"type", "event"}, {"payload", Json::object()}}}}};
  net::Response r = post(mixed.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  Json results = parseJson(r.body)["results"];
  EXPECT_EQ(results[0]["status"], "stored");
  EXPECT_EQ(results[1]["status"], "rejected");
  EXPECT_NE(results[1]["error"].get<std::string>().find("unknown message type"), std::string::npos);
  EXPECT_EQ(results[2]["status"], "rejected");
  EXPECT_EQ(results[3]["status"], "duplicate");
  EXPECT_EQ(results[4]["status"], "rejected");  // an id of the wrong type: that message only
  EXPECT_NE(results[4]["error"].get<std::string>().find("must be a string"), std::string::npos);
  EXPECT_EQ(post(mixed.dump()).status, 200);  // the whole batch again: all duplicates
  EXPECT_EQ(stored("event").first, 1);
}

TEST_F(Delivery, AStalledPeerDoesNotStopOthers) {
  // A peer that opens connections and never speaks (slow-loris on the handshake).
  std::vector<int> stalled;
  auto ep = net::parseUrl(server->agentUrl);
  for (int i = 0; i < 20; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(ep.port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    stalled.push_back(fd);
  }
  auto client = agentClient();
  auto start = std::chrono::steady_clock::now();
  net::Response r = client.send({"GET", "/api/v1/whoami", {}, "", {}, {}});
  EXPECT_EQ(r.status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  for (int fd : stalled) ::close(fd);
}

// Hostile network: a proxy that cuts connections idle for 30 s (common for office NAT
// boxes) sits between agent and server. The agent's pings (every 20 s) keep the control
// channel up; when the link drops and returns, the channel is back within the
// documented redial window.
TEST_F(Delivery, ControlChannelSurvivesAnIdleCuttingProxyAndALinkDrop) {
  std::string proxyScript = std::string(PARC_SOURCE_DIR) + "/tests/integration/idle_proxy.py";
  // The first proxy takes any free port; the one that replaces it after the link drop,
  // the same (the agent knows that address). 30 s: Python's start on a loaded machine.
  std::uint16_t proxyPort = 0;
  auto startProxy = [&](const std::string& log) {
    auto p = std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/python3", proxyScript, std::to_string(proxyPort),
                                 std::to_string(server->agentPort), "30"},
        tmp.path() / log);
    std::uint16_t port = waitHelperReady(*p, tmp.path() / (log + ".out"), 30s);
    EXPECT_NE(port, 0) << "the proxy did not start: " << p->stderrText();
    if (proxyPort == 0) proxyPort = port;
    return p;
  };
  auto proxy = startProxy("proxy");
  // The PC now reaches the server through the proxy.
  Json identity = parseJson(files::read(agentDir() / "identity.json"));
  ASSERT_NE(proxyPort, 0);
  identity["server"] = "https://127.0.0.1:" + std::to_string(proxyPort);
  files::writeAtomic(agentDir() / "identity.json", identity.dump());

  auto agent = startAgent("agent");
  auto online = [&] { return ctl.json({"hosts", "list"})["items"][0]["online"] == true; };
  ASSERT_TRUE(waitFor(online, 20s)) << agent->stderrText();

  // Control: the same proxy does cut a connection that stays silent (to a listener of
  // ours that never speaks), so the channel's survival below is the pings' doing.
  int silent = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in silentAddr{};
  silentAddr.sin_family = AF_INET;
  silentAddr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(silent, reinterpret_cast<sockaddr*>(&silentAddr), sizeof silentAddr), 0);
  ASSERT_EQ(::listen(silent, 4), 0);
  socklen_t len = sizeof silentAddr;
  ::getsockname(silent, reinterpret_cast<sockaddr*>(&silentAddr), &len);
  Process controlProxy(
      {"/usr/bin/python3", proxyScript, "0", std::to_string(ntohs(silentAddr.sin_port)), "30"},
      tmp.path() / "control-proxy");
  std::uint16_t controlPort = waitHelperReady(controlProxy, tmp.path() / "control-proxy.out", 30s);
  ASSERT_NE(controlPort, 0) << controlProxy.stderrText();
  int idleClient = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in proxyAddr{};
  proxyAddr.sin_family = AF_INET;
  proxyAddr.sin_port = htons(controlPort);
  proxyAddr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(idleClient, reinterpret_cast<sockaddr*>(&proxyAddr), sizeof proxyAddr), 0);
  // 75 s: well past the proxy's 30 s idle cut.
  for (int i = 0; i < 15; ++i) {
    std::this_thread::sleep_for(5s);
    ASSERT_TRUE(online()) << "channel dropped at " << (i + 1) * 5 << " s";
  }
  auto countConnects = [&] {
    std::string log = agent->stderrText();
    size_t n = 0;
    for (size_t pos = 0; (pos = log.find("control channel connected", pos)) != std::string::npos;
         ++pos)
      ++n;
    return n;
  };
  EXPECT_EQ(countConnects(), 1u) << "no reconnection while the pings kept the link busy";
  EXPECT_NE(
      files::tryRead(tmp.path() / "control-proxy.out").value_or("").find("cut idle connection"),
      std::string::npos)
      << "the proxy must cut a silent connection within the same 75 s";
  ::close(idleClient);
  ::close(silent);
  EXPECT_EQ(ctl.json({"hosts", "command", "1", "ping"})["status"], "ok");

  // The link drops (proxy gone) and returns 3 s later.
  proxy->kill9();
  ASSERT_TRUE(waitFor([&] { return !online(); }, 60s));
  std::this_thread::sleep_for(3s);
  proxy = startProxy("proxy2");
  auto back = std::chrono::steady_clock::now();
  ASSERT_TRUE(waitFor(online, 40s)) << agent->stderrText();
  EXPECT_LT(std::chrono::steady_clock::now() - back, 35s);
  EXPECT_EQ(ctl.json({"hosts", "command", "1", "ping"})["status"], "ok");
}

// What `tc netem` loss and delay do to TCP, as the programs see it (this kernel has no
// netem): every chunk delayed 120 ± 80 ms, all traffic held 2 s every 5 s (a burst of
// loss), and a live connection cut every 3 s — mid-report too, after the server stored
// a batch and before its answer came back. Nothing is lost or stored twice, and the
// channel is up once the weather clears.
TEST_F(Delivery, ALossyDelayedLinkLosesAndDuplicatesNothing) {
  std::string linkScript = std::string(PARC_SOURCE_DIR) + "/tests/integration/impaired_link.py";
  auto link = std::make_unique<Process>(
      std::vector<std::string>{"/usr/bin/python3", linkScript, "0",
                               std::to_string(server->agentPort), "120", "80", "5", "2", "3"},
      tmp.path() / "link");
  std::uint16_t linkPort = waitHelperReady(*link, tmp.path() / "link.out", 30s);
  ASSERT_NE(linkPort, 0) << link->stderrText();
  std::string port = std::to_string(linkPort);
  Json identity = parseJson(files::read(agentDir() / "identity.json"));
  identity["server"] = "https://127.0.0.1:" + port;
  files::writeAtomic(agentDir() / "identity.json", identity.dump());

  constexpr int kRounds = 4, kPerRound = 500;
  auto agent = startAgent("agent");
  for (int round = 0; round < kRounds; ++round) {
    ASSERT_EQ(
        agentCommand({"emit", "--type", "event", "--count", std::to_string(kPerRound)}).exitCode,
        0);
    std::this_thread::sleep_for(4s);
  }
  ASSERT_TRUE(waitStored("event", kRounds * kPerRound, 120s)) << agent->stderrText();
  ASSERT_TRUE(waitFor([&] { return queuedInOutbox() == 0; }, 60s));
  auto [rows, distinct] = stored("event");
  EXPECT_EQ(rows, kRounds * kPerRound) << "nothing lost, nothing twice";
  EXPECT_EQ(distinct, kRounds * kPerRound);
  std::string weather = files::tryRead(tmp.path() / "link.out").value_or("");
  EXPECT_NE(weather.find("cut a connection"), std::string::npos) << "the link did misbehave";
  EXPECT_NE(weather.find("stall"), std::string::npos);

  // The weather clears: the channel is (or comes) back and answers.
  link->kill9();
  link = std::make_unique<Process>(std::vector<std::string>{"/usr/bin/python3", linkScript, port,
                                                            std::to_string(server->agentPort), "0",
                                                            "0", "100000", "0", "100000"},
                                   tmp.path() / "clear");
  ASSERT_TRUE(waitFor(
      [&] {
        return ctl.json({"hosts", "list"})["items"][0]["online"] == true;
      },
      40s))
      << agent->stderrText();
  EXPECT_EQ(ctl.json({"hosts", "command", "1", "ping"})["status"], "ok");
}

}  // namespace
}  // namespace parc::testing
