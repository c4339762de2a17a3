#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "common/error.h"
#include "common/json/json.h"
#include "common/protocol/messages.h"
#include "server/store/message_retention.h"
#include "server/store/sqlite/sqlite_store.h"

namespace parc::server::store {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("parc-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = std::make_unique<SqliteStore>(dir_ / "parc.db");
    tenant_ = store_->createTenant("Mairie de Rodez", "12202", 1000);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  EnrollmentToken token(int maxUses, Time expiresAt, const std::string& hash) {
    EnrollmentToken t;
    t.tenantId = tenant_.id;
    t.prefix = "parc_enr_abc";
    t.createdAt = 1000;
    t.expiresAt = expiresAt;
    t.maxUses = maxUses;
    return store_->createToken(t, hash);
  }

  NewHost host(const std::string& uid) {
    return NewHost{uid, "pc-" + uid, "dev-" + uid, "fp-" + uid, "01", 99999};
  }

  std::filesystem::path dir_;
  std::unique_ptr<SqliteStore> store_;
  Tenant tenant_;
};

TEST_F(StoreTest, TenantsAreListedAndNamesUnique) {
  store_->createTenant("Mairie d'Albi", "81004", 1001);
  auto list = store_->listTenants();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "Mairie d'Albi");
  EXPECT_EQ(store_->findTenant(tenant_.id)->inseeCode, "12202");
  EXPECT_FALSE(store_->findTenant(999).has_value());
  try {
    store_->createTenant("Mairie de Rodez", "12202", 1002);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
  }
}

TEST_F(StoreTest, EnrolmentSpendsTokenUsesUntilExhausted) {
  token(2, 5000, "h1");
  auto a = store_->enrollHost("h1", 2000, host("a"));
  ASSERT_TRUE(a.host.has_value());
  EXPECT_EQ(a.host->tenantId, tenant_.id);
  EXPECT_TRUE(store_->enrollHost("h1", 2000, host("b")).host.has_value());
  auto c = store_->enrollHost("h1", 2000, host("c"));
  EXPECT_EQ(c.refusal, TokenRefusal::kExhausted);
  EXPECT_FALSE(c.host.has_value());
  EXPECT_EQ(store_->listTokens().front().uses, 2);
  EXPECT_EQ(store_->listHosts().size(), 2u);
}

TEST_F(StoreTest, EnrolmentRefusesUnknownExpiredAndRevokedTokens) {
  EXPECT_EQ(store_->enrollHost("nope", 2000, host("a")).refusal, TokenRefusal::kUnknown);
  token(5, 3000, "expiring");
  EXPECT_EQ(store_->enrollHost("expiring", 3000, host("a")).refusal, TokenRefusal::kExpired);
  auto t = token(5, 9000, "revoked");
  EXPECT_TRUE(store_->revokeToken(t.id));
  EXPECT_FALSE(store_->revokeToken(12345));
  EXPECT_EQ(store_->enrollHost("revoked", 2000, host("a")).refusal, TokenRefusal::kRevoked);
  EXPECT_TRUE(store_->listHosts().empty());
  EXPECT_EQ(store_->listTokens().back().uses, 0);  // refusals spend nothing
}

TEST_F(StoreTest, HostIsFoundByItsCertificateFingerprint) {
  token(1, 9000, "h");
  auto h = store_->enrollHost("h", 2000, host("x")).host;
  auto found = store_->findHostByFingerprint("fp-x");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, h->id);
  EXPECT_EQ(found->uid, "x");
  EXPECT_FALSE(store_->findHostByFingerprint("fp-y").has_value());
}

TEST_F(StoreTest, InventoryIsStoredOncePerMessageId) {
  token(1, 9000, "h");
  auto h = store_->enrollHost("h", 2000, host("x")).host;
  InventoryWrite w{h->id, "m-1",  "hash1", R"({"os":{}})", "Debian 12", "Dell OptiPlex",
                   "SN1", "pc-1", 3000,    true,           "",          "agent-hash1"};
  // Through the ingest path; true when the id had been stored before.
  auto duplicate = [&](const InventoryWrite& write) {
    return store_
               ->storeMessages(h->id, {IncomingMessage{write.messageId, "inventory", 0, "", write}},
                               write.receivedAt)
               .at(0) == MessageOutcome::kDuplicate;
  };
  EXPECT_FALSE(duplicate(w));
  InventoryWrite again = w;
  again.document = R"({"changed":true})";
  EXPECT_TRUE(duplicate(again));  // duplicate: ignored
  EXPECT_EQ(*store_->hostInventory(h->id), R"({"os":{}})");
  auto stored = store_->findHost(h->id);
  EXPECT_EQ(stored->osName, "Debian 12");
  EXPECT_EQ(stored->hostname, "pc-1");
  EXPECT_EQ(*stored->lastSeen, 3000);

  InventoryWrite next = w;
  next.messageId = "m-2";
  next.document = R"({"os":{"v":2}})";
  next.hostname = "";  // an empty hostname keeps the known one
  EXPECT_FALSE(duplicate(next));
  EXPECT_EQ(*store_->hostInventory(h->id), R"({"os":{"v":2}})");
  EXPECT_EQ(store_->findHost(h->id)->hostname, "pc-1");
}

// An inventory message as the ingest route builds it (server/api/agent_routes.cpp).
IncomingMessage inventoryMessage(Id hostId, const std::string& id, const std::string& doc,
                                 bool full, const std::string& agentHash,
                                 const std::string& base = "", Time at = 3000) {
  InventoryWrite w;
  w.hostId = hostId;
  w.messageId = id;
  w.document = doc;
  w.receivedAt = at;
  w.full = full;
  w.agentHash = agentHash;
  w.base = base;
  return IncomingMessage{id, "inventory", at, "", w};
}

constexpr const char* kEightGib =
    R"({"memory":{"total_bytes":8589934592},"os":{"pretty_name":"Debian 12"},"system":{}})";
constexpr const char* kSixteenGib =
    R"({"memory":{"total_bytes":17179869184},"os":{"pretty_name":"Debian 12"},"system":{}})";

TEST_F(StoreTest, FirstInventoryIsNoChangeThenChangesAreRecordedNewestFirst) {
  token(1, 9000, "h");
  Id id = store_->enrollHost("h", 2000, host("x")).host->id;
  store_->storeMessages(id, {inventoryMessage(id, "m-1", kEightGib, true, "A")}, 3000);
  EXPECT_TRUE(store_->listInventoryChanges(id, 100, 0).empty());

  store_->storeMessages(id, {inventoryMessage(id, "m-2", kSixteenGib, true, "B", "", 4000)}, 4000);
  store_->storeMessages(id, {inventoryMessage(id, "m-3", kEightGib, true, "C", "", 5000)}, 5000);
  auto changes = store_->listInventoryChanges(id, 100, 0);
  ASSERT_EQ(changes.size(), 2U);
  EXPECT_EQ(changes[0].at, 5000);  // newest first
  EXPECT_EQ(changes[0].summary, "Mémoire : 16 Gio → 8 Gio");
  EXPECT_EQ(changes[1].at, 4000);
  EXPECT_EQ(changes[1].section, "memory");
  EXPECT_EQ(changes[1].kind, "changed");
  EXPECT_EQ(changes[1].field, "total_bytes");
  EXPECT_EQ(changes[1].before, "8 Gio");
  EXPECT_EQ(changes[1].after, "16 Gio");
  // Paging: older than the newest one; limit.
  auto older = store_->listInventoryChanges(id, 100, changes[0].id);
  ASSERT_EQ(older.size(), 1U);
  EXPECT_EQ(older[0].id, changes[1].id);
  EXPECT_EQ(store_->listInventoryChanges(id, 1, 0).size(), 1U);
  EXPECT_TRUE(store_->listInventoryChanges(id + 1, 100, 0).empty());
}

TEST_F(StoreTest, DeltaIsMergedIntoTheStoredViewExactlyOnce) {
  token(1, 9000, "h");
  Id id = store_->enrollHost("h", 2000, host("x")).host->id;
  store_->storeMessages(id, {inventoryMessage(id, "m-1", kEightGib, true, "A")}, 3000);
  std::string delta =
      R"({"os":{"pretty_name":"Debian 12"},"software":[{"name":"gimp","version":"2.10"}],"system":{}})";
  auto outcomes =
      store_->storeMessages(id, {inventoryMessage(id, "m-2", delta, false, "B", "A")}, 4000);
  EXPECT_EQ(outcomes, std::vector<MessageOutcome>{MessageOutcome::kStored});
  Json view = parseJson(*store_->hostInventory(id));
  EXPECT_EQ(view["memory"]["total_bytes"], 8589934592LL) << "sections not in the delta stay";
  EXPECT_EQ(view["software"][0]["name"], "gimp");
  auto changes = store_->listInventoryChanges(id, 100, 0);
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].section, "software");
  EXPECT_EQ(changes[0].kind, "added");

  // A resend of the same message is a duplicate: no second change.
  outcomes = store_->storeMessages(id, {inventoryMessage(id, "m-2", delta, false, "B", "A")}, 4100);
  EXPECT_EQ(outcomes, std::vector<MessageOutcome>{MessageOutcome::kDuplicate});
  EXPECT_EQ(store_->listInventoryChanges(id, 100, 0).size(), 1U);

  // The next delta builds on "B".
  std::string next = R"({"os":{"pretty_name":"Debian 12"},"software":[],"system":{}})";
  outcomes = store_->storeMessages(id, {inventoryMessage(id, "m-3", next, false, "C", "B")}, 5000);
  EXPECT_EQ(outcomes, std::vector<MessageOutcome>{MessageOutcome::kStored});
  EXPECT_EQ(store_->listInventoryChanges(id, 100, 0).size(), 2U);
}

TEST_F(StoreTest, DeltaOnAnotherBaseIsRefusedAndChangesNothing) {
  token(1, 9000, "h");
  Id id = store_->enrollHost("h", 2000, host("x")).host->id;
  // No stored view at all: a delta has nothing to apply to.
  auto outcomes =
      store_->storeMessages(id, {inventoryMessage(id, "m-0", kSixteenGib, false, "Z", "Y")}, 2500);
  EXPECT_EQ(outcomes, std::vector<MessageOutcome>{MessageOutcome::kUnknownBase});
  EXPECT_FALSE(store_->hostInventory(id).has_value());

  store_->storeMessages(id, {inventoryMessage(id, "m-1", kEightGib, true, "A")}, 3000);
  outcomes = store_->storeMessages(id,
                                   {inventoryMessage(id, "m-2", kSixteenGib, false, "C", "B"),
                                    IncomingMessage{"e-1", "event", 3000, "{}", std::nullopt}},
                                   4000);
  EXPECT_EQ(outcomes,
            (std::vector<MessageOutcome>{MessageOutcome::kUnknownBase, MessageOutcome::kStored}));
  EXPECT_EQ(*store_->hostInventory(id), protocol::canonical(parseJson(kEightGib)));
  EXPECT_TRUE(store_->listInventoryChanges(id, 100, 0).empty());
  EXPECT_EQ(store_->countMessages(id, "event"), 1);
  // Not remembered as received: the same id may come back (as a full inventory).
  outcomes = store_->storeMessages(id, {inventoryMessage(id, "m-2", kSixteenGib, true, "C")}, 5000);
  EXPECT_EQ(outcomes, std::vector<MessageOutcome>{MessageOutcome::kStored});
  EXPECT_EQ(store_->listInventoryChanges(id, 100, 0).size(), 1U);
}

TEST_F(StoreTest, FullInventoryReplacesTheViewSoDisabledSectionsGo) {
  token(1, 9000, "h");
  Id id = store_->enrollHost("h", 2000, host("x")).host->id;
  std::string withSoftware =
      R"({"memory":{"total_bytes":8589934592},"os":{"pretty_name":"Debian 12"},"software":[{"name":"gimp"}],"system":{}})";
  store_->storeMessages(id, {inventoryMessage(id, "m-1", withSoftware, true, "A")}, 3000);
  store_->storeMessages(id, {inventoryMessage(id, "m-2", kEightGib, true, "B")}, 4000);
  EXPECT_FALSE(parseJson(*store_->hostInventory(id)).contains("software"));
  auto changes = store_->listInventoryChanges(id, 100, 0);
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].section, "software");
  EXPECT_EQ(changes[0].kind, "removed");
  // Summary columns come along; a missing one keeps the last known value.
  EXPECT_EQ(store_->findHost(id)->hostname, "pc-x");
}

TEST_F(StoreTest, ConcurrentBatchesAreGroupCommittedExactlyOnce) {
  token(1, 9000, "h");
  auto h = store_->enrollHost("h", 2000, host("x")).host;
  constexpr int kThreads = 8, kPerThread = 100;
  std::atomic<int> stored{0}, duplicates{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Every id is sent by two threads: one stores it, the other sees a duplicate.
        std::string id = "m-" + std::to_string((t / 2) * kPerThread + i);
        auto outcome =
            store_->storeMessages(h->id, {IncomingMessage{id, "event", 1, "{}", {}}}, 3000);
        (outcome.at(0) == MessageOutcome::kStored ? stored : duplicates)++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(stored.load(), kThreads / 2 * kPerThread);
  EXPECT_EQ(duplicates.load(), kThreads / 2 * kPerThread);
  EXPECT_EQ(store_->countMessages(h->id, "event"), kThreads / 2 * kPerThread);
}

TEST_F(StoreTest, GroupStoresEveryHostsBatchAndABadOneAlone) {
  token(3, 9000, "h");
  auto a = store_->enrollHost("h", 2000, host("a")).host;
  auto b = store_->enrollHost("h", 2000, host("b")).host;
  std::vector<IncomingMessage> first{{"a-1", "event", 1, "{}", {}},
                                     {"a-2", "metrics", 1, "{}", {}}};
  // An inventory whose document is not JSON makes the store throw inside this batch.
  InventoryWrite broken;
  broken.hostId = b->id;
  broken.messageId = "b-1";
  broken.document = "{not json";
  broken.full = true;
  std::vector<IncomingMessage> bad{{"b-0", "event", 1, "{}", {}},
                                   {"b-1", "inventory", 1, "", broken}};
  std::vector<IncomingMessage> again{{"a-1", "event", 1, "{}", {}}, {"a-3", "event", 1, "{}", {}}};
  auto out = store_->storeMessageGroups({{a->id, first}, {b->id, bad}, {a->id, again}}, 3000);
  ASSERT_EQ(out.size(), 3U);
  ASSERT_FALSE(out[0].error);
  EXPECT_EQ(out[0].outcomes,
            (std::vector<MessageOutcome>{MessageOutcome::kStored, MessageOutcome::kStored}));
  EXPECT_TRUE(out[1].error);  // refused alone: its first event is not kept either
  EXPECT_TRUE(out[1].outcomes.empty());
  ASSERT_FALSE(out[2].error);
  // Same host, same group: the earlier batch's id is already a duplicate.
  EXPECT_EQ(out[2].outcomes,
            (std::vector<MessageOutcome>{MessageOutcome::kDuplicate, MessageOutcome::kStored}));
  EXPECT_EQ(store_->countMessages(a->id, "event"), 2);
  EXPECT_EQ(store_->countMessages(a->id, "metrics"), 1);
  EXPECT_EQ(store_->countMessages(b->id, "event"), 0);
  // The refused batch can be sent again once fixed.
  std::vector<IncomingMessage> fixed{{"b-0", "event", 1, "{}", {}}};
  EXPECT_EQ(store_->storeMessages(b->id, fixed, 3001).at(0), MessageOutcome::kStored);
}

// Reports over the control channel leave the host's row alone (the hub writes presence in
// batches); those over HTTPS, which nothing else marks seen, still set last_seen.
TEST_F(StoreTest, OnlyBatchesAskingForItTouchTheHostsLastSeen) {
  token(3, 9000, "h");
  auto a = store_->enrollHost("h", 2000, host("a")).host;
  auto b = store_->enrollHost("h", 2000, host("b")).host;
  std::vector<IncomingMessage> fromA{{"a-1", "metrics", 1, "{}", {}}};
  std::vector<IncomingMessage> fromB{{"b-1", "metrics", 1, "{}", {}}};
  auto out = store_->storeMessageGroups({{a->id, fromA, false}, {b->id, fromB, true}}, 3000);
  ASSERT_EQ(out.size(), 2U);
  EXPECT_EQ(out[0].outcomes, (std::vector<MessageOutcome>{MessageOutcome::kStored}));
  EXPECT_EQ(out[1].outcomes, (std::vector<MessageOutcome>{MessageOutcome::kStored}));
  EXPECT_FALSE(store_->findHost(a->id)->lastSeen.has_value());
  ASSERT_TRUE(store_->findHost(b->id)->lastSeen.has_value());
  EXPECT_EQ(*store_->findHost(b->id)->lastSeen, 3000);
  EXPECT_EQ(store_->countMessages(a->id, "metrics"), 1);
}

TEST_F(StoreTest, SessionsAndUsers) {
  EXPECT_EQ(store_->countUsers(), 0);
  auto u = store_->createUser("admin", "$argon2id$x", Role::kAdministrator, 1000);
  EXPECT_EQ(store_->countUsers(), 1);
  EXPECT_EQ(store_->findUserByName("admin")->role, Role::kAdministrator);
  store_->createSession({"sh", u.id, 1000, 1000, 5000});
  store_->touchSession("sh", 1500);
  EXPECT_EQ(store_->findSession("sh")->lastUsedAt, 1500);
  store_->deleteSession("sh");
  EXPECT_FALSE(store_->findSession("sh").has_value());
}

TEST_F(StoreTest, AuditLogIsAppendOnly) {
  AuditEntry e;
  e.at = 1000;
  e.actor = "user:admin";
  e.action = "tenant.create";
  e.target = "tenant:1";
  e.source = "127.0.0.1";
  e.result = "ok";
  store_->appendAudit(e);
  auto entries = store_->listAudit(10);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].action, "tenant.create");
  sqlite::Database raw = sqlite::Database::open(dir_ / "parc.db");
  EXPECT_THROW(raw.exec("UPDATE audit_log SET result = 'forged'"), Error);
  EXPECT_THROW(raw.exec("DELETE FROM audit_log"), Error);
  EXPECT_EQ(store_->listAudit(10).at(0).result, "ok");
}

TEST_F(StoreTest, DataSurvivesReopen) {
  token(1, 9000, "h");
  store_->enrollHost("h", 2000, host("x"));
  store_.reset();
  store_ = std::make_unique<SqliteStore>(dir_ / "parc.db");
  EXPECT_EQ(store_->listHosts().size(), 1u);
  EXPECT_EQ(store_->listTenants().size(), 1u);
}

// Retention of what agents sent: each kind goes at its own cutoff, other hosts' and newer
// rows stay, an id forgotten is stored again when resent, and a big backlog goes in
// slices that a stopping server can interrupt.
TEST_F(StoreTest, MessagesAndTheirIdsArePurgedEachAtItsOwnCutoff) {
  token(2, 9000, "h");
  auto a = store_->enrollHost("h", 2000, host("a")).host;
  auto b = store_->enrollHost("h", 2000, host("b")).host;
  auto send = [&](Id hostId, const std::string& id, const std::string& type, Time at) {
    return store_->storeMessages(hostId, {IncomingMessage{id, type, at, "{}", {}}}, at).at(0);
  };
  for (Id h : {a->id, b->id}) {
    send(h, "old-metrics", "metrics", 1000);
    send(h, "new-metrics", "metrics", 5000);
    send(h, "old-event", "event", 1000);
    send(h, "mid-event", "event", 3000);
    send(h, "new-event", "event", 5000);
  }
  auto purged = store_->purgeMessages({2000, 4000, 2500}, [] { return true; });
  EXPECT_EQ(purged.metricsCopies, 2);  // "old-metrics" of both hosts
  EXPECT_EQ(purged.otherMessages, 4);  // "old-event" and "mid-event" of both
  EXPECT_EQ(purged.receivedIds, 4);    // the ids received at 1000
  for (Id h : {a->id, b->id}) {
    EXPECT_EQ(store_->countMessages(h, "metrics"), 1);
    auto events = store_->listMessages(h, "event", 10);
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].first, "new-event");
  }
  // An id still remembered is a duplicate even though its message was purged; one past
  // the id retention is stored again.
  EXPECT_EQ(send(a->id, "mid-event", "event", 6000), MessageOutcome::kDuplicate);
  EXPECT_EQ(send(a->id, "old-event", "event", 6000), MessageOutcome::kStored);
  // Nothing left before the cutoffs: a second pass removes nothing.
  auto again = store_->purgeMessages({2000, 4000, 2500}, [] { return true; });
  EXPECT_EQ(again.metricsCopies + again.otherMessages + again.receivedIds, 0);
}

// The metrics replay at start reads the copies received since a time: the table's tail,
// in arrival order, by pages, with each host's tenant; events are not copies.
TEST_F(StoreTest, MetricsCopiesSinceATimeComeInArrivalOrderAndInPages) {
  token(2, 9000, "h");
  auto a = store_->enrollHost("h", 2000, host("a")).host;
  auto b = store_->enrollHost("h", 2000, host("b")).host;
  auto send = [&](Id hostId, const std::string& id, const std::string& type, Time at) {
    store_->storeMessages(hostId, {IncomingMessage{id, type, at, R"({"n":")" + id + "\"}", {}}},
                          at);
  };
  send(a->id, "too-old", "metrics", 1000);
  std::vector<IncomingMessage> many;
  for (int i = 0; i < 2500; ++i) many.push_back({"m-" + std::to_string(i), "metrics", 1, "{}", {}});
  store_->storeMessages(a->id, many, 5000);
  send(b->id, "an-event", "event", 5000);
  send(b->id, "b-late", "metrics", 4999);  // a group that waited: behind in received_at
  std::vector<std::size_t> pages;
  std::vector<Store::MetricsCopy> seen;
  store_->forEachMetricsCopy(4999, [&](std::vector<Store::MetricsCopy>& page) {
    pages.push_back(page.size());
    seen.insert(seen.end(), page.begin(), page.end());
  });
  EXPECT_EQ(pages, (std::vector<std::size_t>{1000, 1000, 501}));
  ASSERT_EQ(seen.size(), 2501U);
  EXPECT_EQ(seen.front().messageId, "m-0");
  EXPECT_EQ(seen.front().receivedAt, 5000);
  EXPECT_EQ(seen.front().tenantId, tenant_.id);
  EXPECT_EQ(seen[2499].messageId, "m-2499");
  EXPECT_EQ(seen.back().messageId, "b-late");
  EXPECT_EQ(seen.back().hostId, b->id);
  EXPECT_EQ(seen.back().payload, R"({"n":"b-late"})");

  // A copy received after `since` but stored before a row received earlier (within the
  // walk's slack) is found all the same.
  send(a->id, "c-late", "metrics", 4800);
  std::vector<std::string> since4900;
  store_->forEachMetricsCopy(4900, [&](std::vector<Store::MetricsCopy>& page) {
    for (auto& c : page) since4900.push_back(c.messageId);
  });
  EXPECT_EQ(since4900.size(), 2501U) << "the 2,500, b-late; not c-late (4800)";
  int calls = 0;
  store_->forEachMetricsCopy(6000, [&](std::vector<Store::MetricsCopy>&) { ++calls; });
  EXPECT_EQ(calls, 0) << "nothing received since: no page";
}

TEST_F(StoreTest, AMessageBacklogIsPurgedInSlicesAndStopsWhenAsked) {
  token(1, 9000, "h");
  auto a = store_->enrollHost("h", 2000, host("a")).host;
  std::vector<IncomingMessage> week;
  for (int i = 0; i < 4500; ++i) week.push_back({"m-" + std::to_string(i), "metrics", 1, "{}", {}});
  store_->storeMessages(a->id, week, 1000);
  int slices = 0;
  auto stopped = store_->purgeMessages({2000, 0, 0}, [&] { return ++slices <= 2; });
  EXPECT_EQ(stopped.metricsCopies, 4000) << "two slices of 2,000, then the stop";
  EXPECT_EQ(store_->countMessages(a->id, "metrics"), 500);
  auto rest = store_->purgeMessages({2000, 0, 0}, [] { return true; });
  EXPECT_EQ(rest.metricsCopies, 500);
  EXPECT_EQ(rest.receivedIds, 0) << "a cutoff of 0 keeps everything";
  EXPECT_EQ(store_->storeMessages(a->id, {week.front()}, 3000).at(0), MessageOutcome::kDuplicate);
}

// The server's hourly task turns its days into cutoffs; 0 days keeps that kind.
TEST_F(StoreTest, MessageRetentionCutsEachKindAtItsDaysAndKeepsWhatIsSetToZero) {
  token(1, 9000, "h");
  auto a = store_->enrollHost("h", 2000, host("a")).host;
  constexpr Time kDay = 86400, kNow = 1000 * kDay;
  auto send = [&](const std::string& id, const std::string& type, Time at) {
    store_->storeMessages(a->id, {IncomingMessage{id, type, at, "{}", {}}}, at);
  };
  send("metrics-3-days", "metrics", kNow - 3 * kDay);
  send("metrics-12-hours", "metrics", kNow - kDay / 2);
  send("event-100-days", "event", kNow - 100 * kDay);
  send("event-400-days", "event", kNow - 400 * kDay);
  auto all = [] { return true; };
  auto none = store_->purgeMessages(messageCutoffs({0, 0, 0}, kNow), all);
  EXPECT_EQ(none.metricsCopies + none.otherMessages + none.receivedIds, 0);
  auto purged = store_->purgeMessages(messageCutoffs({}, kNow), all);
  EXPECT_EQ(purged.metricsCopies, 1);  // older than a day
  EXPECT_EQ(purged.otherMessages, 1);  // older than 365 days
  EXPECT_EQ(purged.receivedIds, 2);    // the two events' (older than 9 days)
  EXPECT_EQ(store_->countMessages(a->id, "metrics"), 1);
  EXPECT_EQ(store_->countMessages(a->id, "event"), 1);
}

}  // namespace
}  // namespace parc::server::store
