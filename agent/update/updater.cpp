#include "agent/update/updater.h"

#include <spdlog/spdlog.h>

#include <random>

#include "common/crypto/hash.h"
#include "common/error.h"
#include "common/files/files.h"
#include "common/net/client.h"
#include "common/thread/thread_name.h"
#include "common/version.h"

namespace parc::agent::update {

namespace fs = std::filesystem;
using parc::update::compareVersions;
using parc::update::SignedRelease;

namespace {

fs::path updateDir(const fs::path& dataDir) {
  return dataDir / "update";
}

std::int64_t now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

std::string describe(const remote::RunOutcome& o) {
  if (o.timedOut) return o.command + " timed out";
  std::string tail = o.err.size() > 300 ? o.err.substr(o.err.size() - 300) : o.err;
  return o.command + " exited with " + std::to_string(o.exitCode) +
         (tail.empty() ? "" : ": " + tail);
}

}  // namespace

UpdateState readState(const fs::path& dataDir) {
  UpdateState s;
  auto text = files::tryRead(updateDir(dataDir) / "state.json");
  if (!text) return s;
  try {
    Json j = parseJson(*text);
    s.phase = j.value("phase", "");
    s.from = j.value("from", "");
    s.to = j.value("to", "");
    s.package = j.value("package", "");
    s.rollbackPackage = j.value("rollback_package", "");
    s.startedAt = j.value("started_at", std::int64_t{0});
    s.detail = j.value("detail", "");
    s.reported = j.value("reported", true);
    for (const auto& v : j.value("refused", Json::array())) s.refused.insert(v.get<std::string>());
  } catch (const std::exception& e) {
    spdlog::warn("update: state.json unreadable ({}), starting afresh", e.what());
    return UpdateState{};
  }
  return s;
}

void writeState(const fs::path& dataDir, const UpdateState& s) {
  fs::create_directories(updateDir(dataDir));
  Json j{{"phase", s.phase},
         {"from", s.from},
         {"to", s.to},
         {"package", s.package},
         {"rollback_package", s.rollbackPackage},
         {"started_at", s.startedAt},
         {"detail", s.detail},
         {"reported", s.reported},
         {"refused", s.refused}};
  files::writeAtomic(updateDir(dataDir) / "state.json", j.dump(2) + "\n", 0600);
}

std::optional<std::string> refusal(const SignedRelease& r, const std::vector<std::string>& keys,
                                   const std::string& current, const std::string& arch,
                                   bool mustBeNewer) {
  const auto& m = r.release;
  if (!parc::update::trustedSigner(r, keys)) return "not signed by a trusted release key";
  if (m.package != "parc-agent") return "package " + m.package + " is not parc-agent";
  if (m.architecture != arch) return "built for " + m.architecture + ", this PC is " + arch;
  int order = compareVersions(m.version, current);
  if (mustBeNewer && order <= 0) return "version " + m.version + " is not newer than " + current;
  if (!mustBeNewer && order != 0) return "version " + m.version + " is not " + current;
  return std::nullopt;
}

Updater::Updater(fs::path dataDir, fs::path configFile, transport::Identity identity,
                 UpdateSettings settings)
    : dataDir_(std::move(dataDir)),
      configFile_(std::move(configFile)),
      settings_(std::move(settings)),
      platform_(nativeUpdatePlatform(settings_)),
      identity_(std::move(identity)) {}

Updater::~Updater() {
  stop();
}

void Updater::start() {
  if (!settings_.enabled) return;
  thread_ = namedThread("update", [this] { loop(); });
}

void Updater::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Updater::setIdentity(const transport::Identity& identity) {
  std::lock_guard lock(mutex_);
  identity_ = identity;
}

void Updater::loop() {
  std::mt19937_64 rng(std::random_device{}());
  // A freshly updated agent confirms at once; otherwise the first check waits a round,
  // spread so that a fleet restarted together does not ask together.
  bool first = readState(dataDir_).phase == "installing";
  while (true) {
    auto interval = settings_.checkInterval;
    std::uniform_real_distribution<double> jitter(0.9, 1.1);
    auto wait =
        first ? std::chrono::milliseconds(500)
              : std::chrono::milliseconds(static_cast<std::int64_t>(
                    std::chrono::duration<double, std::milli>(interval).count() * jitter(rng)));
    {
      std::unique_lock lock(mutex_);
      if (wake_.wait_for(lock, wait, [this] { return stopping_; })) return;
    }
    try {
      checkOnce();
      first = false;
    } catch (const std::exception& e) {
      spdlog::warn("update: {}", e.what());
      // A new version that cannot reach the server yet keeps trying, quickly.
      UpdateState st = readState(dataDir_);
      first = st.phase == "installing" && st.to == version();
    }
  }
}

net::HttpsClient Updater::client(std::chrono::seconds timeout) {
  transport::Identity id;
  {
    std::lock_guard lock(mutex_);
    id = identity_;  // a renewal may replace it meanwhile
  }
  return net::HttpsClient(net::parseUrl(id.server), transport::clientTls(id), timeout);
}

Json Updater::get(const std::string& target, int* status) {
  net::Response res = client(std::chrono::seconds(60)).send({"GET", target, {}, {}, {}, {}});
  *status = res.status;
  if (res.status != 200) return nullptr;
  return parseJson(res.body);
}

std::string Updater::download(const std::string& target, const parc::update::Release& expected) {
  net::Response res = client(std::chrono::seconds(600)).send({"GET", target, {}, {}, {}, {}});
  if (res.status != 200) {
    throw Error(ErrorKind::kUnavailable,
                "package " + expected.version + ": HTTP " + std::to_string(res.status));
  }
  if (static_cast<std::int64_t>(res.body.size()) != expected.size ||
      crypto::sha256Hex(res.body) != expected.sha256) {
    throw Error(ErrorKind::kBadRequest,
                "package " + expected.version + " differs from its signed manifest");
  }
  fs::path file = updateDir(dataDir_) / platform_->packageFileName(expected);
  fs::create_directories(updateDir(dataDir_));
  files::writeAtomic(file, res.body, 0600);
  return file.string();
}

void Updater::report(const std::string& version, const std::string& status,
                     const std::string& detail) {
  Json body{{"version", version}, {"status", status}, {"detail", detail}};
  net::Response res = client(std::chrono::seconds(30))
                          .send({"POST",
                                 "/api/v1/agent/update/result",
                                 {{"content-type", "application/json"}},
                                 body.dump(),
                                 {},
                                 {}});
  if (res.status != 200) {
    throw Error(ErrorKind::kUnavailable,
                "update report refused: HTTP " + std::to_string(res.status));
  }
}

void Updater::checkOnce() {
  UpdateState st = readState(dataDir_);
  const std::string current = version();
  if (st.phase == "installing") {
    if (st.to != current) {
      spdlog::debug("update: installing {} in progress", st.to);
      return;  // the apply step decides; it rewrites the state
    }
    int status = 0;
    get("/api/v1/whoami", &status);  // the new version reaches the server: healthy
    if (status != 200)
      throw Error(ErrorKind::kUnavailable, "whoami: HTTP " + std::to_string(status));
    st.phase = "committed";
    st.detail = "";
    st.reported = false;
    writeState(dataDir_, st);
    spdlog::info("update: {} → {} committed", st.from, st.to);
  }
  if (!st.reported) {
    report(st.to, st.phase, st.detail);
    st.reported = true;
    writeState(dataDir_, st);
  }

  const std::string arch = parc::update::hostArchitecture();
  int status = 0;
  Json offer = get("/api/v1/agent/update?version=" + current + "&arch=" + arch, &status);
  if (status == 204) return;
  if (status != 200)
    throw Error(ErrorKind::kUnavailable, "update check: HTTP " + std::to_string(status));
  SignedRelease next = parc::update::parseSignedRelease(offer.at("release"));
  if (st.refused.count(next.release.version)) return;
  auto refuse = [&](const std::string& why) {
    spdlog::warn("update: {} refused: {}", next.release.version, why);
    st.refused.insert(next.release.version);
    writeState(dataDir_, st);
    report(next.release.version, "refused", why);
  };
  if (auto why = refusal(next, settings_.trustedKeys, current, arch, true)) return refuse(*why);

  // The running version's release, to roll back to: no rollback, no update.
  Json own = get("/api/v1/agent/update/releases/" + current + "?arch=" + arch, &status);
  if (status != 200) return refuse("no release of " + current + " on the server to roll back to");
  SignedRelease previous = parc::update::parseSignedRelease(own.at("release"));
  if (auto why = refusal(previous, settings_.trustedKeys, current, arch, false)) {
    return refuse("rollback release: " + *why);
  }
  std::string rollbackPackage;
  std::string package;
  try {
    rollbackPackage = download(own.at("package").get<std::string>(), previous.release);
    package = download(offer.at("package").get<std::string>(), next.release);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kBadRequest) return refuse(e.what());
    throw;
  }
  st = UpdateState{
      "installing", current,   next.release.version, package, rollbackPackage, now(), "",
      true,         st.refused};
  writeState(dataDir_, st);
  report(next.release.version, "installing", "from " + current);
  launchApply();
}

void Updater::launchApply() {
  std::vector<std::string> arguments = {"--data-dir", dataDir_.string()};
  if (!configFile_.empty()) arguments.insert(arguments.end(), {"--config", configFile_.string()});
  platform_->launchApply(arguments, updateDir(dataDir_) / "apply.log");
}

int applyUpdate(const fs::path& dataDir, const UpdateSettings& settings) {
  UpdateState st = readState(dataDir);
  if (st.phase != "installing") {
    spdlog::error("update-apply: nothing staged (phase '{}')", st.phase);
    return 2;
  }
  auto finish = [&](const std::string& phase, const std::string& detail) {
    UpdateState latest = readState(dataDir);
    latest.phase = phase;
    latest.detail = detail;
    latest.reported = false;
    writeState(dataDir, latest);
    spdlog::warn("update-apply: {} → {}: {}: {}", st.from, st.to, phase, detail);
  };
  auto platform = nativeUpdatePlatform(settings);
  auto installed = platform->install(st.package, false);
  if (!installed.succeeded()) {
    auto back = platform->install(st.rollbackPackage, true);
    finish("failed",
           describe(installed) +
               (back.succeeded() ? "; previous version reinstalled"
                                 : "; reinstalling " + st.from + " failed too: " + describe(back)));
    return 1;
  }
  auto deadline = std::chrono::steady_clock::now() + settings.healthTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (readState(dataDir).phase == "committed") {
      spdlog::info("update-apply: {} committed", st.to);
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  auto back = platform->install(st.rollbackPackage, true);
  finish("rolled_back",
         st.to + " did not check in within " + std::to_string(settings.healthTimeout.count()) +
             " s; " +
             (back.succeeded() ? st.from + " reinstalled"
                               : "reinstalling " + st.from + " failed: " + describe(back)));
  return 1;
}

}  // namespace parc::agent::update
