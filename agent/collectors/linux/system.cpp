#include "agent/collectors/linux/system.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>

#include "agent/collectors/linux/read.h"

namespace parc::agent::collectors::linux_ {

namespace fs = std::filesystem;

namespace {

// The EFI global variable GUID under which SecureBoot and SetupMode live.
constexpr const char* kEfiGlobalGuid = "8be4df61-93ca-11d2-aa0d-00e098032b8c";

struct DmiField {
  const char* file;  // name under /sys/class/dmi/id
  const char* key;   // JSON key
  bool identity;     // a serial/UUID/asset tag: placeholders are dropped
};

// The kernel makes the *_serial and product_uuid files mode 0400: an unprivileged agent
// gets EACCES for exactly these, and reports them as warnings.
constexpr std::array<DmiField, 20> kDmiFields{{
    {"sys_vendor", "sys_vendor", false},
    {"product_name", "product_name", false},
    {"product_version", "product_version", false},
    {"product_family", "product_family", false},
    {"product_serial", "product_serial", true},
    {"product_uuid", "product_uuid", true},
    {"product_sku", "product_sku", false},
    {"chassis_vendor", "chassis_vendor", false},
    {"chassis_serial", "chassis_serial", true},
    {"chassis_asset_tag", "chassis_asset_tag", true},
    {"bios_vendor", "bios_vendor", false},
    {"bios_version", "bios_version", false},
    {"bios_date", "bios_date", false},
    {"bios_release", "bios_release", false},
    {"board_vendor", "board_vendor", false},
    {"board_name", "board_name", false},
    {"board_version", "board_version", false},
    {"board_serial", "board_serial", true},
    {"board_asset_tag", "board_asset_tag", true},
    {"ec_firmware_release", "ec_firmware_release", false},
}};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

class SystemCollector final : public Collector {
 public:
  std::string_view name() const override { return "system"; }

  Json collect(const CollectContext& context, std::vector<std::string>& warnings) const override {
    const SystemRoots& roots = context.roots;
    Json out = Json::object();
    collectHostname(roots, out, warnings);
    if (auto id = readAttr(roots.etc / "machine-id"); id && !id->empty()) out["machine_id"] = *id;
    collectDmi(roots.sys / "class/dmi/id", out, warnings);
    collectFirmware(roots.sys / "firmware/efi", out, warnings);
    if (out.contains("sys_vendor") || out.contains("product_name")) {
      auto vm = virtualizationFromDmi(out.value("sys_vendor", ""), out.value("product_name", ""));
      if (!vm)
        vm = virtualizationFromDmi(out.value("board_vendor", ""), out.value("bios_vendor", ""));
      out["virtualization"] = vm ? Json(*vm) : Json(nullptr);
    }
    return out;
  }

 private:
  static void collectHostname(const SystemRoots& roots, Json& out,
                              std::vector<std::string>& warnings) {
    if (auto name = readAttr(roots.proc / "sys/kernel/hostname"); name && !name->empty()) {
      out["hostname"] = *name;
      return;
    }
    if (roots.live) {
      char buf[HOST_NAME_MAX + 1] = {};
      if (::gethostname(buf, sizeof buf - 1) == 0 && buf[0] != '\0') {
        out["hostname"] = std::string(buf);
        return;
      }
    }
    warnings.push_back("system: host name unknown (no " +
                       (roots.proc / "sys/kernel/hostname").string() + ")");
  }

  static void collectDmi(const fs::path& dir, Json& out, std::vector<std::string>& warnings) {
    if (!pathExists(dir)) {
      // ARM boards and some hypervisors (Firecracker) expose no SMBIOS at all.
      warnings.push_back("system: no DMI data (" + dir.string() +
                         " is missing); vendor, model and serial are unknown");
      return;
    }
    for (const DmiField& f : kDmiFields) {
      FileRead r = readFile(dir / f.file, 4096);
      if (!r.ok()) {
        if (!r.missing()) {
          warnings.push_back("system: cannot read " + (dir / f.file).string() + ": " + r.reason() +
                             (r.error == EACCES ? " (readable by root only)" : ""));
        }
        continue;
      }
      std::string value = trim(*r.data);
      if (value.empty() || (f.identity && isPlaceholder(value))) continue;
      out[f.key] = value;
    }
    if (auto date = out.find("bios_date"); date != out.end()) {
      if (auto iso = isoDateFromDmi(date->get<std::string>())) *date = *iso;
    }
    if (auto type = readIntAttr(dir / "chassis_type")) {
      out["chassis_type_id"] = *type;
      out["chassis_type"] = chassisTypeName(static_cast<int>(*type));
    }
  }

  static void collectFirmware(const fs::path& efi, Json& out, std::vector<std::string>& warnings) {
    if (!pathExists(efi)) {
      out["firmware_type"] = "bios";
      return;
    }
    out["firmware_type"] = "uefi";
    fs::path var = efi / "efivars" / (std::string("SecureBoot-") + kEfiGlobalGuid);
    FileRead r = readFile(var, 64);
    if (r.missing()) {
      out["secure_boot"] = false;  // firmware without Secure Boot support
      return;
    }
    if (!r.ok()) {
      warnings.push_back("system: cannot read " + var.string() + ": " + r.reason());
      return;
    }
    if (auto on = parseEfiBoolVariable(*r.data)) {
      out["secure_boot"] = *on;
    } else {
      warnings.push_back("system: " + var.string() + " is too short to hold a value");
    }
  }
};

}  // namespace

std::string chassisTypeName(int type) {
  // SMBIOS 3.7, table 17 "System Enclosure or Chassis Types" (bit 7 is the lock flag).
  static constexpr std::array<const char*, 37> kNames{"",
                                                      "Other",
                                                      "Unknown",
                                                      "Desktop",
                                                      "Low Profile Desktop",
                                                      "Pizza Box",
                                                      "Mini Tower",
                                                      "Tower",
                                                      "Portable",
                                                      "Laptop",
                                                      "Notebook",
                                                      "Hand Held",
                                                      "Docking Station",
                                                      "All in One",
                                                      "Sub Notebook",
                                                      "Space-saving",
                                                      "Lunch Box",
                                                      "Main Server Chassis",
                                                      "Expansion Chassis",
                                                      "SubChassis",
                                                      "Bus Expansion Chassis",
                                                      "Peripheral Chassis",
                                                      "RAID Chassis",
                                                      "Rack Mount Chassis",
                                                      "Sealed-case PC",
                                                      "Multi-system chassis",
                                                      "Compact PCI",
                                                      "Advanced TCA",
                                                      "Blade",
                                                      "Blade Enclosure",
                                                      "Tablet",
                                                      "Convertible",
                                                      "Detachable",
                                                      "IoT Gateway",
                                                      "Embedded PC",
                                                      "Mini PC",
                                                      "Stick PC"};
  int t = type & 0x7f;
  if (t <= 0 || t >= static_cast<int>(kNames.size())) return "Unknown";
  return kNames[static_cast<std::size_t>(t)];
}

std::optional<bool> parseEfiBoolVariable(std::string_view bytes) {
  if (bytes.size() < 5) return std::nullopt;
  return bytes[4] != 0;
}

std::optional<std::string> isoDateFromDmi(std::string_view d) {
  // SMBIOS requires mm/dd/yy or mm/dd/yyyy; two-digit years mean 19yy.
  auto digits = [&](std::size_t from, std::size_t n) {
    for (std::size_t i = from; i < from + n; ++i) {
      if (i >= d.size() || !std::isdigit(static_cast<unsigned char>(d[i]))) return false;
    }
    return true;
  };
  if (!digits(0, 2) || d.size() < 8 || d[2] != '/' || !digits(3, 2) || d[5] != '/')
    return std::nullopt;
  std::string year;
  if (d.size() == 10 && digits(6, 4)) {
    year = std::string(d.substr(6, 4));
  } else if (d.size() == 8 && digits(6, 2)) {
    year = "19" + std::string(d.substr(6, 2));
  } else {
    return std::nullopt;
  }
  return year + "-" + std::string(d.substr(0, 2)) + "-" + std::string(d.substr(3, 2));
}

bool isPlaceholder(std::string_view value) {
  static constexpr std::array<std::string_view, 16> kPlaceholders{
      "to be filled by o.e.m.",
      "to be filled by oem",
      "default string",
      "system serial number",
      "not specified",
      "not applicable",
      "none",
      "n/a",
      "0123456789",
      "123456789",
      "00000000",
      "0",
      "oem",
      "chassis serial number",
      "base board serial number",
      "03000200-0400-0500-0006-000700080009"};
  std::string v = lower(trim(value));
  if (v.empty()) return true;
  if (std::all_of(v.begin(), v.end(), [](char c) { return c == '0' || c == '-' || c == ' '; })) {
    return true;  // all-zero serials and the nil UUID
  }
  if (std::all_of(v.begin(), v.end(), [](char c) { return c == 'f' || c == '-'; })) return true;
  return std::find(kPlaceholders.begin(), kPlaceholders.end(), v) != kPlaceholders.end();
}

std::optional<std::string> virtualizationFromDmi(std::string_view vendor,
                                                 std::string_view product) {
  std::string v = lower(vendor), p = lower(product);
  if (contains(p, "kvm") || contains(v, "red hat")) return "kvm";
  if (contains(v, "qemu") || contains(p, "qemu")) return "qemu";
  if (contains(v, "vmware") || contains(p, "vmware")) return "vmware";
  if (contains(p, "virtualbox") || contains(v, "innotek")) return "virtualbox";
  if (contains(v, "microsoft") && contains(p, "virtual machine")) return "hyperv";
  if (contains(v, "xen") || contains(p, "hvm domu")) return "xen";
  if (contains(v, "bochs") || contains(p, "bochs")) return "bochs";
  if (contains(v, "parallels")) return "parallels";
  if (contains(v, "amazon ec2") || contains(p, "amazon ec2")) return "kvm";
  return std::nullopt;
}

CollectorPtr makeSystemCollector() { return std::make_shared<SystemCollector>(); }

}  // namespace parc::agent::collectors::linux_
