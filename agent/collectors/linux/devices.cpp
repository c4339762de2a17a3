#include "agent/collectors/linux/devices.h"

#include <cstdio>

#include "agent/collectors/linux/ids.h"
#include "agent/collectors/linux/read.h"

namespace parc::agent::collectors::linux_ {

namespace fs = std::filesystem;

namespace {

std::string hex(std::int64_t v, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*llx", digits, static_cast<unsigned long long>(v));
  return buf;
}

// sysfs USB ids are bare hex ("046d"); PCI ids carry 0x ("0x8086").
std::optional<std::int64_t> readHexAttr(const fs::path& p) {
  auto text = readAttr(p);
  if (!text) return std::nullopt;
  if (text->rfind("0x", 0) != 0) *text = "0x" + *text;
  return parseInt(*text);
}

IdsNames loadIds(const SystemRoots& roots, const std::string& file,
                 const std::set<std::uint16_t>& vendors, std::vector<std::string>& warnings,
                 const char* section) {
  auto path = findIdsFile(roots.usrShare, file);
  if (!path) {
    warnings.push_back(std::string(section) + ": no " + file + " under " + roots.usrShare.string() +
                       " (install hwdata); devices are listed without names");
    return {};
  }
  FileRead r = readFile(*path, 16 << 20);
  if (!r.ok()) {
    warnings.push_back(std::string(section) + ": cannot read " + path->string() + ": " +
                       r.reason());
    return {};
  }
  return parseIds(*r.data, vendors);
}

template <typename Map, typename Key>
void putName(Json& out, const char* key, const Map& names, const Key& k) {
  if (auto it = names.find(k); it != names.end()) out[key] = it->second;
}

class PciCollector final : public Collector {
 public:
  std::string_view name() const override { return "pci_devices"; }

  Json collect(const CollectContext& context, std::vector<std::string>& warnings) const override {
    fs::path dir = context.roots.sys / "bus/pci/devices";
    Json list = Json::array();
    std::set<std::uint16_t> vendors;
    for (const std::string& slot : listDir(dir)) {
      Json d = Json::object();
      d["slot"] = slot;
      auto vendor = readHexAttr(dir / slot / "vendor");
      auto device = readHexAttr(dir / slot / "device");
      if (!vendor || !device) {
        warnings.push_back("pci_devices: " + slot + " has no readable vendor/device id");
        continue;
      }
      vendors.insert(static_cast<std::uint16_t>(*vendor));
      d["vendor_id"] = hex(*vendor, 4);
      d["device_id"] = hex(*device, 4);
      if (auto v = readHexAttr(dir / slot / "subsystem_vendor"))
        d["subsystem_vendor_id"] = hex(*v, 4);
      if (auto v = readHexAttr(dir / slot / "subsystem_device"))
        d["subsystem_device_id"] = hex(*v, 4);
      if (auto c = readHexAttr(dir / slot / "class")) d["class_id"] = hex(*c >> 8, 4);
      if (auto r = readHexAttr(dir / slot / "revision")) d["revision"] = hex(*r, 2);
      setIf(d, "driver", linkTargetName(dir / slot / "driver"));
      list.push_back(std::move(d));
    }
    if (list.empty()) return list;
    IdsNames names = loadIds(context.roots, "pci.ids", vendors, warnings, "pci_devices");
    for (Json& d : list) {
      auto v = static_cast<std::uint16_t>(*parseInt("0x" + d["vendor_id"].get<std::string>()));
      auto p = static_cast<std::uint16_t>(*parseInt("0x" + d["device_id"].get<std::string>()));
      putName(d, "vendor_name", names.vendors, v);
      putName(d, "device_name", names.devices, std::make_pair(v, p));
      if (d.contains("class_id")) {
        auto c = *parseInt("0x" + d["class_id"].get<std::string>());
        auto klass = static_cast<std::uint8_t>(c >> 8), sub = static_cast<std::uint8_t>(c & 0xFF);
        putName(d, "class_name", names.classes, klass);
        putName(d, "subclass_name", names.subclasses, std::make_pair(klass, sub));
      }
    }
    return list;
  }
};

class UsbCollector final : public Collector {
 public:
  std::string_view name() const override { return "usb_devices"; }

  Json collect(const CollectContext& context, std::vector<std::string>& warnings) const override {
    fs::path dir = context.roots.sys / "bus/usb/devices";
    Json list = Json::array();
    std::set<std::uint16_t> vendors;
    for (const std::string& entry : listDir(dir)) {
      // "1-2" is a device, "1-2:1.0" one of its interfaces, "usb1" a root hub.
      if (entry.find(':') != std::string::npos || entry.rfind("usb", 0) == 0) continue;
      fs::path d = dir / entry;
      auto vendor = readHexAttr(d / "idVendor");
      auto product = readHexAttr(d / "idProduct");
      if (!vendor || !product) continue;
      vendors.insert(static_cast<std::uint16_t>(*vendor));
      Json u = Json::object();
      u["port"] = entry;
      u["vendor_id"] = hex(*vendor, 4);
      u["product_id"] = hex(*product, 4);
      setIf(u, "manufacturer", readAttr(d / "manufacturer"));
      setIf(u, "product", readAttr(d / "product"));
      setIf(u, "serial", readAttr(d / "serial"));
      setIf(u, "bus", readIntAttr(d / "busnum"));
      setIf(u, "device_number", readIntAttr(d / "devnum"));
      if (auto speed = readAttr(d / "speed")) {
        if (auto mbps = parseDouble(*speed)) u["speed_mbps"] = *mbps;
      }
      if (auto c = readHexAttr(d / "bDeviceClass")) u["class_id"] = hex(*c, 2);
      setIf(u, "usb_version", readAttr(d / "version"));
      list.push_back(std::move(u));
    }
    if (list.empty()) return list;
    IdsNames names = loadIds(context.roots, "usb.ids", vendors, warnings, "usb_devices");
    for (Json& u : list) {
      auto v = static_cast<std::uint16_t>(*parseInt("0x" + u["vendor_id"].get<std::string>()));
      auto p = static_cast<std::uint16_t>(*parseInt("0x" + u["product_id"].get<std::string>()));
      putName(u, "vendor_name", names.vendors, v);
      putName(u, "product_name", names.devices, std::make_pair(v, p));
    }
    return list;
  }
};

}  // namespace

CollectorPtr makePciCollector() { return std::make_shared<PciCollector>(); }
CollectorPtr makeUsbCollector() { return std::make_shared<UsbCollector>(); }

}  // namespace parc::agent::collectors::linux_
