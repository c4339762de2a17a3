#pragma once
// What a module is to the host: a name, its module roles, its numbered migrations (tables
// prefixed mod_<name>_), and its routes under /api/v1/modules/<name>/tenants/{tenant}/….
// The host checks tenant scope, activation and module roles before a handler runs, and
// hands it the tenant and a locked connection to the main store.
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "common/sqlite/database.h"
#include "server/api/router.h"
#include "server/api/services.h"

namespace parc::modules {

class ModuleHost;

/// A module role ("secretaire", "regisseur", "ordonnateur"), granted per user and tenant.
struct ModuleRole {
  std::string name;
  std::string label;  // French, for the administration page
};

/// What a module handler works with. The connection is locked for the handler's duration.
struct ModuleContext {
  server::api::Context& http;
  server::api::Services& services;
  ModuleHost& host;
  sqlite::Database& db;
  std::int64_t tenantId = 0;
  std::set<std::string> roles;  // the caller's roles in this module and tenant

  bool has(const std::string& role) const { return roles.count(role) > 0; }
  /// Appends to the server's audit log, tagged with the tenant ("facturation.run.issue").
  void audit(const std::string& action, const std::string& target,
             const std::string& detail = {}) const;
};

using ModuleHandler = std::function<net::Response(ModuleContext&)>;

struct ModuleRoute {
  std::string method;
  std::string path;                // relative: "/families/{id}"
  std::vector<std::string> roles;  // any of these may call it
  ModuleHandler handler;
};

struct Module {
  std::string name;      // folder name, URL segment and table prefix: [a-z]+
  std::string title;     // French, for the console
  std::string navLabel;  // French, short, the console header's entry (title when empty)
  std::vector<ModuleRole> roles;
  std::vector<sqlite::Migration> migrations;  // the module's own numbering, from 1
  std::function<std::vector<ModuleRoute>()> routes;
};

}  // namespace parc::modules
