// Agent releases: `parcctl release keygen|sign` work offline on the release machine (the
// private key never reaches the server); `parcctl updates list|ring|assign` drive the
// rollout through the API (docs/operations.md, "Agent self-update").
#include <iostream>

#include "cli/commands/commands.h"
#include "cli/table.h"
#include "common/crypto/hash.h"
#include "common/error.h"
#include "common/files/files.h"
#include "common/remote/signing.h"
#include "common/update/release.h"

namespace parc::cli {

namespace {

struct SignArgs {
  std::string key, package, version, architecture = parc::update::hostArchitecture(), out;
};

void keygen(const std::string& out) {
  if (std::filesystem::exists(out)) {
    throw Error(ErrorKind::kConflict, out + " exists: a release key is never overwritten");
  }
  auto key = remote::SigningKey::generate();
  files::writeAtomic(out, key.privatePem(), 0600);
  files::writeAtomic(out + ".pub", key.publicKeyHex() + "\n", 0644);
  std::cout << "release key written to " << out << " (keep it offline)\npublic key "
            << key.publicKeyHex() << " (also in " << out
            << ".pub): put it in the agents' /usr/share/parc-agent/release-keys/ and the "
               "server's [updates] trusted_keys\n";
}

void sign(const SignArgs& a) {
  auto pem = files::tryRead(a.key);
  if (!pem) throw Error(ErrorKind::kBadRequest, "cannot read key " + a.key);
  auto package = files::tryRead(a.package);
  if (!package) throw Error(ErrorKind::kBadRequest, "cannot read package " + a.package);
  parc::update::Release r;
  r.version = a.version;
  r.architecture = a.architecture;
  r.sha256 = crypto::sha256Hex(*package);
  r.size = static_cast<std::int64_t>(package->size());
  r.releasedAt = static_cast<std::int64_t>(std::time(nullptr));
  auto key = remote::SigningKey::fromPem(*pem);
  std::string out = a.out.empty() ? a.package + ".release.json" : a.out;
  std::filesystem::path existing = out;
  parc::update::SignedRelease s;
  // Signing an existing manifest again adds a signature (two keys during a rotation).
  if (auto text = files::tryRead(existing)) {
    s = parc::update::parseSignedRelease(parseJson(*text));
    if (s.release.sha256 != r.sha256) {
      throw Error(ErrorKind::kConflict, out + " is the manifest of another package");
    }
    parc::update::addSignature(s, key);
  } else {
    s = parc::update::signRelease(r, key);
  }
  files::writeAtomic(out, parc::update::toJson(s).dump(2) + "\n", 0644);
  std::cout << "signed parc-agent " << s.release.version << " (" << s.release.architecture
            << ", sha256 " << s.release.sha256.substr(0, 16) << "…) → " << out << "\n";
}

}  // namespace

void addUpdateCommands(CLI::App& app, std::shared_ptr<Globals> g) {
  auto* release = app.add_subcommand("release", "offline release key and signed manifests");
  release->require_subcommand(1);
  auto keyOut = std::make_shared<std::string>();
  auto* kg = release->add_subcommand("keygen", "create an Ed25519 release key (PEM, 0600)");
  kg->add_option("--out", *keyOut, "private key file")->required();
  kg->callback([keyOut] { keygen(*keyOut); });
  auto args = std::make_shared<SignArgs>();
  auto* sg = release->add_subcommand("sign", "write (or countersign) a package's manifest");
  sg->add_option("--key", args->key, "release private key")->required();
  sg->add_option("--package", args->package, "the .deb")->required();
  sg->add_option("--version", args->version, "its version, e.g. 0.2.0")->required();
  sg->add_option("--architecture", args->architecture, "Debian architecture (default: this one)");
  sg->add_option("--out", args->out, "manifest file (default: PACKAGE.release.json)");
  sg->callback([args] { sign(*args); });

  auto* updates = app.add_subcommand("updates", "agent releases offered to the fleet");
  updates->require_subcommand(1);
  updates->add_subcommand("list", "releases, rings, assignments, agents' results")->callback([g] {
    Json s = g->client().call("GET", "/api/v1/updates");
    if (printJsonIf(*g, s)) return;
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : s["releases"]) {
      rows.push_back({text(r, "version"), text(r, "architecture"), text(r, "size"),
                      formatTime(r.value("released_at", 0LL))});
    }
    printTable(std::cout, {"VERSION", "ARCH", "BYTES", "RELEASED"}, rows);
    for (const auto& [ring, version] : s["rings"].items()) {
      std::cout << "ring " << ring << " → " << version.get<std::string>() << "\n";
    }
    for (const auto& [version, counts] : s["results"].items()) {
      std::cout << version << ":";
      for (const auto& [status, n] : counts.items()) std::cout << " " << status << " " << n;
      std::cout << "\n";
    }
  });
  auto ring = std::make_shared<std::pair<std::string, std::string>>();
  auto* rg = updates->add_subcommand("ring", "point a ring at a published version");
  rg->add_option("ring", ring->first, "pilot, stable, …")->required();
  rg->add_option("version", ring->second, "version; omit to take the ring down");
  rg->callback([g, ring] {
    Json s = g->client().call("PUT", "/api/v1/updates/rings/" + ring->first,
                              Json{{"version", ring->second}});
    if (!printJsonIf(*g, s)) std::cout << "ring " << ring->first << " updated\n";
  });
  struct Assign {
    std::string kind;
    long long id = 0;
    std::string ring;
  };
  auto as = std::make_shared<Assign>();
  auto* ag = updates->add_subcommand("assign", "put a tenant or a host in a ring");
  ag->add_option("kind", as->kind, "tenant or host")
      ->required()
      ->check(CLI::IsMember({"tenant", "host"}));
  ag->add_option("id", as->id, "its id")->required();
  ag->add_option("ring", as->ring, "ring; omit for the default (stable)");
  ag->callback([g, as] {
    Json s = g->client().call("PUT", "/api/v1/updates/assignments",
                              Json{{"kind", as->kind}, {"id", as->id}, {"ring", as->ring}});
    if (!printJsonIf(*g, s)) std::cout << as->kind << " " << as->id << " assigned\n";
  });
}

}  // namespace parc::cli
