// File transfer through the server: `parcctl files get HOST REMOTE LOCAL` and `parcctl
// files put HOST LOCAL REMOTE`. The bytes go over a console WebSocket relayed to the
// agent; SHA-256 is computed here and compared with the agent's, end to end.
#include "common/files/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <iostream>

#include "cli/api_client.h"
#include "cli/commands/commands.h"
#include "cli/commands/stream_session.h"
#include "common/crypto/hash.h"
#include "common/error.h"
#include "common/protocol/stream.h"

namespace parc::cli {

namespace {

struct FileOptions {
  long long host = 0;
  std::string from, to;
};

}  // namespace

void addFileCommands(CLI::App& app, std::shared_ptr<Globals> g) {
  auto* files = app.add_subcommand("files", "copy files from and to a PC (allowed folders only)");
  files->require_subcommand(1);

  auto o = std::make_shared<FileOptions>();
  auto* get = files->add_subcommand("get", "download REMOTE from HOST into LOCAL");
  get->add_option("host", o->host, "host id")->required();
  get->add_option("remote", o->from, "absolute path on the PC")->required();
  get->add_option("local", o->to, "file to write here")->required();
  get->callback([g, o] {
    std::string tmp = o->to + ".part";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw Error(ErrorKind::kBadRequest, "cannot write " + tmp);
    protocol::Sha256Stream sha;
    std::uint64_t total = 0;
    bool writeFailed = false;
    Json end;
    {
      StreamSession s(
          sessionSocketOptions(*g, "/api/v1/hosts/" + std::to_string(o->host) +
                                       "/sessions/file-get?path=" + percentEncode(o->from)),
          {[&](const std::string& bytes) {
             sha.update(bytes);
             total += bytes.size();
             if (::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size()))
               writeFailed = true;
           },
           {}});
      s.waitReady();
      end = s.waitEnd();
    }
    bool synced = ::fsync(fd) == 0;
    ::close(fd);
    std::string digest = sha.finishHex();
    try {
      failUnlessOk(end, "transfer");
      if (writeFailed || !synced) throw Error(ErrorKind::kUnavailable, "cannot write " + tmp);
      if (end["info"].value("sha256", "") != digest)
        throw Error(ErrorKind::kUnavailable, "checksum mismatch: the copy is corrupt");
    } catch (const Error&) {
      ::unlink(tmp.c_str());
      throw;
    }
    std::filesystem::rename(tmp, o->to);
    if (!printJsonIf(*g, Json{{"path", o->to}, {"bytes", total}, {"sha256", digest}}))
      std::cout << o->to << ": " << total << " bytes, sha256 " << digest << "\n";
  });

  auto p = std::make_shared<FileOptions>();
  auto* put = files->add_subcommand("put", "upload LOCAL to REMOTE on HOST");
  put->add_option("host", p->host, "host id")->required();
  put->add_option("local", p->from, "file to send")->required();
  put->add_option("remote", p->to, "absolute path on the PC")->required();
  put->callback([g, p] {
    std::string content = files::read(p->from);
    std::string digest = crypto::sha256Hex(content);
    StreamSession s(sessionSocketOptions(*g, "/api/v1/hosts/" + std::to_string(p->host) +
                                                 "/sessions/file-put?path=" + percentEncode(p->to) +
                                                 "&size=" + std::to_string(content.size()) +
                                                 "&sha256=" + digest),
                    {});
    if (s.waitReady()) {
      s.send(content);
      s.sendText(Json{{"type", "eof"}});
    }
    Json end = s.waitEnd();
    failUnlessOk(end, "transfer");
    if (end["info"].value("sha256", "") != digest)
      throw Error(ErrorKind::kUnavailable, "checksum mismatch reported by the PC");
    if (!printJsonIf(*g, Json{{"path", p->to}, {"bytes", content.size()}, {"sha256", digest}}))
      std::cout << p->to << ": " << content.size() << " bytes, sha256 " << digest << "\n";
  });
}

}  // namespace parc::cli
