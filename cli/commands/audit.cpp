// parcctl audit: read, verify and export the hash-chained audit log.
#include <iostream>

#include "cli/commands/commands.h"
#include "cli/table.h"
#include "common/error.h"

namespace parc::cli {

namespace {
struct ListOptions {
  std::string actor, action;
  int limit = 50;
};
}  // namespace

void addAuditCommands(CLI::App& app, std::shared_ptr<Globals> g) {
  auto* audit = app.add_subcommand("audit", "the audit log");
  audit->require_subcommand(1);

  auto opts = std::make_shared<ListOptions>();
  auto* list = audit->add_subcommand("list", "newest entries first");
  list->add_option("--actor", opts->actor, "only this actor, e.g. user:admin");
  list->add_option("--action", opts->action, "only actions starting with this, e.g. host.");
  list->add_option("--limit", opts->limit, "how many (default 50)")->check(CLI::Range(1, 1000));
  list->callback([g, opts] {
    std::string path = "/api/v1/audit?limit=" + std::to_string(opts->limit);
    if (!opts->actor.empty()) path += "&actor=" + percentEncode(opts->actor);
    if (!opts->action.empty()) path += "&action=" + percentEncode(opts->action);
    Json r = g->client().call("GET", path);
    if (printJsonIf(*g, r)) return;
    std::vector<std::vector<std::string>> rows;
    for (const auto& e : r["items"]) {
      rows.push_back({text(e, "id"), formatTime(e["at"].get<long long>()), text(e, "actor"),
                      text(e, "action"), text(e, "target"), text(e, "source"), text(e, "result")});
    }
    printTable(std::cout, {"ID", "AT", "ACTOR", "ACTION", "TARGET", "SOURCE", "RESULT"}, rows);
  });

  auto head = std::make_shared<std::string>();
  auto* verify = audit->add_subcommand(
      "verify", "check the hash chain (exit 0: intact, 2: tampered); keep the head it prints");
  verify->add_option("--head", *head, "a head printed earlier: it must still be in the chain");
  verify->callback([g, head] {
    std::string path = "/api/v1/audit/verify";
    if (!head->empty()) path += "?head=" + percentEncode(*head);
    Json r = g->client().call("GET", path);
    if (!printJsonIf(*g, r)) {
      if (r["ok"].get<bool>()) {
        std::cout << "Audit log intact: " << text(r, "records") << " chained records from #"
                  << text(r, "first_id") << ".\nHead: " << text(r, "head")
                  << "\nKeep this head elsewhere; `parcctl audit verify --head` checks later "
                     "that nothing was cut from the end.\n";
      } else {
        std::cout << "AUDIT LOG TAMPERED: " << text(r, "reason") << "\n";
      }
    }
    if (!r["ok"].get<bool>()) throw CLI::RuntimeError(2);
  });

  audit->add_subcommand("export", "the whole log as JSON lines, with its head, on stdout")
      ->callback([g] { std::cout << g->client().callText("GET", "/api/v1/audit/export"); });
}

}  // namespace parc::cli
