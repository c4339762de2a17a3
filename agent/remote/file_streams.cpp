// File transfer: download (file_get) and upload (file_put) under the allowed roots
// (path_guard.h), bounded in size, SHA-256 computed as the bytes pass and compared end
// to end. An upload goes to a temporary file beside the target, renamed over it only
// once size and checksum match, so a cut transfer never leaves half a file.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "agent/remote/consent.h"
#include "agent/remote/path_guard.h"
#include "agent/remote/streams.h"
#include "common/crypto/hash.h"
#include "common/error.h"

namespace parc::agent::remote {

namespace {

std::string requiredPath(const Json& params) {
  auto it = params.find("path");
  if (it == params.end() || !it->is_string() || it->get<std::string>().empty())
    throw Error(ErrorKind::kBadRequest, "no path given");
  return it->get<std::string>();
}

class FileGetStream final : public AgentStream {
 public:
  FileGetStream(protocol::StreamId id, std::uint32_t window, std::shared_ptr<StreamOutput> out,
                std::shared_ptr<const RemoteSettings> settings)
      : AgentStream(id, window, std::move(out)), settings_(std::move(settings)) {}

 protected:
  void run(const Json& params) override {
    PathGuard guard(settings_->fileRoots);
    std::string path = requiredPath(params);
    OpenedFile file = guard.openForRead(path);
    if (file.size > settings_->maxFileBytes)
      throw Error(ErrorKind::kTooLarge, "the file is larger than this PC allows to transfer (" +
                                            std::to_string(settings_->maxFileBytes) + " bytes)");
    auto consent = obtainConsent(*settings_, params.value("consent", Json::object()));
    if (!consent.allowed) throw Error(ErrorKind::kForbidden, consent.reason);
    opened(Json{{"path", file.path}, {"size", file.size}});
    protocol::Sha256Stream sha;
    std::string buf(protocol::kMaxStreamChunk, '\0');
    std::uint64_t total = 0;
    for (;;) {
      ssize_t n = ::read(file.fd.get(), buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw Error(ErrorKind::kUnavailable, std::string("read: ") + std::strerror(errno));
      if (n == 0) break;
      total += static_cast<std::uint64_t>(n);
      if (total > settings_->maxFileBytes)
        throw Error(ErrorKind::kTooLarge, "the file grew beyond the transfer limit");
      std::string_view chunk(buf.data(), static_cast<std::size_t>(n));
      sha.update(chunk);
      if (!sendAll(chunk)) return;  // cancelled
    }
    std::string digest = sha.finishHex();
    spdlog::info("remote file sent: {} ({} bytes, sha256 {})", file.path, total, digest);
    close("ok", "", Json{{"sha256", digest}, {"bytes", total}, {"path", file.path}});
  }

 private:
  std::shared_ptr<const RemoteSettings> settings_;
};

class FilePutStream final : public AgentStream {
 public:
  FilePutStream(protocol::StreamId id, std::uint32_t window, std::shared_ptr<StreamOutput> out,
                std::shared_ptr<const RemoteSettings> settings)
      : AgentStream(id, window, std::move(out)), settings_(std::move(settings)) {}

  ~FilePutStream() override {
    if (dir_ && !temp_.empty()) ::unlinkat(dir_.get(), temp_.c_str(), 0);
  }

 protected:
  void run(const Json& params) override {
    PathGuard guard(settings_->fileRoots);
    std::string path = requiredPath(params);
    std::string expected = params.value("sha256", "");
    std::int64_t size = params.value("size", std::int64_t{-1});
    if (expected.size() != 64) throw Error(ErrorKind::kBadRequest, "no sha256 given");
    if (size < 0) throw Error(ErrorKind::kBadRequest, "no size given");
    if (static_cast<std::uint64_t>(size) > settings_->maxFileBytes)
      throw Error(ErrorKind::kTooLarge, "the file is larger than this PC allows to transfer (" +
                                            std::to_string(settings_->maxFileBytes) + " bytes)");
    WriteTarget target = guard.openForWrite(path);
    auto consent = obtainConsent(*settings_, params.value("consent", Json::object()));
    if (!consent.allowed) throw Error(ErrorKind::kForbidden, consent.reason);
    dir_ = std::move(target.dir);
    temp_ = "." + target.name + ".parc-upload-" + std::to_string(id());
    UniqueFd fd(::openat(dir_.get(), temp_.c_str(),
                         O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640));
    if (!fd) {
      temp_.clear();
      throw Error(ErrorKind::kForbidden,
                  std::string("cannot create the file: ") + std::strerror(errno));
    }
    opened(Json{{"path", target.path}});
    protocol::Sha256Stream sha;
    std::uint64_t total = 0;
    for (;;) {
      auto m = next(std::chrono::seconds(1));
      if (!m) {
        if (cancelled()) return;  // the destructor removes the temporary file
        if (++idleSeconds_ > settings_->terminalIdleTimeout.count())
          throw Error(ErrorKind::kUnavailable, "upload stalled: nothing received");
        continue;
      }
      idleSeconds_ = 0;
      if (m->control) {
        if (m->data.value("eof", false)) break;
        continue;
      }
      total += m->bytes.size();
      if (total > static_cast<std::uint64_t>(size))
        throw Error(ErrorKind::kTooLarge, "more bytes than announced");
      sha.update(m->bytes);
      std::string_view rest(m->bytes);
      while (!rest.empty()) {
        ssize_t n = ::write(fd.get(), rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
          throw Error(ErrorKind::kUnavailable, std::string("write: ") + std::strerror(errno));
        rest.remove_prefix(static_cast<std::size_t>(n));
      }
      delivered(m->bytes.size());
    }
    std::string digest = sha.finishHex();
    if (total != static_cast<std::uint64_t>(size))
      throw Error(ErrorKind::kBadRequest, "size mismatch: announced " + std::to_string(size) +
                                              ", received " + std::to_string(total));
    if (digest != expected)
      throw Error(ErrorKind::kBadRequest, "sha256 mismatch: the file was not kept");
    if (::fsync(fd.get()) != 0)
      throw Error(ErrorKind::kUnavailable, std::string("fsync: ") + std::strerror(errno));
    if (::renameat(dir_.get(), temp_.c_str(), dir_.get(), target.name.c_str()) != 0)
      throw Error(ErrorKind::kUnavailable, std::string("rename: ") + std::strerror(errno));
    temp_.clear();
    ::fsync(dir_.get());
    spdlog::info("remote file received: {} ({} bytes, sha256 {})", target.path, total, digest);
    close("ok", "", Json{{"sha256", digest}, {"bytes", total}, {"path", target.path}});
  }

 private:
  std::shared_ptr<const RemoteSettings> settings_;
  UniqueFd dir_;
  std::string temp_;
  std::int64_t idleSeconds_ = 0;
};

}  // namespace

std::shared_ptr<AgentStream> makeFileGetStream(protocol::StreamId id, std::uint32_t window,
                                               std::shared_ptr<StreamOutput> out,
                                               std::shared_ptr<const RemoteSettings> settings) {
  return std::make_shared<FileGetStream>(id, window, std::move(out), std::move(settings));
}

std::shared_ptr<AgentStream> makeFilePutStream(protocol::StreamId id, std::uint32_t window,
                                               std::shared_ptr<StreamOutput> out,
                                               std::shared_ptr<const RemoteSettings> settings) {
  return std::make_shared<FilePutStream>(id, window, std::move(out), std::move(settings));
}

}  // namespace parc::agent::remote
