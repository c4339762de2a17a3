#include "agent/collectors/glpi_format.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <regex>

#include "common/version.h"

namespace parc::agent::collectors {

namespace {

constexpr std::int64_t kMiB = 1024 * 1024;
constexpr std::int64_t kMB = 1000 * 1000;  // GLPI disk sizes are decimal megabytes

// Typed reads that tolerate absent or mistyped fields (the input may come from an older
// agent, or from a partial inventory).
std::string str(const Json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<std::int64_t> num(const Json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(it->get<double>()));
}

const Json& section(const Json& inv, const char* key) {
  static const Json kNull;
  if (!inv.is_object()) return kNull;
  auto it = inv.find(key);
  return it == inv.end() ? kNull : *it;
}

void putStr(Json& out, const char* key, const std::string& value) {
  if (!value.empty()) out[key] = value;
}

void putNum(Json& out, const char* key, std::optional<std::int64_t> value) {
  if (value) out[key] = *value;
}

std::string datetime(std::int64_t epoch) {
  std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

bool isIsoDate(const std::string& s) {
  static const std::regex kDate("^[0-9]{4}-[0-9]{2}-[0-9]{2}$");
  return std::regex_match(s, kDate);
}

std::string dottedMask(int prefix) {
  std::uint32_t mask =
      prefix <= 0 ? 0 : (prefix >= 32 ? 0xFFFFFFFFu : ~((1u << (32 - prefix)) - 1));
  return std::to_string(mask >> 24) + "." + std::to_string((mask >> 16) & 0xFF) + "." +
         std::to_string((mask >> 8) & 0xFF) + "." + std::to_string(mask & 0xFF);
}

// Signatures older than this are not up to date (freshclam checks every hour or so).
constexpr std::int64_t kSignaturesMaxAgeSeconds = 7 * 86400;

const Json& field(const Json& j, const char* key) {
  static const Json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

bool flag(const Json& j, const char* key) {
  const Json& v = field(j, key);
  return v.is_boolean() && v.get<bool>();
}

std::string joined(const Json& list, const char* separator) {
  std::string out;
  if (!list.is_array()) return out;
  for (const Json& v : list) {
    if (!v.is_string()) continue;
    if (!out.empty()) out += separator;
    out += v.get<std::string>();
  }
  return out;
}

// Epoch seconds of an ISO 8601 UTC time written by the collectors ("2024-03-07T09:00:00Z").
std::optional<std::int64_t> epochOf(const std::string& iso) {
  std::tm tm{};
  if (iso.size() != 20 || ::strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm) == nullptr)
    return std::nullopt;
  return static_cast<std::int64_t>(timegm(&tm));
}

// The network of an address ("192.168.1.17", 24 -> "192.168.1.0"; IPv6 alike).
std::string subnetOf(const std::string& address, int prefix, bool v6) {
  std::array<unsigned char, 16> bytes{};
  int family = v6 ? AF_INET6 : AF_INET;
  if (::inet_pton(family, address.c_str(), bytes.data()) != 1) return {};
  int size = v6 ? 16 : 4;
  for (int i = 0; i < size; ++i) {
    int bits = std::clamp(prefix - i * 8, 0, 8);
    bytes[i] &= static_cast<unsigned char>(0xFF00 >> bits);
  }
  char buf[INET6_ADDRSTRLEN] = {};
  if (::inet_ntop(family, bytes.data(), buf, sizeof buf) == nullptr) return {};
  return buf;
}

// An IPv6 prefix length as a mask, "ffff:ffff:ffff:ffff::" for 64.
std::string ipv6Mask(int prefix) {
  std::array<unsigned char, 16> bytes{};
  for (int i = 0; i < 16; ++i) {
    int bits = std::clamp(prefix - i * 8, 0, 8);
    bytes[i] = static_cast<unsigned char>(0xFF00 >> bits);
  }
  char buf[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

std::string percent(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", value);
  return buf;
}

Json bios(const Json& sys) {
  Json b = Json::object();
  if (std::string d = str(sys, "bios_date"); isIsoDate(d)) b["bdate"] = d;
  putStr(b, "bmanufacturer", str(sys, "bios_vendor"));
  putStr(b, "bversion", str(sys, "bios_version"));
  putStr(b, "mmanufacturer", str(sys, "board_vendor"));
  putStr(b, "mmodel", str(sys, "board_name"));
  putStr(b, "msn", str(sys, "board_serial"));
  putStr(b, "skunumber", str(sys, "product_sku"));
  putStr(b, "smanufacturer", str(sys, "sys_vendor"));
  putStr(b, "smodel", str(sys, "product_name"));
  putStr(b, "ssn", str(sys, "product_serial"));
  putStr(b, "assettag", str(sys, "chassis_asset_tag"));
  putStr(b, "enclosureserial", str(sys, "chassis_serial"));
  if (sys.is_object() && sys.contains("secure_boot") && sys["secure_boot"].is_boolean()) {
    b["secure_boot"] = sys["secure_boot"].get<bool>() ? "enabled" : "disabled";
  } else if (str(sys, "firmware_type") == "bios") {
    b["secure_boot"] = "unsupported";
  }
  return b;
}

std::string vmsystem(const Json& sys) {
  // GLPI Agent's names (lib/GLPI/Agent/Task/Inventory/Virtualization/...), "Physical" else.
  static const std::map<std::string, std::string> kNames = {
      {"kvm", "KVM"},        {"qemu", "QEMU"}, {"vmware", "VMware"}, {"virtualbox", "VirtualBox"},
      {"hyperv", "Hyper-V"}, {"xen", "Xen"},   {"bochs", "Bochs"},   {"parallels", "Parallels"}};
  auto it = kNames.find(str(sys, "virtualization"));
  return it == kNames.end() ? "Physical" : it->second;
}

Json hardware(const Json& inv) {
  const Json& sys = section(inv, "system");
  const Json& mem = section(inv, "memory");
  Json h = Json::object();
  putStr(h, "name", str(sys, "hostname"));
  putStr(h, "uuid", str(sys, "product_uuid"));
  putStr(h, "chassis_type", str(sys, "chassis_type"));
  if (auto total = num(mem, "total_bytes")) h["memory"] = *total / kMiB;
  if (auto swap = num(mem, "swap_total_bytes")) h["swap"] = *swap / kMiB;
  if (sys.is_object()) h["vmsystem"] = vmsystem(sys);
  const Json& net = section(inv, "network_config");
  putStr(h, "dns", joined(field(net, "dns_servers"), "/"));
  putStr(h, "defaultgateway", str(net, "default_gateway"));
  const Json& sessions = section(inv, "sessions");
  putStr(h, "lastloggeduser", str(sessions, "last_user"));
  if (auto at = epochOf(str(sessions, "last_login_time"))) h["datelastloggeduser"] = datetime(*at);
  return h;
}

Json operatingSystem(const Json& os, const Json& sys, const Json& net) {
  Json o = Json::object();
  putStr(o, "arch", str(os, "arch"));
  if (auto boot = num(os, "boot_time_epoch_seconds")) o["boot_time"] = datetime(*boot);
  putStr(o, "full_name", str(os, "pretty_name"));
  putStr(o, "name", str(os, "name"));
  putStr(o, "version", str(os, "version").empty() ? str(os, "version_id") : str(os, "version"));
  putStr(o, "kernel_name", str(os, "family"));
  putStr(o, "kernel_version", str(os, "kernel_release"));
  putStr(o, "fqdn", str(sys, "hostname"));
  putStr(o, "dns_domain", str(net, "dns_domain"));
  putStr(o, "hostid", str(os, "hostid"));
  putStr(o, "ssh_key", str(os, "ssh_host_key"));
  // As GLPI Agent: the abbreviation in force (strftime %Z) and its offset (%z).
  if (auto off = num(os, "utc_offset_seconds"); off && !str(os, "timezone_abbreviation").empty()) {
    char buf[48];
    std::int64_t minutes = std::llabs(*off) / 60;
    std::snprintf(buf, sizeof buf, "%c%02lld%02lld", *off < 0 ? '-' : '+',
                  static_cast<long long>(minutes / 60), static_cast<long long>(minutes % 60));
    o["timezone"] = Json{{"name", str(os, "timezone_abbreviation")}, {"offset", buf}};
  }
  return o;
}

Json cpus(const Json& cpu, const std::string& arch) {
  Json list = Json::array();
  auto packages = num(cpu, "packages").value_or(1);
  if (!cpu.is_object() || packages <= 0) return list;
  std::string vendor = str(cpu, "vendor");
  if (vendor == "GenuineIntel") vendor = "Intel";
  if (vendor == "AuthenticAMD") vendor = "AMD";
  for (std::int64_t i = 0; i < packages; ++i) {
    Json c = Json::object();
    putStr(c, "name", str(cpu, "model_name"));
    putStr(c, "manufacturer", vendor);
    if (auto cores = num(cpu, "cores")) c["core"] = *cores / packages;
    if (auto threads = num(cpu, "threads")) c["thread"] = *threads / packages;
    auto speed = num(cpu, "max_mhz");
    if (!speed) speed = num(cpu, "current_mhz");
    putNum(c, "speed", speed);
    if (auto f = num(cpu, "family")) c["familynumber"] = std::to_string(*f);
    if (auto m = num(cpu, "model")) c["model"] = std::to_string(*m);
    putNum(c, "stepping", num(cpu, "stepping"));
    static const std::regex kArch(
        "^(mips|mips64|alpha|sparc|sparc64|m68k|i\\d86|x86_64|powerpc|powerpc64|arm.*|aarch64)$");
    if (std::regex_match(arch, kArch)) c["arch"] = arch;
    list.push_back(std::move(c));
  }
  return list;
}

Json memories(const Json& mem) {
  Json list = Json::array();
  const Json& modules = section(mem, "modules");
  if (!modules.is_array()) return list;
  int slot = 0;
  for (const Json& m : modules) {
    ++slot;
    Json g = Json::object();
    putStr(g, "caption", str(m, "locator"));
    putStr(g, "description", str(m, "form_factor"));
    putStr(g, "formfactor", str(m, "form_factor"));
    g["numslots"] = slot;
    if (auto size = num(m, "size_bytes")) g["capacity"] = *size / kMiB;
    putStr(g, "type", str(m, "type"));
    if (auto speed = num(m, "speed_mts")) g["speed"] = std::to_string(*speed);
    putStr(g, "manufacturer", str(m, "manufacturer"));
    putStr(g, "serialnumber", str(m, "serial_number"));
    putStr(g, "model", str(m, "part_number"));
    list.push_back(std::move(g));
  }
  return list;
}

Json storages(const Json& storage) {
  Json list = Json::array();
  const Json& disks = section(storage, "disks");
  if (!disks.is_array()) return list;
  static const std::map<std::string, std::string> kInterfaces = {
      {"sata", "SATA"}, {"nvme", "NVME"},     {"usb", "USB"},
      {"scsi", "SCSI"}, {"virtio", "VIRTIO"}, {"mmc", "MMC"}};
  for (const Json& d : disks) {
    Json s = Json::object();
    putStr(s, "name", str(d, "name"));
    putStr(s, "model", str(d, "model"));
    putStr(s, "manufacturer", str(d, "vendor"));
    putStr(s, "serial", str(d, "serial"));
    putStr(s, "firmware", str(d, "firmware"));
    if (auto size = num(d, "size_bytes")) s["disksize"] = *size / kMB;
    if (auto it = kInterfaces.find(str(d, "bus")); it != kInterfaces.end())
      s["interface"] = it->second;
    std::string kind = str(d, "kind");
    s["type"] = kind == "optical" ? "cdrom" : (kind == "removable" ? "removable" : "disk");
    putStr(s, "description", kind);
    list.push_back(std::move(s));
  }
  return list;
}

Json drives(const Json& storage) {
  Json list = Json::array();
  const Json& fss = section(storage, "filesystems");
  if (!fss.is_array()) return list;
  for (const Json& f : fss) {
    Json d = Json::object();
    putStr(d, "volumn", str(f, "device"));
    putStr(d, "type", str(f, "mount_point"));
    putStr(d, "filesystem", str(f, "type"));
    putStr(d, "serial", str(f, "uuid"));
    putStr(d, "label", str(f, "label"));
    if (auto t = num(f, "total_bytes")) d["total"] = *t / kMiB;
    if (auto a = num(f, "available_bytes")) d["free"] = *a / kMiB;
    d["systemdrive"] = str(f, "mount_point") == "/";
    list.push_back(std::move(d));
  }
  return list;
}

Json networks(const Json& net, const Json& config) {
  Json list = Json::array();
  if (!net.is_array()) return list;
  // Each interface's gateway: the one of its IPv4 default route.
  std::map<std::string, std::string> gateways;
  if (const Json& routes = field(config, "routes"); routes.is_array()) {
    for (const Json& r : routes) {
      if (str(r, "family") == "ipv4" && num(r, "prefix_length") == 0 && !str(r, "gateway").empty())
        gateways.emplace(str(r, "interface"), str(r, "gateway"));
    }
  }
  static const std::map<std::string, std::string> kTypes = {
      {"ethernet", "ethernet"},     {"wifi", "wifi"},
      {"bridge", "bridge"},         {"bond", "aggregate"},
      {"infiniband", "infiniband"}, {"loopback", "loopback"}};
  static const std::regex kStatus("^(up|down|dormant|notpresent|lowerlayerdown|unknown|testing)$");
  for (const Json& i : net) {
    Json n = Json::object();
    n["description"] = str(i, "name");
    putStr(n, "mac", str(i, "mac"));
    putNum(n, "mtu", num(i, "mtu"));
    putStr(n, "driver", str(i, "driver"));
    putStr(n, "pcislot", str(i, "bus_id"));
    if (auto speed = num(i, "speed_mbps")) n["speed"] = std::to_string(*speed);
    if (std::string st = str(i, "state"); std::regex_match(st, kStatus)) n["status"] = st;
    std::string kind = str(i, "kind");
    if (auto it = kTypes.find(kind); it != kTypes.end()) n["type"] = it->second;
    n["virtualdev"] = kind == "virtual" || kind == "bridge" || kind == "bond" || kind == "tun";
    if (const Json* addrs = i.is_object() && i.contains("addresses") ? &i["addresses"] : nullptr;
        addrs && addrs->is_array()) {
      for (const Json& a : *addrs) {
        int prefix = static_cast<int>(num(a, "prefix_length").value_or(0));
        if (str(a, "family") == "ipv4" && !n.contains("ipaddress")) {
          n["ipaddress"] = str(a, "address");
          n["ipmask"] = dottedMask(prefix);
          putStr(n, "ipsubnet", subnetOf(str(a, "address"), prefix, false));
        } else if (str(a, "family") == "ipv6" && !n.contains("ipaddress6")) {
          n["ipaddress6"] = str(a, "address");
          n["ipmask6"] = ipv6Mask(prefix);
          putStr(n, "ipsubnet6", subnetOf(str(a, "address"), prefix, true));
        }
      }
    }
    if (auto gw = gateways.find(str(i, "name")); gw != gateways.end()) n["ipgateway"] = gw->second;
    list.push_back(std::move(n));
  }
  return list;
}

Json monitors(const Json& mons) {
  Json list = Json::array();
  if (!mons.is_array()) return list;
  for (const Json& m : mons) {
    Json g = Json::object();
    putStr(g, "base64", str(m, "edid_base64"));
    std::string name = str(m, "name");
    if (name.empty() && m.is_object() && m.contains("texts") && m["texts"].is_array() &&
        !m["texts"].empty() && m["texts"][0].is_string()) {
      name = m["texts"][0].get<std::string>();  // laptop panels carry a part number instead
    }
    putStr(g, "name", name);
    putStr(g, "caption", name);
    std::string maker = str(m, "manufacturer_name");
    putStr(g, "manufacturer", maker.empty() ? str(m, "manufacturer") : maker);
    putStr(g, "port", str(m, "connector"));
    // As GLPI Agent does: the descriptor string is the serial, the numeric one the alternative.
    std::string text = str(m, "serial");
    std::string numeric = num(m, "serial_number") ? std::to_string(*num(m, "serial_number")) : "";
    putStr(g, "serial", text.empty() ? numeric : text);
    if (!text.empty()) putStr(g, "altserial", numeric);
    auto week = num(m, "week_of_manufacture");
    auto year = num(m, "year_of_manufacture");
    if (year) g["description"] = (week ? std::to_string(*week) + "/" : "") + std::to_string(*year);
    list.push_back(std::move(g));
  }
  return list;
}

Json softwares(const Json& sw) {
  Json list = Json::array();
  if (!sw.is_array()) return list;
  for (const Json& s : sw) {
    std::string name = str(s, "name");
    if (name.empty()) continue;  // GLPI requires a name
    Json g = Json::object();
    g["name"] = name;
    putStr(g, "version", str(s, "version"));
    putStr(g, "arch", str(s, "architecture"));
    putStr(g, "publisher", str(s, "publisher"));
    putStr(g, "comments", str(s, "summary"));
    putStr(g, "system_category", str(s, "section"));
    putStr(g, "url_info_about", str(s, "homepage"));
    putNum(g, "filesize", num(s, "installed_size_bytes"));
    g["from"] = str(s, "source") == "dpkg" ? "deb" : str(s, "source");
    list.push_back(std::move(g));
  }
  return list;
}

Json batteries(const Json& bats) {
  Json list = Json::array();
  if (!bats.is_array()) return list;
  for (const Json& b : bats) {
    Json g = Json::object();
    putStr(g, "name", str(b, "model"));
    putStr(g, "manufacturer", str(b, "manufacturer"));
    putStr(g, "serial", str(b, "serial"));
    putStr(g, "chemistry", str(b, "technology"));
    auto mwh = [&](const char* key) -> std::optional<std::int64_t> {
      if (!b.is_object() || !b.contains(key) || !b[key].is_number()) return std::nullopt;
      return std::llround(b[key].get<double>() * 1000);
    };
    putNum(g, "capacity", mwh("design_capacity_wh"));
    putNum(g, "real_capacity", mwh("full_capacity_wh"));
    putNum(g, "voltage", mwh("voltage_design_v"));
    list.push_back(std::move(g));
  }
  return list;
}

void users(const Json& u, Json& content) {
  Json users = Json::array(), groups = Json::array();
  const Json& ul = section(u, "users");
  if (ul.is_array()) {
    for (const Json& x : ul) {
      if (!num(x, "uid")) continue;
      Json g = Json::object();
      g["id"] = std::to_string(*num(x, "uid"));
      putStr(g, "login", str(x, "name"));
      putStr(g, "name", str(x, "full_name"));
      putStr(g, "home", str(x, "home"));
      putStr(g, "shell", str(x, "shell"));
      users.push_back(std::move(g));
    }
  }
  const Json& gl = section(u, "groups");
  if (gl.is_array()) {
    for (const Json& x : gl) {
      if (!num(x, "gid") || str(x, "name").empty()) continue;
      Json g = Json::object();
      g["id"] = std::to_string(*num(x, "gid"));
      g["name"] = str(x, "name");
      Json members = Json::array();
      if (x.contains("members") && x["members"].is_array()) {
        for (const Json& m : x["members"]) {
          if (m.is_string()) members.push_back(m);
        }
      }
      g["members"] = std::move(members);
      groups.push_back(std::move(g));
    }
  }
  if (!users.empty()) content["local_users"] = std::move(users);
  if (!groups.empty()) content["local_groups"] = std::move(groups);
}

Json usbDevices(const Json& usb) {
  Json list = Json::array();
  if (!usb.is_array()) return list;
  for (const Json& d : usb) {
    Json g = Json::object();
    putStr(g, "vendorid", str(d, "vendor_id"));
    putStr(g, "productid", str(d, "product_id"));
    std::string manufacturer = str(d, "manufacturer");
    putStr(g, "manufacturer", manufacturer.empty() ? str(d, "vendor_name") : manufacturer);
    std::string name = str(d, "product");
    putStr(g, "name", name.empty() ? str(d, "product_name") : name);
    putStr(g, "serial", str(d, "serial"));
    putStr(g, "class", str(d, "class_id"));
    list.push_back(std::move(g));
  }
  return list;
}

Json controllers(const Json& pci) {
  Json list = Json::array();
  if (!pci.is_array()) return list;
  for (const Json& d : pci) {
    Json g = Json::object();
    putStr(g, "name", str(d, "device_name"));
    putStr(g, "caption", str(d, "device_name"));
    putStr(g, "manufacturer", str(d, "vendor_name"));
    putStr(g, "vendorid", str(d, "vendor_id"));
    putStr(g, "productid", str(d, "device_id"));
    putStr(g, "pcislot", str(d, "slot"));
    putStr(g, "driver", str(d, "driver"));
    putStr(g, "pciclass", str(d, "class_id"));
    putStr(g, "rev", str(d, "revision"));
    putStr(g, "type",
           str(d, "subclass_name").empty() ? str(d, "class_name") : str(d, "subclass_name"));
    if (!str(d, "subsystem_vendor_id").empty()) {
      g["pcisubsystemid"] = str(d, "subsystem_vendor_id") + ":" + str(d, "subsystem_device_id");
    }
    list.push_back(std::move(g));
  }
  return list;
}

Json processes(const Json& procs, const Json& os, const Json& mem) {
  Json list = Json::array();
  if (!procs.is_array()) return list;
  auto boot = num(os, "boot_time_epoch_seconds");
  auto uptime = num(os, "uptime_seconds");
  auto total = num(mem, "total_bytes");
  for (const Json& p : procs) {
    std::string user = str(p, "user");
    auto pid = num(p, "pid");
    if (user.empty() || !pid) continue;  // GLPI requires cmd, pid and user
    Json g = Json::object();
    std::string cmd = str(p, "cmdline");
    g["cmd"] = cmd.empty() ? "[" + str(p, "name") + "]" : cmd;
    g["pid"] = *pid;
    g["user"] = user;
    auto vsz = num(p, "virtual_memory_bytes");
    if (!vsz) vsz = num(p, "rss_bytes");
    if (vsz) g["virtualmemory"] = *vsz / 1024;  // KiB
    // As ps(1): %MEM = RSS / physical memory, %CPU = CPU time / time since start.
    if (auto rss = num(p, "rss_bytes"); rss && total && *total > 0)
      g["mem"] = percent(100.0 * static_cast<double>(*rss) / static_cast<double>(*total));
    auto start = num(p, "start_seconds_after_boot");
    if (const Json& cpu = field(p, "cpu_seconds"); cpu.is_number() && uptime && start) {
      auto elapsed = *uptime - *start;
      if (elapsed > 0)
        g["cpuusage"] = percent(100.0 * cpu.get<double>() / static_cast<double>(elapsed));
    }
    putStr(g, "tty", str(p, "tty"));
    if (auto start = num(p, "start_seconds_after_boot"); start && boot) {
      g["started"] = datetime(*boot + *start);
    }
    list.push_back(std::move(g));
  }
  return list;
}

Json loggedInUsers(const Json& sessions) {
  Json list = Json::array();
  std::vector<std::string> seen;
  const Json& open = field(sessions, "logged_in");
  if (!open.is_array()) return list;
  for (const Json& s : open) {
    std::string user = str(s, "user");
    if (user.empty() || std::find(seen.begin(), seen.end(), user) != seen.end()) continue;
    seen.push_back(user);
    list.push_back(Json{{"login", user}});
  }
  return list;
}

Json printers(const Json& ps) {
  Json list = Json::array();
  if (!ps.is_array()) return list;
  for (const Json& p : ps) {
    if (str(p, "name").empty()) continue;  // GLPI requires a name
    Json g = Json::object();
    g["name"] = str(p, "name");
    putStr(g, "description", str(p, "description"));
    putStr(g, "comment", str(p, "location"));
    putStr(g, "driver", str(p, "make_model"));
    putStr(g, "port", str(p, "uri"));
    putStr(g, "status", str(p, "state"));
    if (field(p, "network").is_boolean()) g["network"] = flag(p, "network");
    if (field(p, "shared").is_boolean()) g["shared"] = flag(p, "shared");
    list.push_back(std::move(g));
  }
  return list;
}

Json antivirus(const Json& avs, std::int64_t now) {
  Json list = Json::array();
  if (!avs.is_array()) return list;
  for (const Json& a : avs) {
    Json g = Json::object();
    putStr(g, "name", str(a, "name"));
    putStr(g, "company", str(a, "company"));
    putStr(g, "version", str(a, "version"));
    g["enabled"] = flag(a, "daemon_enabled") || flag(a, "on_access_enabled");
    if (auto v = num(a, "database_version")) g["base_version"] = std::to_string(*v);
    if (auto t = num(a, "database_epoch_seconds")) {
      g["base_creation"] = datetime(*t).substr(0, 10);
      g["uptodate"] = now - *t <= kSignaturesMaxAgeSeconds;
    }
    list.push_back(std::move(g));
  }
  return list;
}

Json firewalls(const Json& fw) {
  Json list = Json::array();
  if (!fw.is_object() || str(fw, "status").empty()) return list;
  Json g = Json::object();
  g["status"] = str(fw, "status");
  // The front ends that are configured, enabled ones first: "ufw (enabled)".
  std::string description;
  if (const Json& managers = field(fw, "managers"); managers.is_array()) {
    for (const Json& m : managers) {
      if (!description.empty()) description += ", ";
      description += str(m, "name") + (flag(m, "enabled") ? " (enabled)" : " (disabled)");
    }
  }
  putStr(g, "description", description.empty() ? std::string("no firewall manager") : description);
  list.push_back(std::move(g));
  return list;
}

// GPUs and sound cards are PCI functions of class 03 and 04 01/04 03.
Json videos(const Json& pci) {
  Json list = Json::array();
  if (!pci.is_array()) return list;
  for (const Json& d : pci) {
    if (str(d, "class_id").rfind("03", 0) != 0) continue;
    Json g = Json::object();
    std::string device = str(d, "device_name");
    putStr(g, "name", device.empty() ? str(d, "subclass_name") : device);
    putStr(g, "chipset", str(d, "vendor_name"));
    putStr(g, "pcislot", str(d, "slot"));
    list.push_back(std::move(g));
  }
  return list;
}

Json sounds(const Json& pci) {
  Json list = Json::array();
  if (!pci.is_array()) return list;
  for (const Json& d : pci) {
    std::string cls = str(d, "class_id");
    if (cls != "0401" && cls != "0403") continue;
    Json g = Json::object();
    putStr(g, "name", str(d, "device_name"));
    putStr(g, "caption", str(d, "device_name"));
    putStr(g, "manufacturer", str(d, "vendor_name"));
    putStr(g, "description", str(d, "subclass_name"));
    list.push_back(std::move(g));
  }
  return list;
}

// The agent itself, as FusionInventory and GLPI Agent describe theirs.
Json versionProvider(const Json& inv) {
  const Json& agent = section(inv, "agent");
  std::string version = str(agent, "version");
  Json v = Json::object();
  v["name"] = "Parc-Agent";
  v["version"] = version.empty() ? std::string(parc::version()) : version;
  v["program"] = "parc-agent";
  v["comments"] = Json::array({
    std::string("Compiler: ") +
#if defined(__clang__)
        "clang "
#elif defined(__GNUC__)
        "g++ "
#endif
        + __VERSION__
  });
  return v;
}

Json accessLog(const Json& sessions, std::int64_t now) {
  Json a = Json::object();
  a["logdate"] = datetime(now);
  putStr(a, "userid", str(sessions, "last_user"));
  return a;
}

void putSection(Json& content, const char* key, Json value) {
  if ((value.is_array() || value.is_object()) && value.empty()) return;
  content[key] = std::move(value);
}

}  // namespace

Json toGlpi(const Json& inv, const std::string& deviceId) {
  return toGlpi(inv, deviceId, static_cast<std::int64_t>(std::time(nullptr)));
}

Json toGlpi(const Json& inv, const std::string& deviceId, std::int64_t collectedAt) {
  const Json& sys = section(inv, "system");
  const Json& os = section(inv, "os");
  const Json& netConfig = section(inv, "network_config");
  const Json& sessions = section(inv, "sessions");
  Json content = Json::object();
  content["versionclient"] = std::string("Parc-Agent_v") + parc::version();
  putSection(content, "versionprovider", versionProvider(inv));
  putSection(content, "accesslog", accessLog(sessions, collectedAt));
  putSection(content, "bios", bios(sys));
  putSection(content, "hardware", hardware(inv));
  putSection(content, "operatingsystem", operatingSystem(os, sys, netConfig));
  putSection(content, "cpus", cpus(section(inv, "cpu"), str(os, "arch")));
  putSection(content, "memories", memories(section(inv, "memory")));
  putSection(content, "storages", storages(section(inv, "storage")));
  putSection(content, "drives", drives(section(inv, "storage")));
  putSection(content, "networks", networks(section(inv, "network"), netConfig));
  putSection(content, "monitors", monitors(section(inv, "monitors")));
  putSection(content, "videos", videos(section(inv, "pci_devices")));
  putSection(content, "sounds", sounds(section(inv, "pci_devices")));
  putSection(content, "softwares", softwares(section(inv, "software")));
  putSection(content, "batteries", batteries(section(inv, "batteries")));
  putSection(content, "usbdevices", usbDevices(section(inv, "usb_devices")));
  putSection(content, "controllers", controllers(section(inv, "pci_devices")));
  putSection(content, "processes",
             processes(section(inv, "processes"), os, section(inv, "memory")));
  putSection(content, "users", loggedInUsers(sessions));
  putSection(content, "printers", printers(section(inv, "printers")));
  putSection(content, "antivirus", antivirus(section(inv, "antivirus"), collectedAt));
  putSection(content, "firewalls", firewalls(section(inv, "firewall")));
  users(section(inv, "users"), content);
  Json doc = Json::object();
  doc["action"] = "inventory";
  doc["deviceid"] = deviceId;
  doc["itemtype"] = "Computer";
  doc["content"] = std::move(content);
  return doc;
}

}  // namespace parc::agent::collectors
