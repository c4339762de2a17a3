#include "agent/remote/scripts.h"

#include <spdlog/spdlog.h>

#include "common/error.h"
#include "common/files/files.h"
#include "common/remote/signing.h"

namespace parc::agent::remote {

NonceCache::NonceCache(std::filesystem::path file, std::size_t capacity)
    : file_(std::move(file)), capacity_(capacity) {
  auto text = files::tryRead(file_);
  if (!text) return;
  try {
    Json j = parseJson(*text);
    for (const auto& [nonce, expiry] : j.items()) {
      if (expiry.is_number_integer()) seen_[nonce] = expiry.get<std::int64_t>();
    }
  } catch (const Error& e) {
    // Unreadable memory of nonces: accepting replays is what the file prevents, so
    // scripts are refused until an administrator removes or repairs it.
    spdlog::error("{} is unreadable ({}); scripts are refused until it is fixed", file_.string(),
                  e.what());
    broken_ = true;
  }
}

bool NonceCache::remember(const std::string& nonce, std::int64_t expiresAt, std::int64_t now,
                          std::string& why) {
  if (broken_) {
    why = file_.string() + " is unreadable: scripts refused until it is repaired";
    return false;
  }
  std::erase_if(seen_, [now](const auto& entry) { return entry.second < now; });
  if (seen_.count(nonce)) {
    why = "replayed envelope: this nonce was already used";
    return false;
  }
  if (seen_.size() >= capacity_) {
    why = "too many script runs in the last minutes; try again later";
    return false;
  }
  seen_[nonce] = expiresAt;
  save();
  return true;
}

void NonceCache::save() {
  Json j = Json::object();
  for (const auto& [nonce, expiry] : seen_) j[nonce] = expiry;
  files::writeAtomic(file_, j.dump(), 0600);
}

PinnedKey::PinnedKey(std::filesystem::path file) : file_(std::move(file)) {}

std::optional<std::string> PinnedKey::get() const {
  auto text = files::tryRead(file_);
  if (!text) return std::nullopt;
  std::string key = text->substr(0, text->find_first_of(" \n"));
  if (!parc::remote::isPublicKeyHex(key))
    throw Error(ErrorKind::kInternal, file_.string() + " does not hold an Ed25519 public key");
  return key;
}

bool PinnedKey::pinIfFirst(const std::string& key) {
  if (auto current = get()) return *current == key;
  if (!parc::remote::isPublicKeyHex(key)) return false;
  files::writeAtomic(file_, key + "\n", 0644);
  spdlog::info("command-signing key of the server pinned: {}", key);
  return true;
}

void PinnedKey::replace(const std::string& key) {
  if (!parc::remote::isPublicKeyHex(key))
    throw Error(ErrorKind::kBadRequest, "the command-signing key is malformed");
  if (get() != key) spdlog::info("command-signing key of the server set at enrolment: {}", key);
  files::writeAtomic(file_, key + "\n", 0644);
}

ScriptExecutor::ScriptExecutor(std::filesystem::path dataDir, std::int64_t hostId,
                               const ProcessRunner& runner, const RemotePolicy& policy)
    : dataDir_(std::move(dataDir)),
      hostId_(hostId),
      runner_(runner),
      policy_(policy),
      key_(dataDir_ / "command-signing.pub"),
      nonces_(dataDir_ / "script-nonces.json") {}

Json ScriptExecutor::run(const Json& payload, std::int64_t now) {
  auto refuse = [](const std::string& why) {
    spdlog::warn("script refused: {}", why);
    return Error(ErrorKind::kForbidden, why);
  };
  if (std::string why = policy_.refuseScripts(); !why.empty()) throw refuse(why);
  auto signedScript = parc::remote::signedScriptFromJson(payload);
  // Pinned on first receipt: the channel is mTLS with the server whose CA was pinned at
  // enrolment. After that, only an enrolment may bring another key.
  if (!signedScript.signerKey.empty() && !key_.pinIfFirst(signedScript.signerKey))
    throw refuse(
        "the server's command-signing key differs from the pinned one (re-enrol to change it)");
  auto pinned = key_.get();
  if (!pinned) throw refuse("no command-signing key pinned yet");
  auto checked = parc::remote::checkSignedScript(signedScript, {*pinned, hostId_, now});
  if (!checked.accepted) throw refuse(checked.reason);
  const auto& e = checked.envelope;
  {
    std::lock_guard lock(mutex_);
    std::string why;
    if (!nonces_.remember(e.nonce, e.expiresAt, now, why)) throw refuse(why);
  }
  spdlog::info("running script '{}' ({}) issued by {}", e.scriptName, e.scriptSha256.substr(0, 12),
               e.issuedBy);
  auto dir = dataDir_ / "remote-scripts";
  files::ensureDirectory(dir, 0700);
  auto file = dir / (e.nonce + ".sh");
  files::writeAtomic(file, e.body, 0600);
  struct Remove {
    std::filesystem::path p;
    ~Remove() {
      std::error_code ec;
      std::filesystem::remove(p, ec);
    }
  } remove{file};
  RunLimits limits;
  limits.timeout = std::min<std::chrono::milliseconds>(std::chrono::seconds(e.timeoutSeconds),
                                                       policy_.scriptTimeoutMax);
  limits.maxOutputBytes = policy_.maxOutputBytes;
  RunOutcome o;
  if (policy_.scriptsInOwnUnit) {
    // Its own unit: systemd stops it at the time limit even if this agent is gone.
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(limits.timeout).count();
    o = runner_.run(
        "systemd-run",
        {"--quiet", "--collect", "--pipe", "--wait", "--service-type=exec",
         "--unit=parc-script-" + e.nonce.substr(0, 16), "--description=Parc script " + e.scriptName,
         "-p", "RuntimeMaxSec=" + std::to_string(seconds), "/bin/sh", file.string()},
        limits);
  } else {
    o = runner_.run("sh", {file.string()}, limits);
  }
  Json result{{"script_name", e.scriptName},
              {"script_sha256", e.scriptSha256},
              {"exit_code", o.exitCode},
              {"timed_out", o.timedOut},
              {"truncated", o.truncated},
              {"stdout", o.out},
              {"stderr", o.err},
              {"duration_ms", o.durationMs}};
  if (o.signal) result["signal"] = o.signal;
  return result;
}

}  // namespace parc::agent::remote
