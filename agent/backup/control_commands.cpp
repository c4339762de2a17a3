#include "agent/backup/control_commands.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <random>
#include <set>

#include "agent/backup/engine.h"
#include "agent/backup/remote_target.h"
#include "agent/remote/path_guard.h"
#include "agent/transport/identity.h"
#include "common/backup/crypto.h"
#include "common/backup/pack.h"
#include "common/config/toml_file.h"
#include "common/error.h"
#include "common/files/files.h"
#include "common/files/unique_fd.h"
#include "common/thread/thread_name.h"

namespace parc::agent::backup {
namespace fs = std::filesystem;
using namespace parc::backup;

namespace {

constexpr std::size_t kKeptJobs = 20;      // finished restores remembered for the console
constexpr std::size_t kMaxPaths = 1000;    // selected files/folders in one restore
constexpr std::size_t kMaxReported = 100;  // renamed files and warnings listed per restore
constexpr int kMaxKeptNames = 100;         // "(restauré …) n" attempts before giving up
constexpr unsigned kWorkers = 4;           // blobs fetched at once: 4 chunks (≤ 16 MiB) in memory

[[noreturn]] void sysFail(const std::string& what) {
  throw Error(ErrorKind::kUnavailable, what + ": " + std::strerror(errno));
}

std::string today() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::string newJobId() {
  static thread_local std::mt19937_64 gen{std::random_device{}()};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(gen()));
  return buf;
}

bool isSnapshotId(const std::string& s) {
  return s.size() == 16 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string parentOf(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

std::string leafOf(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A path of the snapshot as the console sends it: with or without the leading '/' and a
// trailing one; "" is the top. Anything that could leave the destination is refused.
std::string snapshotPath(const Json& value, bool allowTop) {
  if (!value.is_string()) throw Error(ErrorKind::kBadRequest, "paths must be strings");
  std::string p = value.get<std::string>();
  while (!p.empty() && p.front() == '/') p.erase(0, 1);
  while (!p.empty() && p.back() == '/') p.pop_back();
  if (p.empty()) {
    if (allowTop) return p;
    throw Error(ErrorKind::kBadRequest, "an empty path cannot be restored");
  }
  if (!isSafeRelativePath(p)) throw Error(ErrorKind::kForbidden, "unsafe path refused: " + p);
  return p;
}

bool within(const std::string& path, const std::string& top) {
  return path == top || (path.size() > top.size() && path.compare(0, top.size(), top) == 0 &&
                         path[top.size()] == '/');
}

// Payload fields of the wrong type are refused (nlohmann's own throws are not ours).
std::string stringField(const Json& payload, const char* key, const std::string& fallback) {
  auto it = payload.find(key);
  if (it == payload.end() || it->is_null()) return fallback;
  if (!it->is_string()) throw Error(ErrorKind::kBadRequest, std::string(key) + " must be text");
  return it->get<std::string>();
}

std::int64_t intField(const Json& payload, const char* key, std::int64_t fallback) {
  auto it = payload.find(key);
  if (it == payload.end() || it->is_null()) return fallback;
  if (!it->is_number_integer())
    throw Error(ErrorKind::kBadRequest, std::string(key) + " must be an integer");
  return it->get<std::int64_t>();
}

// Enters the parent folder of `rel` under `root` one component at a time with
// O_NOFOLLOW (a symlink planted on the way is refused, never followed), creating the
// folders that are missing.
UniqueFd openParent(int root, const std::string& rel) {
  UniqueFd dir(::dup(root));
  std::string parent = parentOf(rel);
  std::size_t start = 0;
  while (start < parent.size()) {
    auto end = parent.find('/', start);
    if (end == std::string::npos) end = parent.size();
    auto part = parent.substr(start, end - start);
    int next = ::openat(dir.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0 && errno == ENOENT) {
      if (::mkdirat(dir.get(), part.c_str(), 0700) != 0 && errno != EEXIST)
        sysFail("cannot create " + parent.substr(0, end));
      next = ::openat(dir.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (next < 0) sysFail("cannot enter " + parent.substr(0, end) + " (not a plain folder)");
    dir = UniqueFd(next);
    start = end + 1;
  }
  return dir;
}

TenantKeys loadKeys(const fs::path& keyFile) {
  auto text = files::tryRead(keyFile);
  if (!text) {
    throw Error(ErrorKind::kNotFound,
                "no backup key on this PC (" + keyFile.string() +
                    "): copy the tenant's key file here to browse or restore its backups");
  }
  return TenantKeys::derive(decodeKeyFile(*text));
}

// The folder a restore writes into, under an allowed root; created (one level) when
// missing. PathGuard resolves and re-checks it, so `..` or a symlink cannot lead out.
UniqueFd openFolder(const remote::PathGuard& guard, std::string folder) {
  while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
  const std::string probe = folder + "/.parc-restore";
  try {
    return guard.openForWrite(probe).dir;
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kNotFound) throw;
  }
  auto parent = guard.openForWrite(folder);
  if (::mkdirat(parent.dir.get(), parent.name.c_str(), 0700) != 0 && errno != EEXIST)
    sysFail("cannot create " + folder);
  return guard.openForWrite(probe).dir;
}

// Restores are remembered on disk too (DATA_DIR/backup-restores.json, beside the default
// destination DATA_DIR/restores): after an agent restart the server still learns how a
// restore ended, and one that was running is reported interrupted, with the reason,
// instead of being unknown.
fs::path journalOf(const RestoreSettings& settings) {
  if (settings.defaultRoot.empty()) return {};
  return settings.defaultRoot.parent_path() / "backup-restores.json";
}

void writeJournal(const fs::path& file, const Json& items) {
  if (file.empty()) return;
  try {
    files::writeAtomic(file, items.dump() + "\n", 0600);
  } catch (const Error& e) {
    spdlog::warn("cannot keep the restores' states in {}: {}", file.string(), e.what());
  }
}

constexpr const char* kStoppedDuringRestore =
    "l'agent s'est arrêté pendant la restauration (arrêt du service ou du poste) : elle est "
    "incomplète, les fichiers déjà écrits restent en place ; relancez-la";

}  // namespace

std::string validUtf8(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xe  ? 3
                      : (c >> 3) == 0x1e ? 4
                                         : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    if (ok && len > 1) {
      // Overlong forms, surrogates and code points past U+10FFFF are invalid too.
      std::uint32_t cp = c & (0xff >> (len + 1));
      for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (s[i + k] & 0x3f);
      static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= kMin[len] && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
    }
    if (ok) {
      out.append(s, i, len);
      i += len;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out;
}

std::string keptName(const std::string& leaf, const std::string& date, int n) {
  // The extension stays last so the file still opens with the same program; a leading
  // dot (".bashrc") is a name, not an extension.
  auto dot = leaf.rfind('.');
  if (dot == std::string::npos || dot == 0) dot = leaf.size();
  std::string tag = " (restauré " + date + (n > 1 ? " " + std::to_string(n) : "") + ")";
  return leaf.substr(0, dot) + tag + leaf.substr(dot);
}

RestoreSettings loadRestoreSettings(const fs::path& dataDir, const fs::path& configFile) {
  RestoreSettings s;
  s.defaultRoot = dataDir / "restores";
  if (configFile.empty() || !fs::exists(configFile)) return s;
  toml::table root = config::loadToml(configFile);
  const toml::table* t = root["backup"].as_table();
  if (!t) return s;
  if (const toml::node* node = t->get("restore_roots")) {
    const auto* roots = node->as_array();
    if (!roots)
      throw Error(ErrorKind::kBadRequest,
                  configFile.string() + ": [backup] restore_roots must be an array of paths");
    for (const auto& item : *roots) {
      auto v = item.value<std::string>();
      if (!v || v->empty() || v->front() != '/')
        throw Error(ErrorKind::kBadRequest,
                    configFile.string() + ": [backup] restore_roots must be absolute paths");
      s.roots.emplace_back(*v);
    }
  }
  return s;
}

Json browsePage(const std::vector<Entry>& entries, const std::string& folder, std::size_t offset,
                std::size_t limit) {
  std::vector<const Entry*> children;
  bool folderFound = folder.empty();
  for (const auto& e : entries) {
    if (e.path == folder && e.type == EntryType::kDirectory) folderFound = true;
    if (parentOf(e.path) == folder && e.path != folder) children.push_back(&e);
  }
  if (!folderFound)
    throw Error(ErrorKind::kNotFound, "the snapshot has no folder " + validUtf8(folder));
  std::sort(children.begin(), children.end(), [](const Entry* a, const Entry* b) {
    bool da = a->type == EntryType::kDirectory, db = b->type == EntryType::kDirectory;
    if (da != db) return da;
    return a->path < b->path;
  });
  Json items = Json::array();
  for (std::size_t i = offset; i < children.size() && items.size() < limit; ++i) {
    const Entry& e = *children[i];
    const char* type = e.type == EntryType::kDirectory ? "directory"
                       : e.type == EntryType::kSymlink ? "symlink"
                                                       : "file";
    Json j{{"name", validUtf8(leafOf(e.path))},
           {"path", validUtf8(e.path)},
           {"type", type},
           {"size", e.size},
           {"mtime", e.mtimeNs / 1'000'000'000}};
    // A name that is not UTF-8 cannot travel back exactly: restore its folder instead.
    if (validUtf8(e.path) != e.path) j["exact_name"] = false;
    items.push_back(std::move(j));
  }
  return Json{{"path", validUtf8(folder)},
              {"items", items},
              {"total", children.size()},
              {"offset", offset},
              {"limit", limit}};
}

// One restore: the request, its destination (opened when accepted) and its progress.
struct BackupControlCommands::Job {
  std::string id, snapshot, destination, date;
  std::vector<std::string> paths;
  bool original = false;
  UniqueFd root;
  std::int64_t startedAt = 0, finishedAt = 0;
  std::atomic<std::uint64_t> filesTotal{0}, filesDone{0}, bytesTotal{0}, bytesDone{0};
  // Guarded by the owner's mutex_:
  std::string state = "running", error;
  std::size_t directories = 0, symlinks = 0;
  Json renamed = Json::array();
  Json warnings = Json::array();
};

BackupControlCommands::BackupControlCommands(const fs::path& dataDir, const fs::path& configFile)
    : BackupControlCommands(
          [dataDir] {
            auto identity = transport::loadIdentity(dataDir);
            if (!identity) throw Error(ErrorKind::kUnavailable, "this agent is not enrolled");
            // Every snapshot of the tenant: a PC may restore another PC's files.
            return openRemoteTarget(*identity, RemoteOptions{false});
          },
          dataDir / "backup.key", loadRestoreSettings(dataDir, configFile)) {}

BackupControlCommands::BackupControlCommands(TargetFactory target, fs::path keyFile,
                                             RestoreSettings settings)
    : openTarget_(std::move(target)), keyFile_(std::move(keyFile)), settings_(std::move(settings)) {
  loadJournal();
}

void BackupControlCommands::loadJournal() {
  auto file = journalOf(settings_);
  auto text = file.empty() ? std::nullopt : files::tryRead(file);
  if (!text) return;
  try {
    for (const auto& j : parseJson(*text)) {
      auto job = jobFromJson(j);
      if (job->state == "running") {  // this process died while it ran
        job->state = "interrupted";
        job->error = kStoppedDuringRestore;
        job->finishedAt = static_cast<std::int64_t>(std::time(nullptr));
      }
      if (job->id.empty() || jobs_.count(job->id)) continue;
      jobs_[job->id] = job;
      order_.push_back(job->id);
    }
    while (order_.size() > kKeptJobs) {
      jobs_.erase(order_.front());
      order_.pop_front();
    }
  } catch (const std::exception& e) {
    spdlog::warn("ignoring {}: {}", file.string(), e.what());
  }
}

void BackupControlCommands::saveJournal() {
  Json items = Json::array();
  for (const auto& id : order_) items.push_back(jobJson(*jobs_[id]));
  writeJournal(journalOf(settings_), items);
}

BackupControlCommands::~BackupControlCommands() {
  stopping_ = true;
  std::thread worker;
  {
    std::lock_guard lock(mutex_);
    worker = std::move(worker_);
  }
  if (worker.joinable()) worker.join();  // the job takes mutex_ itself
}

void BackupControlCommands::addTo(control::CommandRegistry& registry) {
  // Browsing decrypts a manifest over the network: seconds for a big one, so off the
  // channel's thread. Restore only checks and starts its thread.
  registry.addSlow("backup.browse", [this](const Json& p) { return browse(p); });
  registry.add("backup.restore", [this](const Json& p) { return restore(p); });
  registry.add("backup.restore_status", [this](const Json& p) { return status(p); });
}

std::vector<Entry> BackupControlCommands::manifest(const std::string& snapshot) {
  {
    std::lock_guard lock(cacheMutex_);
    if (cached_ && cachedSnapshot_ == snapshot) return *cached_;
  }
  auto keys = loadKeys(keyFile_);
  auto target = openTarget_();
  auto entries = std::make_shared<const std::vector<Entry>>(readManifest(*target, keys, snapshot));
  std::lock_guard lock(cacheMutex_);
  cachedSnapshot_ = snapshot;
  cached_ = entries;
  return *entries;
}

Json BackupControlCommands::browse(const Json& payload) {
  if (!payload.is_object()) throw Error(ErrorKind::kBadRequest, "payload must be an object");
  std::string snapshot = stringField(payload, "snapshot", "");
  if (!isSnapshotId(snapshot)) throw Error(ErrorKind::kBadRequest, "snapshot must be an id");
  std::string folder = snapshotPath(Json(stringField(payload, "path", "")), true);
  auto offset = intField(payload, "offset", 0);
  auto limit = intField(payload, "limit", 200);
  if (offset < 0 || limit < 1 || limit > 1000)
    throw Error(ErrorKind::kBadRequest, "offset ≥ 0 and limit in 1..1000");
  Json page = browsePage(manifest(snapshot), folder, static_cast<std::size_t>(offset),
                         static_cast<std::size_t>(limit));
  page["snapshot"] = snapshot;
  return page;
}

Json BackupControlCommands::restore(const Json& payload) {
  if (!payload.is_object()) throw Error(ErrorKind::kBadRequest, "payload must be an object");
  auto job = std::make_shared<Job>();
  job->snapshot = stringField(payload, "snapshot", "");
  if (!isSnapshotId(job->snapshot)) throw Error(ErrorKind::kBadRequest, "snapshot must be an id");
  auto paths = payload.find("paths");
  if (paths == payload.end() || !paths->is_array() || paths->empty() || paths->size() > kMaxPaths)
    throw Error(ErrorKind::kBadRequest, "paths must list 1 to 1000 files or folders");
  for (const auto& p : *paths) job->paths.push_back(snapshotPath(p, false));
  loadKeys(keyFile_);  // no key, no restore: say so now rather than in the status

  job->date = today();
  std::string destination = stringField(payload, "destination", "default");
  if (destination == "original") {
    // The original places: the snapshot's paths are absolute paths without their '/'.
    job->original = true;
    job->destination = "/";
    job->root = UniqueFd(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!job->root) sysFail("cannot open /");
  } else {
    std::vector<fs::path> roots = settings_.roots;
    files::ensureDirectory(settings_.defaultRoot, 0700);
    roots.push_back(settings_.defaultRoot);
    remote::PathGuard guard(roots);
    if (destination.empty() || destination == "default")
      destination = (settings_.defaultRoot / job->date).string();
    if (destination.front() != '/')
      throw Error(ErrorKind::kBadRequest,
                  "destination must be \"original\", \"default\" or an absolute folder");
    job->root = openFolder(guard, destination);
    job->destination = destination;
  }

  std::lock_guard lock(mutex_);
  if (running_) throw Error(ErrorKind::kConflict, "a restore is already running on this PC");
  if (worker_.joinable()) worker_.join();  // the previous one, finished
  job->id = newJobId();
  job->startedAt = static_cast<std::int64_t>(std::time(nullptr));
  jobs_[job->id] = job;
  order_.push_back(job->id);
  while (order_.size() > kKeptJobs) {
    jobs_.erase(order_.front());
    order_.pop_front();
  }
  saveJournal();  // before the reply: a restart from now on reports it interrupted
  running_ = true;
  worker_ = namedThread("restore", [this, job] { runJob(job); });
  spdlog::info("restore {} started: snapshot {}, {} path(s) to {}", job->id, job->snapshot,
               job->paths.size(), job->destination);
  return Json{{"restore_id", job->id}, {"state", "running"}, {"destination", job->destination}};
}

// The inverse of jobJson, for the journal (throws on a row without restore_id).
std::shared_ptr<BackupControlCommands::Job> BackupControlCommands::jobFromJson(const Json& j) {
  auto job = std::make_shared<Job>();
  job->id = j.at("restore_id").get<std::string>();
  job->snapshot = j.value("snapshot", "");
  job->destination = j.value("destination", "");
  job->paths.resize(j.value("paths", std::size_t(0)));
  job->state = j.value("state", "");
  job->error = j.value("error", "");
  job->filesTotal = j.value("files_total", std::uint64_t(0));
  job->filesDone = j.value("files_done", std::uint64_t(0));
  job->bytesTotal = j.value("bytes_total", std::uint64_t(0));
  job->bytesDone = j.value("bytes_done", std::uint64_t(0));
  job->directories = j.value("directories", std::size_t(0));
  job->symlinks = j.value("symlinks", std::size_t(0));
  job->renamed = j.value("renamed", Json::array());
  job->warnings = j.value("warnings", Json::array());
  job->startedAt = j.value("started_at", std::int64_t(0));
  auto finished = j.find("finished_at");  // null while it ran
  job->finishedAt =
      finished != j.end() && finished->is_number() ? finished->get<std::int64_t>() : 0;
  return job;
}

Json BackupControlCommands::jobJson(const Job& j) {
  return Json{{"restore_id", j.id},
              {"snapshot", j.snapshot},
              {"paths", j.paths.size()},
              {"destination", j.destination},
              {"state", j.state},
              {"error", j.error},
              {"files_total", j.filesTotal.load()},
              {"files_done", j.filesDone.load()},
              {"bytes_total", j.bytesTotal.load()},
              {"bytes_done", j.bytesDone.load()},
              {"directories", j.directories},
              {"symlinks", j.symlinks},
              {"renamed", j.renamed},
              {"warnings", j.warnings},
              {"started_at", j.startedAt},
              {"finished_at", j.finishedAt ? Json(j.finishedAt) : Json(nullptr)}};
}

Json BackupControlCommands::status(const Json& payload) {
  std::lock_guard lock(mutex_);
  if (payload.is_object() && payload.contains("restore_id")) {
    std::string id = stringField(payload, "restore_id", "");
    auto it = jobs_.find(id);
    // Forgotten (agent restarted, or too old): the server marks it interrupted.
    if (it == jobs_.end()) return Json{{"restore_id", validUtf8(id)}, {"state", "unknown"}};
    return jobJson(*it->second);
  }
  Json items = Json::array();
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) items.push_back(jobJson(*jobs_[*it]));
  return Json{{"items", items}};
}

bool BackupControlCommands::waitIdle(std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (running_) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

void BackupControlCommands::runJob(std::shared_ptr<Job> job) {
  auto note = [&](Json& list, Json item) {
    std::lock_guard lock(mutex_);
    if (list.size() < kMaxReported) list.push_back(std::move(item));
  };
  try {
    auto keys = loadKeys(keyFile_);
    auto target = openTarget_();
    auto all = manifest(job->snapshot);
    for (const auto& p : job->paths) {
      if (std::none_of(all.begin(), all.end(), [&](const Entry& e) { return e.path == p; }))
        throw Error(ErrorKind::kNotFound, "the snapshot has no " + validUtf8(p));
    }
    // What is selected, plus the folders above it (created if missing, so the file lands
    // at its place); every path checked before anything is written.
    std::set<std::string> ancestors;
    for (const auto& p : job->paths) {
      for (auto a = parentOf(p); !a.empty(); a = parentOf(a)) ancestors.insert(a);
    }
    std::vector<const Entry*> dirs, files, links;
    for (const auto& e : all) {
      bool selected = std::any_of(job->paths.begin(), job->paths.end(),
                                  [&](const std::string& p) { return within(e.path, p); });
      if (!selected && !(e.type == EntryType::kDirectory && ancestors.count(e.path))) continue;
      if (!isSafeRelativePath(e.path))
        throw Error(ErrorKind::kForbidden, "refusing to restore: unsafe path in snapshot");
      if (e.type == EntryType::kDirectory) dirs.push_back(&e);
      if (e.type == EntryType::kFile) {
        files.push_back(&e);
        job->bytesTotal += e.size;
      }
      if (e.type == EntryType::kSymlink) links.push_back(&e);
    }
    job->filesTotal = files.size();
    const int root = job->root.get();
    const bool asRoot = ::geteuid() == 0;

    // Folders, parents first. Only those this restore creates get the snapshot's mode
    // and time (at the end); an existing folder in the original place is left as it is.
    std::sort(dirs.begin(), dirs.end(), [](auto* a, auto* b) { return a->path < b->path; });
    std::vector<const Entry*> created;
    for (const auto* e : dirs) {
      auto parent = openParent(root, e->path);
      auto leaf = leafOf(e->path);
      if (::mkdirat(parent.get(), leaf.c_str(), 0700) == 0) {
        created.push_back(e);
      } else if (errno != EEXIST) {
        sysFail("cannot create " + validUtf8(e->path));
      }
    }

    // A few workers over the files: each blob is one request to the server, so waiting
    // on several at once is what makes a restore of many small files fast.
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
      BlobCodec codec(keys, 0);
      std::string plain;
      for (std::size_t k; !stopping_ && (k = next.fetch_add(1)) < files.size();) {
        const Entry* e = files[k];
        try {
          auto parent = openParent(root, e->path);
          auto leaf = leafOf(e->path);
          std::string name = leaf;
          int fd = -1;
          // Never overwrite: an existing file stays, the restored copy gets a dated name.
          for (int n = 0; n <= kMaxKeptNames; ++n) {
            if (n > 0) name = keptName(leaf, job->date, n);
            fd = ::openat(parent.get(), name.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
            if (fd >= 0 || errno != EEXIST) break;
          }
          if (fd < 0) sysFail("cannot create " + validUtf8(e->path));
          UniqueFd out(fd);
          if (name != leaf) {
            auto parentPath = parentOf(e->path);
            note(job->renamed,
                 Json{{"path", validUtf8(e->path)},
                      {"kept_as", validUtf8((parentPath.empty() ? "" : parentPath + "/") + name)}});
          }
          writeRestoredFile(out.get(), *e, *target, codec, plain, validUtf8(e->path),
                            [&](std::size_t n) { job->bytesDone += n; });
        } catch (const std::exception& err) {
          // One file that cannot be written does not stop the others; it is reported.
          note(job->warnings, Json(validUtf8(err.what())));
        }
        ++job->filesDone;
      }
    };
    std::vector<std::thread> workers;
    for (unsigned i = 0; i < kWorkers; ++i) workers.emplace_back(worker);
    for (auto& w : workers) w.join();
    if (stopping_) throw Error(ErrorKind::kUnavailable, "the agent is stopping");

    std::size_t linkCount = 0;
    for (const auto* e : links) {
      try {
        auto parent = openParent(root, e->path);
        auto leaf = leafOf(e->path);
        std::string name = leaf;
        int rc = -1;
        for (int n = 0; n <= kMaxKeptNames; ++n) {
          if (n > 0) name = keptName(leaf, job->date, n);
          rc = ::symlinkat(e->linkTarget.c_str(), parent.get(), name.c_str());
          if (rc == 0 || errno != EEXIST) break;
        }
        if (rc != 0) sysFail("cannot create link " + validUtf8(e->path));
        if (asRoot) ::fchownat(parent.get(), name.c_str(), e->uid, e->gid, AT_SYMLINK_NOFOLLOW);
        ++linkCount;
      } catch (const Error& err) {
        note(job->warnings, Json(validUtf8(err.what())));
      }
    }

    std::sort(created.begin(), created.end(), [](auto* a, auto* b) { return a->path > b->path; });
    for (const auto* e : created) {
      auto parent = openParent(root, e->path);
      UniqueFd dir(::openat(parent.get(), leafOf(e->path).c_str(),
                            O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!dir) continue;
      if (asRoot) (void)::fchown(dir.get(), e->uid, e->gid);
      ::fchmod(dir.get(), e->mode);
      applyEntryTime(dir.get(), *e);
    }
    std::lock_guard lock(mutex_);
    job->directories = dirs.size();
    job->symlinks = linkCount;
    job->state = job->warnings.empty() ? "ok" : "partial";
  } catch (const Error& e) {
    std::lock_guard lock(mutex_);
    job->state = "failed";
    job->error = validUtf8(e.what());
  } catch (const std::exception& e) {
    std::lock_guard lock(mutex_);
    job->state = "failed";
    job->error = validUtf8(e.what());
  }
  {
    std::lock_guard lock(mutex_);
    job->finishedAt = static_cast<std::int64_t>(std::time(nullptr));
    job->root.reset();
    saveJournal();
    spdlog::info("restore {} {}: {} of {} files{}", job->id, job->state, job->filesDone.load(),
                 job->filesTotal.load(), job->error.empty() ? "" : " (" + job->error + ")");
  }
  running_ = false;
}

}  // namespace parc::agent::backup
