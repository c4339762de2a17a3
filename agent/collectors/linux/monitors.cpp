#include "agent/collectors/linux/monitors.h"

#include "agent/collectors/linux/edid.h"
#include "agent/collectors/linux/ids.h"
#include "agent/collectors/linux/read.h"

namespace parc::agent::collectors::linux_ {

namespace fs = std::filesystem;

namespace {

// "card0-eDP-1" -> "eDP-1"; connectors of a card are named card<N>-<type>-<index>.
std::string connectorName(const std::string& entry) {
  auto dash = entry.find('-');
  return dash == std::string::npos ? entry : entry.substr(dash + 1);
}

bool isInternalPanel(const std::string& connector) {
  return connector.rfind("eDP", 0) == 0 || connector.rfind("LVDS", 0) == 0 ||
         connector.rfind("DSI", 0) == 0;
}

// PNP ids name the maker ("GSM" is LG's monitor division); hwdata's pnp.ids has them.
// Without the file the ids alone stay: they are what GLPI matches on anyway.
void nameManufacturers(const SystemRoots& roots, Json& monitors) {
  if (monitors.empty()) return;
  auto path = findIdsFile(roots.usrShare, "pnp.ids");
  if (!path) return;
  FileRead r = readFile(*path, 4 << 20);
  if (!r.ok()) return;
  for (Json& m : monitors) {
    if (!m.contains("manufacturer")) continue;
    if (auto name = pnpName(*r.data, m["manufacturer"].get<std::string>())) {
      m["manufacturer_name"] = *name;
    }
  }
}

class MonitorsCollector final : public Collector {
 public:
  std::string_view name() const override { return "monitors"; }

  Json collect(const CollectContext& context, std::vector<std::string>& warnings) const override {
    fs::path drm = context.roots.sys / "class/drm";
    Json monitors = Json::array();
    for (const std::string& entry : listDir(drm)) {
      if (entry.rfind("card", 0) != 0 || entry.find('-') == std::string::npos) continue;
      FileRead r = readFile(drm / entry / "edid", 64 * 1024);
      if (!r.ok()) {
        if (!r.missing()) {
          warnings.push_back("monitors: cannot read " + (drm / entry / "edid").string() + ": " +
                             r.reason());
        }
        continue;
      }
      if (r.data->empty()) continue;  // nothing plugged into this connector
      std::vector<std::string> problems;
      auto edid = parseEdid(*r.data, problems);
      for (const auto& p : problems) warnings.push_back("monitors: " + entry + ": " + p);
      Json m = edid ? edidToJson(*edid) : Json::object();
      std::string connector = connectorName(entry);
      m["connector"] = connector;
      m["internal"] = isInternalPanel(connector);
      if (auto status = readAttr(drm / entry / "status")) m["status"] = *status;
      m["edid_base64"] = base64Encode(*r.data);
      monitors.push_back(std::move(m));
    }
    nameManufacturers(context.roots, monitors);
    return monitors;
  }
};

}  // namespace

CollectorPtr makeMonitorsCollector() { return std::make_shared<MonitorsCollector>(); }

}  // namespace parc::agent::collectors::linux_
