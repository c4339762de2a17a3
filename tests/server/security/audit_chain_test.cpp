#include "server/security/audit_chain.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace parc::server::security {
namespace {

using Chain = std::vector<std::pair<AuditRecord, std::string>>;

AuditRecord record(std::int64_t id) {
  return AuditRecord{id,        1'800'000'000 + id,
                     "admin",   "login",
                     "session", "192.0.2." + std::to_string(id),
                     "success", "attempt " + std::to_string(id)};
}

/// A correct chain of n records, as the server would write it.
Chain makeChain(int n) {
  Chain chain;
  std::string previous = genesisHash();
  for (int id = 1; id <= n; ++id) {
    AuditRecord r = record(id);
    std::string hash = chainHash(previous, r);
    chain.emplace_back(r, hash);
    previous = hash;
  }
  return chain;
}

TEST(AuditChain, GenesisIsSixtyFourZeros) {
  EXPECT_EQ(genesisHash(), std::string(64, '0'));
}

TEST(AuditChain, HashIsLowerHexSha256AndDependsOnEveryField) {
  AuditRecord base = record(1);
  std::string h = chainHash(genesisHash(), base);
  ASSERT_EQ(h.size(), 64u);
  EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(chainHash(genesisHash(), base), h);  // deterministic

  std::vector<AuditRecord> variants(8, base);
  variants[0].id = 2;
  variants[1].at += 1;
  variants[2].actor = "admin2";
  variants[3].action = "logout";
  variants[4].target = "sessions";
  variants[5].source = "192.0.2.2";
  variants[6].result = "failure";
  variants[7].detail = "";
  for (const AuditRecord& v : variants) EXPECT_NE(chainHash(genesisHash(), v), h);
  EXPECT_NE(chainHash(std::string(64, 'f'), base), h);  // and on the previous hash
}

TEST(AuditChain, FieldBoundariesCannotBeShifted) {
  AuditRecord a = record(1);
  AuditRecord b = record(1);
  a.actor = "ad";
  a.action = "minlogin";
  b.actor = "admin";
  b.action = "login";
  EXPECT_NE(chainHash(genesisHash(), a), chainHash(genesisHash(), b));
  a = b;
  a.result = "";
  a.detail = "successattempt 1";
  b.result = "success";
  b.detail = "attempt 1";
  EXPECT_NE(chainHash(genesisHash(), a), chainHash(genesisHash(), b));
}

TEST(AuditChain, AnIntactChainVerifies) {
  ChainCheck c = verifyChain(makeChain(10));
  EXPECT_TRUE(c.ok) << c.reason;
  EXPECT_EQ(c.firstBadId, 0);
  EXPECT_TRUE(verifyChain({}).ok);
}

TEST(AuditChain, AModifiedRecordIsFound) {
  Chain chain = makeChain(10);
  chain[4].first.result = "success";  // unchanged field value: still verifies
  EXPECT_TRUE(verifyChain(chain).ok);
  chain[4].first.result = "failure";  // record id 5
  ChainCheck c = verifyChain(chain);
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.firstBadId, 5);
  EXPECT_NE(c.reason.find("does not match its hash"), std::string::npos);
}

TEST(AuditChain, AModifiedStoredHashIsFound) {
  Chain chain = makeChain(10);
  chain[6].second[0] = chain[6].second[0] == 'a' ? 'b' : 'a';
  ChainCheck c = verifyChain(chain);
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.firstBadId, 7);
  chain = makeChain(3);
  chain[1].second = "not a hash";
  EXPECT_EQ(verifyChain(chain).firstBadId, 2);
}

TEST(AuditChain, ADeletedRecordIsFoundByTheGap) {
  Chain chain = makeChain(10);
  chain.erase(chain.begin() + 3);  // id 4
  ChainCheck c = verifyChain(chain);
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.firstBadId, 5);
  EXPECT_NE(c.reason.find("4 to 4 are missing"), std::string::npos) << c.reason;
}

TEST(AuditChain, ADeletionWithRenumberingIsFoundByTheHash) {
  Chain chain = makeChain(10);
  chain.erase(chain.begin() + 3);
  for (std::size_t i = 3; i < chain.size(); ++i) chain[i].first.id -= 1;  // hide the gap
  ChainCheck c = verifyChain(chain);
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.firstBadId, 4);
}

TEST(AuditChain, DeletingTheFirstRecordIsFound) {
  Chain chain = makeChain(5);
  chain.erase(chain.begin());
  ChainCheck c = verifyChain(chain);
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.firstBadId, 2);
}

TEST(AuditChain, ReorderedRecordsAreFound) {
  Chain chain = makeChain(10);
  std::swap(chain[2], chain[3]);  // ids 4 then 3
  ChainCheck c = verifyChain(chain);
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.firstBadId, 4);  // 4 follows 2: a gap, caught first
  EXPECT_FALSE(verifyChain(chain).reason.empty());

  // Swapping contents while keeping ids in order is caught by the hashes.
  chain = makeChain(10);
  std::swap(chain[2].first.detail, chain[3].first.detail);
  EXPECT_EQ(verifyChain(chain).firstBadId, 3);
}

TEST(AuditChain, DuplicatedRecordIsFound) {
  Chain chain = makeChain(5);
  auto copy = chain[2];
  chain.insert(chain.begin() + 3, copy);  // id 3 twice
  ChainCheck c = verifyChain(chain);
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.firstBadId, 3);
  EXPECT_NE(c.reason.find("reordered or duplicated"), std::string::npos);
}

TEST(AuditChain, AnInsertedRecordIsFoundEvenWithAValidHashOfItsOwn) {
  Chain chain = makeChain(6);
  // The forger inserts a record after id 3, computes its hash correctly and renumbers
  // the later records, but cannot re-hash them without rewriting the whole tail.
  AuditRecord forged = record(4);
  forged.actor = "intrus";
  chain.insert(chain.begin() + 3, {forged, chainHash(chain[2].second, forged)});
  for (std::size_t i = 4; i < chain.size(); ++i) chain[i].first.id += 1;
  ChainCheck c = verifyChain(chain);
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.firstBadId, 5);  // the record after the forgery
}

TEST(AuditChain, ACheckpointStartsMidChain) {
  Chain chain = makeChain(10);
  std::string checkpoint = chain[4].second;
  Chain tail(chain.begin() + 5, chain.end());
  EXPECT_TRUE(verifyChain(tail, checkpoint).ok);
  EXPECT_FALSE(verifyChain(tail).ok);  // not from genesis
}

TEST(AuditChain, TruncationOrFullRewriteIsFoundOnlyAgainstAKeptHead) {
  Chain chain = makeChain(10);
  std::string head = chain.back().second;
  Chain truncated(chain.begin(), chain.begin() + 8);
  EXPECT_TRUE(verifyChain(truncated).ok);  // a chain alone cannot see this
  ChainCheck c = verifyChain(truncated, genesisHash(), head);
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.firstBadId, 8);
  EXPECT_TRUE(verifyChain(chain, genesisHash(), head).ok);
}

}  // namespace
}  // namespace parc::server::security
