#include "agent/service/system_root.h"

namespace parc::agent::service {

collectors::CollectContext systemContext(const std::filesystem::path& root) {
  collectors::CollectContext c;
  if (root.empty()) return c;
  c.roots.sys = root / "sys";
  c.roots.proc = root / "proc";
  c.roots.etc = root / "etc";
  c.roots.dev = root / "dev";
  c.roots.varLib = root / "var/lib";
  c.roots.run = root / "run";
  c.roots.varLog = root / "var/log";
  c.roots.usrShare = root / "usr/share";
  if (std::filesystem::exists(root / "topology.xml")) c.roots.hwlocXml = root / "topology.xml";
  c.roots.live = false;
  return c;
}

Json systemSection(const collectors::CollectContext& context) {
  std::vector<collectors::CollectorPtr> system;
  for (auto& c : collectors::allCollectors()) {
    if (c->name() == "system") system.push_back(c);
  }
  Json doc = collectors::collectInventory(context, system);
  auto it = doc.find("system");
  return it != doc.end() ? *it : Json::object();
}

}  // namespace parc::agent::service
