#include "server/api/backup_routes.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/backup/manifest.h"
#include "common/error.h"
#include "server/api/route_helpers.h"
#include "server/backup/repositories.h"

namespace parc::server::api {

namespace {

using auth::Permission;
using server::backup::Repository;

// Bounds on what one request may carry: below the agent listener's 8 MiB body limit.
constexpr std::size_t kMaxQueryIds = 20000;              // 64 hex + quotes: ~1.4 MB of JSON
constexpr std::size_t kMaxUploadPart = 4 * 1024 * 1024;  // agents send packs in 4 MiB parts

backup::Repositories& registry(Services& s) {
  if (!s.backups) throw Error(ErrorKind::kUnavailable, "backups are not enabled on this server");
  return *s.backups;
}

// The caller's tenant decides the repository: a host never names one, so it cannot
// reach another tenant's data whatever it sends.
std::int64_t tenantOf(const Context& ctx) {
  return ctx.caller.host->tenantId;
}

Repository& tenantRepository(Context& ctx, Services& s) {
  return registry(s).open(tenantOf(ctx));
}

// What the server records as a snapshot's host: the authenticated host, not the
// agent's claim. No spaces (the snapshot file's header is "key value" lines).
std::string hostLabel(const store::Host& h) {
  return "host:" + std::to_string(h.id);
}

bool isHex(std::string_view s, std::size_t len) {
  return s.size() == len && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}

std::string packParam(const Context& ctx) {
  auto name = ctx.params.at("name");
  if (!isHex(name, 64)) throw Error(ErrorKind::kBadRequest, "pack name must be 64 lowercase hex");
  return name;
}

std::string snapshotParam(const Context& ctx) {
  auto id = ctx.params.at("id");
  if (!isHex(id, 16)) throw Error(ErrorKind::kNotFound, "no such snapshot");
  return id;
}

net::Response binaryResponse(std::string body) {
  net::Response res;
  res.status = 200;
  res.headers["content-type"] = "application/octet-stream";
  res.body = std::move(body);
  return res;
}

Json snapshotJson(const server::backup::SnapshotInfo& s) {
  Json j{{"id", s.id}, {"created", s.created}, {"host", s.host}, {"refs", s.refs}};
  if (s.host.rfind("host:", 0) == 0) {
    store::Id id = 0;
    auto text = std::string_view(s.host).substr(5);
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec == std::errc() && p == text.data() + text.size()) j["host_id"] = id;
  }
  return j;
}

// GET /api/v1/backup/repository: the key check, so an agent refuses a wrong key
// before any work; 404 until the tenant's first agent creates the repository.
net::Response getRepository(Context& ctx, Services& s) {
  auto& repo = tenantRepository(ctx, s);
  return jsonResponse(200, Json{{"id", repo.id()}, {"key_check", repo.keyCheck()}});
}

// POST /api/v1/backup/repository {"key_check"}: created by the tenant's first agent
// (the server never sees the key, only its public check); idempotent for the same key.
net::Response createRepository(Context& ctx, Services& s) {
  Json body = bodyObject(ctx);
  std::string check = requireText(body, "key_check", 128);
  if (!std::all_of(check.begin(), check.end(), [](char c) { return std::isxdigit(c); }))
    throw Error(ErrorKind::kBadRequest, "key_check must be hexadecimal");
  bool created = false;
  auto& repo = registry(s).create(tenantOf(ctx), check, &created);
  if (created) {
    audit(s, ctx, "backup.repository.create", "tenant:" + std::to_string(tenantOf(ctx)),
          tenantOf(ctx));
    spdlog::info("backup repository created for tenant {} by host {}", tenantOf(ctx),
                 ctx.caller.host->id);
  }
  return jsonResponse(created ? 201 : 200, Json{{"id", repo.id()}, {"key_check", repo.keyCheck()}});
}

// POST /api/v1/backup/chunks/query {"ids": [hex...]} → {"have": "0110..."}: one
// character per id, in order (compact for batches of thousands).
net::Response queryChunks(Context& ctx, Services& s) {
  Json body = bodyObject(ctx);
  auto ids = body.find("ids");
  if (ids == body.end() || !ids->is_array())
    throw Error(ErrorKind::kBadRequest, "field 'ids' must be an array");
  if (ids->size() > kMaxQueryIds)
    throw Error(ErrorKind::kTooLarge, "at most " + std::to_string(kMaxQueryIds) + " ids per query");
  std::vector<parc::backup::ChunkId> list;
  list.reserve(ids->size());
  for (const auto& id : *ids) {
    if (!id.is_string()) throw Error(ErrorKind::kBadRequest, "ids must be hex strings");
    list.push_back(parc::backup::chunkIdFromHex(id.get<std::string>()));
  }
  auto have = tenantRepository(ctx, s).hasChunks(list);
  std::string flags;
  flags.reserve(have.size());
  for (bool h : have) flags.push_back(h ? '1' : '0');
  return jsonResponse(200, Json{{"have", flags}});
}

Json offsetJson(std::uint64_t offset) {
  if (offset == UINT64_MAX) return Json{{"offset", nullptr}, {"stored", true}};
  return Json{{"offset", offset}, {"stored", false}};
}

// GET /api/v1/backup/uploads/{name}: where a (possibly interrupted) upload continues.
net::Response uploadOffset(Context& ctx, Services& s) {
  auto name = packParam(ctx);
  return jsonResponse(200, offsetJson(tenantRepository(ctx, s).uploadOffset(name)));
}

// PUT /api/v1/backup/uploads/{name}?offset=N: appends one part (fsynced before the
// answer); kConflict with the right offset in the message if N is not where it ends.
net::Response appendUpload(Context& ctx, Services& s) {
  auto name = packParam(ctx);
  const auto& data = ctx.request.body;
  if (data.empty()) throw Error(ErrorKind::kBadRequest, "empty upload part");
  if (data.size() > kMaxUploadPart)
    throw Error(ErrorKind::kTooLarge,
                "upload parts are at most " + std::to_string(kMaxUploadPart) + " bytes");
  auto offset = queryInt(ctx, "offset", -1, 0, INT64_MAX);
  if (offset < 0) throw Error(ErrorKind::kBadRequest, "missing ?offset=");
  auto& repo = tenantRepository(ctx, s);
  std::lock_guard lock(registry(s).uploadLock(tenantOf(ctx), name));
  repo.appendUpload(name, static_cast<std::uint64_t>(offset), data);
  return jsonResponse(200, offsetJson(static_cast<std::uint64_t>(offset) + data.size()));
}

// POST /api/v1/backup/uploads/{name}/finish: checks the hash against the name, then
// stores and indexes the pack. Idempotent once the pack is stored.
net::Response finishUpload(Context& ctx, Services& s) {
  auto name = packParam(ctx);
  auto& repo = tenantRepository(ctx, s);
  std::lock_guard lock(registry(s).uploadLock(tenantOf(ctx), name));
  if (repo.uploadOffset(name) != UINT64_MAX) repo.finishUpload(name);
  return jsonResponse(200, Json{{"pack", name}, {"stored", true}});
}

// POST /api/v1/backup/snapshots (body: the snapshot object): last step of a backup.
// The server names and dates it; kConflict (409) when a referenced chunk is missing.
net::Response commitSnapshot(Context& ctx, Services& s) {
  auto& repo = tenantRepository(ctx, s);
  const auto& host = *ctx.caller.host;
  std::string id;
  try {
    id = repo.commitSnapshot(ctx.request.body, hostLabel(host));
  } catch (const Error& e) {
    audit(s, ctx, "backup.snapshot.commit", hostLabel(host), host.tenantId, "refused", e.what());
    throw;
  }
  registry(s).notifyCommit(host.tenantId, hostLabel(host), ctx.now);
  audit(s, ctx, "backup.snapshot.commit", "snapshot:" + id, host.tenantId, "ok",
        std::to_string(ctx.request.body.size()) + " bytes");
  spdlog::info("backup snapshot {} committed by host {} (tenant {})", id, host.id, host.tenantId);
  return jsonResponse(201, Json{{"id", id}});
}

// GET /api/v1/backup/snapshots[?host=self]: the tenant's snapshots (a PC may restore
// another PC's of the same tenant), or only the caller's.
net::Response listSnapshots(Context& ctx, Services& s) {
  auto* repo = registry(s).find(tenantOf(ctx));
  Json items = Json::array();
  bool self = ctx.request.query("host") == "self";
  std::string mine = hostLabel(*ctx.caller.host);
  if (repo) {
    for (const auto& snap : repo->listSnapshots()) {
      if (!self || snap.host == mine) items.push_back(snapshotJson(snap));
    }
  }
  return jsonResponse(200, Json{{"items", items}, {"count", items.size()}});
}

// GET /api/v1/backup/snapshots/{id}: the snapshot object (encrypted metadata + ids).
net::Response readSnapshot(Context& ctx, Services& s) {
  return binaryResponse(tenantRepository(ctx, s).readSnapshot(snapshotParam(ctx)));
}

// GET /api/v1/backup/blobs/{id}: the blob's 44-byte header then its stored bytes.
net::Response readBlob(Context& ctx, Services& s) {
  auto id = parc::backup::chunkIdFromHex(ctx.params.at("id"));
  auto& repo = tenantRepository(ctx, s);
  auto loc = repo.locate(id);
  if (!loc) throw Error(ErrorKind::kNotFound, "no such blob");
  std::string out;
  out.reserve(parc::backup::kBlobHeaderSize + loc->header.storedLen);
  parc::backup::appendBlobHeader(out, loc->header);
  out += repo.readBlob(*loc);
  return binaryResponse(std::move(out));
}

// Lease holders are prefixed with the caller, so a host can only renew or release its
// own leases; agents get shared (backup) leases only, never prune's exclusive one.
std::string leaseHolder(const Context& ctx, const Json& body) {
  return hostLabel(*ctx.caller.host) + "/" + requireText(body, "holder", 128);
}

// POST /api/v1/backup/leases {"holder", "ttl"} → {"granted": bool}
net::Response acquireLease(Context& ctx, Services& s) {
  Json body = bodyObject(ctx);
  auto holder = leaseHolder(ctx, body);
  int ttl = optionalInt(body, "ttl", 3600, 10, 6 * 3600);
  bool granted = tenantRepository(ctx, s).acquireLease(holder, false, std::chrono::seconds(ttl));
  return jsonResponse(200, Json{{"granted", granted}});
}

// POST /api/v1/backup/leases/release {"holder"}
net::Response releaseLease(Context& ctx, Services& s) {
  Json body = bodyObject(ctx);
  tenantRepository(ctx, s).releaseLease(leaseHolder(ctx, body));
  return jsonResponse(200, Json{{"released", true}});
}

// GET /api/v1/backup/keys/{name}: a wrapped copy of the tenant key (opaque to us).
net::Response getKeySlot(Context& ctx, Services& s) {
  auto slot = tenantRepository(ctx, s).keySlot(ctx.params.at("name"));
  if (!slot) throw Error(ErrorKind::kNotFound, "no such key slot");
  return binaryResponse(std::move(*slot));
}

// PUT /api/v1/backup/keys/{name}: written once (kConflict if it exists).
net::Response putKeySlot(Context& ctx, Services& s) {
  if (ctx.request.body.empty() || ctx.request.body.size() > 4096)
    throw Error(ErrorKind::kBadRequest, "a key slot is 1 to 4096 bytes");
  auto name = ctx.params.at("name");
  tenantRepository(ctx, s).putKeySlot(name, ctx.request.body);
  audit(s, ctx, "backup.key_slot.create", "key-slot:" + name.substr(0, 64), tenantOf(ctx));
  return jsonResponse(201, Json{{"name", name}});
}

// GET /api/v1/hosts/{id}/backups: the host's snapshots, newest first, with their size
// (sum of the referenced chunks, as stored and before compression).
net::Response hostBackups(Context& ctx, Services& s) {
  store::Host host = scopedHost(s, ctx, ctx.id("id"));
  Json items = Json::array();
  Json usage = nullptr;
  auto* repo = s.backups ? s.backups->find(host.tenantId) : nullptr;
  if (repo) {
    auto label = hostLabel(host);
    auto all = repo->listSnapshots();
    std::size_t limit = static_cast<std::size_t>(queryInt(ctx, "limit", 50, 1, 500));
    for (auto it = all.rbegin(); it != all.rend() && items.size() < limit; ++it) {
      if (it->host != label) continue;
      Json j = snapshotJson(*it);
      std::uint64_t plain = 0, stored = 0;
      auto snap = parc::backup::decodeSnapshot(repo->readSnapshot(it->id));
      for (const auto& id : snap.refs) {
        if (auto loc = repo->locate(id)) {
          plain += loc->header.plainLen;
          stored += loc->header.storedLen;
        }
      }
      j["size"] = plain;
      j["stored_size"] = stored;
      items.push_back(std::move(j));
    }
    auto u = repo->usage();
    usage = Json{
        {"packs", u.packs}, {"chunks", u.chunks}, {"snapshots", u.snapshots}, {"bytes", u.bytes}};
  }
  return jsonResponse(
      200, Json{{"items", items}, {"count", items.size()}, {"tenant_repository", usage}});
}

template <typename F>
RouteHandler bind(Services& s, F f) {
  return [&s, f](Context& ctx) { return f(ctx, s); };
}

}  // namespace

void addBackupAgentRoutes(Router& r, Services& s) {
  const auto A = Permission::kAgent;
  r.add("GET", "/api/v1/backup/repository", A, bind(s, getRepository));
  r.add("POST", "/api/v1/backup/repository", A, bind(s, createRepository));
  r.add("POST", "/api/v1/backup/chunks/query", A, bind(s, queryChunks));
  r.add("GET", "/api/v1/backup/uploads/{name}", A, bind(s, uploadOffset));
  r.add("PUT", "/api/v1/backup/uploads/{name}", A, bind(s, appendUpload));
  r.add("POST", "/api/v1/backup/uploads/{name}/finish", A, bind(s, finishUpload));
  r.add("POST", "/api/v1/backup/snapshots", A, bind(s, commitSnapshot));
  r.add("GET", "/api/v1/backup/snapshots", A, bind(s, listSnapshots));
  r.add("GET", "/api/v1/backup/snapshots/{id}", A, bind(s, readSnapshot));
  r.add("GET", "/api/v1/backup/blobs/{id}", A, bind(s, readBlob));
  r.add("POST", "/api/v1/backup/leases", A, bind(s, acquireLease));
  r.add("POST", "/api/v1/backup/leases/release", A, bind(s, releaseLease));
  r.add("GET", "/api/v1/backup/keys/{name}", A, bind(s, getKeySlot));
  r.add("PUT", "/api/v1/backup/keys/{name}", A, bind(s, putKeySlot));
  addBackupPolicyAgentRoutes(r, s);
}

void addBackupConsoleRoutes(Router& r, Services& s) {
  r.add("GET", "/api/v1/hosts/{id}/backups", Permission::kHostsRead, bind(s, hostBackups));
  addBackupPolicyConsoleRoutes(r, s);
}

}  // namespace parc::server::api
