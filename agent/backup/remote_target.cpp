// The remote target: Target's calls as requests to the server's backup routes
// (docs/backups.md, "Network protocol"). Packs go up in parts below the agent
// listener's body limit, and an interrupted upload continues where the server says it
// ends instead of starting over.
#include "agent/backup/remote_target.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "common/error.h"
#include "common/json/json.h"
#include "common/net/client.h"

namespace parc::agent::backup {
namespace {

using parc::backup::toHex;

constexpr std::size_t kUploadPart = 4 * 1024 * 1024;  // server's limit: 4 MiB a part
constexpr std::size_t kQueryBatch = 10000;            // server's limit: 20,000 ids a query
constexpr int kAttempts = 4;                          // per pack, on network errors
constexpr std::size_t kMinPart = 64 * 1024;           // smallest part under a low limit

// A token bucket shared by the uploader threads: each part takes its bytes, and a
// caller that overdraws sleeps until the debt is paid at the current rate. The burst
// is one second's worth, so an idle minute does not buy a minute at full speed.
class TokenBucket {
 public:
  void take(std::size_t bytes, int kibPerSecond) {
    if (kibPerSecond <= 0) return;
    const double rate = kibPerSecond * 1024.0;
    std::unique_lock lock(mu_);
    auto now = std::chrono::steady_clock::now();
    double elapsed = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    tokens_ = std::min(rate, tokens_ + elapsed * rate) - static_cast<double>(bytes);
    double wait = tokens_ < 0 ? -tokens_ / rate : 0;
    lock.unlock();
    if (wait > 0) std::this_thread::sleep_for(std::chrono::duration<double>(wait));
  }

 private:
  std::mutex mu_;
  double tokens_ = 0;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

class RemoteTarget : public Target {
 public:
  RemoteTarget(const transport::Identity& identity, RemoteOptions options)
      : client_(net::parseUrl(identity.server), transport::clientTls(identity),
                std::chrono::seconds(120)),
        options_(options) {}

  std::string keyCheck() override {
    auto j = json("GET", "/api/v1/backup/repository");
    return j.at("key_check").get<std::string>();
  }

  std::vector<bool> hasChunks(const std::vector<ChunkId>& ids) override {
    std::vector<bool> out(ids.size(), false);
    std::vector<std::size_t> ask;
    {
      std::lock_guard lock(mu_);
      for (std::size_t i = 0; i < ids.size(); ++i) {
        if (known_.count(ids[i]))
          out[i] = true;
        else
          ask.push_back(i);
      }
    }
    for (std::size_t from = 0; from < ask.size(); from += kQueryBatch) {
      std::size_t to = std::min(ask.size(), from + kQueryBatch);
      Json list = Json::array();
      for (std::size_t k = from; k < to; ++k) list.push_back(toHex(ids[ask[k]]));
      auto have = json("POST", "/api/v1/backup/chunks/query", Json{{"ids", list}}.dump())
                      .at("have")
                      .get<std::string>();
      if (have.size() != to - from) {
        throw Error(ErrorKind::kUnavailable, "server answered a chunk query of " +
                                                 std::to_string(to - from) + " ids with " +
                                                 std::to_string(have.size()) + " flags");
      }
      std::lock_guard lock(mu_);
      for (std::size_t k = from; k < to; ++k) {
        if (have[k - from] == '1') {
          out[ask[k]] = true;
          known_.insert(ids[ask[k]]);
        }
      }
    }
    return out;
  }

  void putPack(std::string pack) override {
    auto name = parc::backup::packName(pack);
    const std::string path = "/api/v1/backup/uploads/" + name;
    for (int attempt = 1;; ++attempt) {
      try {
        auto state = json("GET", path);
        if (!state.value("stored", false)) {
          auto offset = state.at("offset").get<std::uint64_t>();
          if (offset > pack.size()) {
            throw Error(ErrorKind::kConflict, "server holds more of pack " + name + " than it is");
          }
          while (offset < pack.size()) {
            // Under a limit, parts of about one second's worth keep the line smooth
            // instead of 4 MiB bursts followed by silence.
            int limit = options_.limitKiBps ? options_.limitKiBps() : 0;
            std::size_t part = kUploadPart;
            if (limit > 0)
              part = std::clamp<std::size_t>(static_cast<std::size_t>(limit) * 1024, kMinPart,
                                             kUploadPart);
            auto n = std::min(part, pack.size() - offset);
            bucket_.take(n, limit);
            json("PUT", path + "?offset=" + std::to_string(offset), pack.substr(offset, n),
                 "application/octet-stream");
            offset += n;
          }
          json("POST", path + "/finish");
        }
        break;
      } catch (const Error& e) {
        // A dropped connection or a part that raced its retry: ask where it stands.
        bool retry = e.kind() == ErrorKind::kUnavailable || e.kind() == ErrorKind::kConflict;
        if (!retry || attempt >= kAttempts) throw;
        std::this_thread::sleep_for(std::chrono::seconds(attempt));
      }
    }
    auto entries = parc::backup::parsePack(pack, name);
    std::lock_guard lock(mu_);
    for (const auto& e : entries) known_.insert(e.header.id);
  }

  std::string commitSnapshot(const std::string& object, const std::string& /*host*/) override {
    // The server records the authenticated host, whatever the agent would claim.
    return json("POST", "/api/v1/backup/snapshots", object, "application/octet-stream")
        .at("id")
        .get<std::string>();
  }

  std::vector<SnapshotSummary> listSnapshots() override {
    auto j = json("GET", std::string("/api/v1/backup/snapshots") +
                             (options_.ownSnapshotsOnly ? "?host=self" : ""));
    std::vector<SnapshotSummary> out;
    for (const auto& s : j.at("items")) {
      out.push_back({s.at("id").get<std::string>(), s.at("created").get<std::int64_t>(),
                     s.at("host").get<std::string>()});
    }
    return out;
  }

  std::string readSnapshot(const std::string& id) override {
    return send("GET", "/api/v1/backup/snapshots/" + id).body;
  }

  std::pair<BlobHeader, std::string> readBlob(const ChunkId& id) override {
    auto body = send("GET", "/api/v1/backup/blobs/" + toHex(id)).body;
    parc::backup::Reader r(body, "blob " + toHex(id) + " from the server");
    BlobHeader h;
    h.id = r.id();
    h.type = static_cast<parc::backup::BlobType>(r.u8());
    h.flags = r.u8();
    r.take(2);
    h.plainLen = r.u32();
    h.storedLen = r.u32();
    if (h.id != id || r.remaining() != h.storedLen) r.fail("header does not match the request");
    return {h, std::string(r.take(h.storedLen))};
  }

  bool acquireLease(const std::string& holder, std::chrono::seconds ttl) override {
    auto ttlSeconds = std::min<std::int64_t>(ttl.count(), 6 * 3600);
    return json("POST", "/api/v1/backup/leases",
                Json{{"holder", holder}, {"ttl", ttlSeconds}}.dump())
        .at("granted")
        .get<bool>();
  }

  void releaseLease(const std::string& holder) override {
    json("POST", "/api/v1/backup/leases/release", Json{{"holder", holder}}.dump());
  }

  std::optional<std::string> keySlot(const std::string& name) override {
    auto res = client_.send(request("GET", "/api/v1/backup/keys/" + name, {}, {}));
    if (res.status == 404 && res.body.find("key slot") != std::string::npos) return std::nullopt;
    check(res, "/api/v1/backup/keys/" + name);
    return res.body;
  }

  void putKeySlot(const std::string& name, const std::string& wrapped) override {
    json("PUT", "/api/v1/backup/keys/" + name, wrapped, "application/octet-stream");
  }

  Json json(const std::string& method, const std::string& path, std::string body = {},
            const std::string& type = "application/json") {
    auto res = send(method, path, std::move(body), type);
    return parseJson(res.body);
  }

 private:
  static net::Request request(const std::string& method, const std::string& path, std::string body,
                              const std::string& type) {
    net::Request req;
    req.method = method;
    req.target = path;
    if (!body.empty() || method != "GET") req.headers["content-type"] = type;
    req.body = std::move(body);
    return req;
  }

  static void check(const net::Response& res, const std::string& path) {
    if (res.status / 100 == 2) return;
    std::string reason = res.body;
    try {
      auto j = parseJson(res.body);
      if (j.is_object()) reason = j.value("message", res.body);
    } catch (const Error&) {
    }
    throw Error(kindFromHttpStatus(res.status), "server refused " + path.substr(0, 80) + " (" +
                                                    std::to_string(res.status) + "): " + reason);
  }

  net::Response send(const std::string& method, const std::string& path, std::string body = {},
                     const std::string& type = "application/json") {
    auto res = client_.send(request(method, path, std::move(body), type));
    check(res, path);
    return res;
  }

  net::HttpsClient client_;
  RemoteOptions options_;
  TokenBucket bucket_;
  std::mutex mu_;
  // Chunks the server confirmed or that this run uploaded: asked about only once.
  std::unordered_set<ChunkId, parc::backup::ChunkIdHash> known_;
};

}  // namespace

TargetPtr openRemoteTarget(const transport::Identity& identity, RemoteOptions options) {
  return std::make_unique<RemoteTarget>(identity, options);
}

bool initRemoteRepository(const transport::Identity& identity, const std::string& keyCheck) {
  net::HttpsClient client(net::parseUrl(identity.server), transport::clientTls(identity));
  net::Request req;
  req.method = "POST";
  req.target = "/api/v1/backup/repository";
  req.headers["content-type"] = "application/json";
  req.body = Json{{"key_check", keyCheck}}.dump();
  auto res = client.send(req);
  if (res.status != 200 && res.status != 201) {
    std::string reason = res.body;
    try {
      reason = parseJson(res.body).value("message", res.body);
    } catch (const Error&) {
    }
    throw Error(kindFromHttpStatus(res.status), "server refused to create the backup repository (" +
                                                    std::to_string(res.status) + "): " + reason);
  }
  return res.status == 201;
}

}  // namespace parc::agent::backup
