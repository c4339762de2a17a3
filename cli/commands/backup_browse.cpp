// `parcctl backups list | browse | restore | restores`: a host's snapshots, the files of
// one (the PC decrypts them: it must be online), restores onto this or another PC of the
// tenant and their progress (docs/backups.md, "Console: browse and restore"). Added to
// the `backups` command of backups.cpp.
#include <iostream>

#include "cli/commands/commands.h"
#include "cli/table.h"
#include "common/error.h"

namespace parc::cli {

namespace {

struct BrowseOptions {
  long long host = 0, tenant = 0, toHost = 0, offset = 0, limit = 200;
  std::string snapshot, path, destination = "default";
  std::vector<std::string> paths;
};

std::string hostPath(long long host) {
  return "/api/v1/hosts/" + std::to_string(host);
}

std::string size(const Json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number()) return "-";
  return std::to_string(j[key].get<std::uint64_t>());
}

void listHost(const Globals& g, long long host) {
  Json r = g.client().call("GET", hostPath(host) + "/backups");
  if (printJsonIf(g, r)) return;
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : r["items"]) {
    rows.push_back({text(s, "id"), formatTime(s.value("created", 0LL)), size(s, "size"),
                    size(s, "stored_size")});
  }
  if (rows.empty()) {
    std::cout << "No snapshot of host " << host << ".\n";
    return;
  }
  printTable(std::cout, {"SNAPSHOT", "CREATED (UTC)", "BYTES", "STORED BYTES"}, rows);
}

void listTenant(const Globals& g, long long tenant) {
  Json r = g.client().call("GET", "/api/v1/tenants/" + std::to_string(tenant) + "/backups");
  if (printJsonIf(g, r)) return;
  std::vector<std::vector<std::string>> rows;
  for (const auto& h : r["hosts"]) {
    long long last = h["last_snapshot_at"].is_number() ? h["last_snapshot_at"].get<long long>() : 0;
    rows.push_back({text(h, "host_id"), printable(text(h, "hostname")), formatTime(last),
                    text(h, "snapshots"), size(h, "size"), size(h, "stored_size"),
                    h.value("stale", false) ? "LATE" : "ok"});
  }
  printTable(std::cout, {"HOST", "NAME", "LAST (UTC)", "SNAPSHOTS", "BYTES", "STORED", "STATE"},
             rows);
  const auto& repo = r["repository"];
  std::cout << "tenant " << tenant << ": "
            << (repo.is_object() ? size(repo, "bytes") + " bytes stored, " +
                                       size(repo, "snapshots") + " snapshots"
                                 : std::string("no repository"))
            << ", " << text(r, "stale_hosts") << " host(s) late\n";
}

}  // namespace

void addBackupBrowseCommands(CLI::App& app, std::shared_ptr<Globals> g) {
  CLI::App* backups = app.get_subcommand("backups");
  auto o = std::make_shared<BrowseOptions>();

  auto* list = backups->add_subcommand("list", "a host's snapshots, or a tenant's overview");
  list->add_option("--host", o->host, "host id");
  list->add_option("--tenant", o->tenant, "tenant id: each host's last backup and space");
  list->callback([g, o] {
    if ((o->host > 0) == (o->tenant > 0))
      throw Error(ErrorKind::kBadRequest, "name exactly one of --host or --tenant");
    if (o->host > 0)
      listHost(*g, o->host);
    else
      listTenant(*g, o->tenant);
  });

  auto* browse = backups->add_subcommand("browse", "the files of one folder of a snapshot");
  browse->add_option("--host", o->host, "host id")->required();
  browse->add_option("--snapshot", o->snapshot, "snapshot id")->required();
  browse->add_option("--path", o->path, "folder of the snapshot (default: the top)");
  browse->add_option("--offset", o->offset, "skip this many entries");
  browse->add_option("--limit", o->limit, "entries per page (1-1000)");
  browse->callback([g, o] {
    Json r = g->client().call("GET", hostPath(o->host) + "/backups/" + o->snapshot +
                                         "/tree?path=" + percentEncode(o->path) +
                                         "&offset=" + std::to_string(o->offset) +
                                         "&limit=" + std::to_string(o->limit));
    if (printJsonIf(*g, r)) return;
    std::vector<std::vector<std::string>> rows;
    for (const auto& e : r["items"]) {
      rows.push_back({text(e, "type"), size(e, "size"), formatTime(e.value("mtime", 0LL)),
                      printable(text(e, "path"))});
    }
    printTable(std::cout, {"TYPE", "BYTES", "MODIFIED (UTC)", "PATH"}, rows);
    std::cout << r.value("total", 0) << " entries in /" << printable(text(r, "path")) << "\n";
  });

  auto* restore = backups->add_subcommand("restore", "restore files of a snapshot onto a PC");
  restore->add_option("--host", o->host, "host whose snapshot it is")->required();
  restore->add_option("--snapshot", o->snapshot, "snapshot id")->required();
  restore->add_option("--path", o->paths, "file or folder to restore (repeatable)")->required();
  restore->add_option("--to-host", o->toHost,
                      "restore onto this PC of the tenant (default: --host)");
  restore->add_option("--destination", o->destination,
                      "original (existing files kept, copies renamed), default "
                      "(DATA_DIR/restores/DATE) or an absolute folder under the PC's roots");
  restore->callback([g, o] {
    Json body{{"paths", o->paths}, {"destination", o->destination}};
    if (o->toHost > 0) body["target_host_id"] = o->toHost;
    Json r =
        g->client().call("POST", hostPath(o->host) + "/backups/" + o->snapshot + "/restore", body);
    if (printJsonIf(*g, r)) return;
    std::cout << "restore " << text(r, "id") << " started on host " << text(r, "target_host_id")
              << " into " << printable(text(r, "destination"))
              << " (follow it with: parcctl backups restores --host " << o->host << ")\n";
  });

  auto* restores = backups->add_subcommand("restores", "restores from or onto a host");
  restores->add_option("--host", o->host, "host id")->required();
  restores->callback([g, o] {
    Json r = g->client().call("GET", hostPath(o->host) + "/restores");
    if (printJsonIf(*g, r)) return;
    std::vector<std::vector<std::string>> rows;
    for (const auto& x : r["items"]) {
      const auto& p = x["progress"];
      std::string files = p.is_object() && p.contains("files_total")
                              ? text(p, "files_done") + "/" + text(p, "files_total")
                              : "-";
      rows.push_back({text(x, "id"), formatTime(x.value("requested_at", 0LL)), text(x, "state"),
                      text(x, "target_host_id"), files, printable(text(x, "destination"))});
    }
    printTable(std::cout, {"ID", "REQUESTED (UTC)", "STATE", "ON HOST", "FILES", "DESTINATION"},
               rows);
  });
}

}  // namespace parc::cli
