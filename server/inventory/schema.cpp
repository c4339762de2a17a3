#include "server/inventory/schema.h"

#include <algorithm>
#include <array>
#include <utility>

#include "server/inventory/format.h"

namespace parc::server::inventory {

namespace {

// A field as text: strings as they are, numbers written out, anything else "".
std::string text(const Json& item, const char* key) {
  auto it = item.find(key);
  if (it == item.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  return "";
}

std::string join(std::initializer_list<std::string> parts, std::string_view separator) {
  std::string out;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += separator;
    out += p;
  }
  return out;
}

// Joins the non-empty parts with "|" when every one of them is non-empty, else "".
std::string allOf(std::initializer_list<std::string> parts) {
  std::string out;
  for (const auto& p : parts) {
    if (p.empty()) return "";
    out += p;
    out += '|';
  }
  return out;
}

std::string bytesOf(const Json& item, const char* key) {
  auto it = item.find(key);
  return it != item.end() && it->is_number() ? formatBytes(it->get<double>()) : "";
}

// --- software: one item per package and architecture (multi-arch packages twice).
std::string softwareByNameArch(const Json& i) {
  return allOf({text(i, "name"), text(i, "architecture")});
}
std::string softwareByName(const Json& i) {
  return text(i, "name");
}
std::string softwareFullName(const Json& i) {
  return join({text(i, "name"), text(i, "architecture")}, ":");  // dpkg's notation
}
std::string softwareVersion(const Json& i) {
  return text(i, "version");
}

// --- memory modules: by slot; a module moved to another slot is still itself.
std::string moduleBySlot(const Json& i) {
  return join({text(i, "locator"), text(i, "bank_locator")}, "|");
}
std::string moduleBySerial(const Json& i) {
  return text(i, "serial_number");
}
std::string moduleName(const Json& i) {
  return text(i, "locator");
}
std::string moduleDescription(const Json& i) {
  std::string speed = text(i, "speed_mts");
  return join({bytesOf(i, "size_bytes"), text(i, "type"), speed.empty() ? "" : speed + " MT/s",
               text(i, "manufacturer")},
              " ");
}
bool moduleAbsent(const Json& i) {
  auto populated = i.find("populated");
  return populated != i.end() && populated->is_boolean() && !populated->get<bool>();
}

// --- disks: by serial, so that a replaced disk is a removal and an addition even on
// the same port; by device name only between disks that have no serial on both sides.
std::string diskBySerial(const Json& i) {
  return text(i, "serial");
}
std::string diskByNameWithoutSerial(const Json& i) {
  return text(i, "serial").empty() ? text(i, "name") : "";
}
std::string diskName(const Json& i) {
  std::string serial = text(i, "serial");
  std::string where = join({text(i, "name"), serial.empty() ? "" : "n° " + serial}, ", ");
  std::string model = text(i, "model");
  return model.empty() ? where : model + " (" + where + ")";
}
std::string diskDescription(const Json& i) {
  return bytesOf(i, "size_bytes");
}

std::string filesystemByMount(const Json& i) {
  return text(i, "mount_point");
}
std::string filesystemDescription(const Json& i) {
  return join({text(i, "type"), text(i, "device")}, " ");
}

std::string raidByUuid(const Json& i) {
  return text(i, "uuid");
}
std::string raidByNameWithoutUuid(const Json& i) {
  return text(i, "uuid").empty() ? text(i, "name") : "";
}
std::string raidName(const Json& i) {
  std::string name = text(i, "name");
  return name.empty() ? text(i, "uuid") : name;
}
std::string raidDescription(const Json& i) {
  return text(i, "level");
}

// --- network: bridges, bonds and VLANs share their member's MAC, hence MAC and name
// first, then the MAC alone (a renamed interface), then the name alone (a new card).
std::string interfaceByMacName(const Json& i) {
  return allOf({text(i, "mac"), text(i, "name")});
}
std::string interfaceByMac(const Json& i) {
  return text(i, "mac");
}
std::string interfaceByName(const Json& i) {
  return text(i, "name");
}
std::string interfaceName(const Json& i) {
  std::string mac = text(i, "mac");
  return mac.empty() ? text(i, "name") : text(i, "name") + " (" + mac + ")";
}
std::string interfaceDescription(const Json& i) {
  return text(i, "kind");
}

// --- monitors: EDID identity (PNP id, product code, serial); a monitor without a
// serial is known by its connector.
std::string monitorSerial(const Json& i) {
  std::string serial = text(i, "serial");
  return serial.empty() ? text(i, "serial_number") : serial;
}
std::string monitorBySerial(const Json& i) {
  return allOf({text(i, "manufacturer"), text(i, "product_code"), monitorSerial(i)});
}
std::string monitorByConnectorWithoutSerial(const Json& i) {
  if (!monitorSerial(i).empty()) return "";
  return allOf({text(i, "manufacturer"), text(i, "product_code"), text(i, "connector")});
}
std::string monitorName(const Json& i) {
  std::string model = text(i, "name");
  if (model.empty()) {
    std::string maker = text(i, "manufacturer_name");
    if (maker.empty()) maker = text(i, "manufacturer");
    model = join({maker, text(i, "product_code")}, " ");
  }
  std::string serial = monitorSerial(i);
  return serial.empty() ? model : model + " (n° " + serial + ")";
}

// --- PCI: slot and device, so that another card in the same slot is a replacement.
std::string pciBySlotDevice(const Json& i) {
  return allOf({text(i, "slot"), text(i, "vendor_id"), text(i, "device_id")});
}
std::string pciName(const Json& i) {
  std::string device = text(i, "device_name");
  if (device.empty()) device = text(i, "vendor_id") + ":" + text(i, "device_id");
  return device + " (" + text(i, "slot") + ")";
}
std::string pciDescription(const Json& i) {
  std::string sub = text(i, "subclass_name");
  return sub.empty() ? text(i, "class_name") : sub;
}

// --- USB: by serial when the device has one (it may move between ports), else by port.
std::string usbBySerial(const Json& i) {
  return allOf({text(i, "vendor_id"), text(i, "product_id"), text(i, "serial")});
}
std::string usbByPortWithoutSerial(const Json& i) {
  if (!text(i, "serial").empty()) return "";
  return allOf({text(i, "vendor_id"), text(i, "product_id"), text(i, "port")});
}
std::string usbName(const Json& i) {
  std::string product = text(i, "product");
  if (product.empty()) product = text(i, "product_name");
  if (product.empty()) product = text(i, "vendor_id") + ":" + text(i, "product_id");
  std::string port = text(i, "port");
  return port.empty() ? product : product + " (port " + port + ")";
}
std::string usbDescription(const Json& i) {
  return text(i, "vendor_name");
}

std::string batteryBySerial(const Json& i) {
  return allOf({text(i, "manufacturer"), text(i, "model"), text(i, "serial")});
}
std::string batteryByNameWithoutSerial(const Json& i) {
  return text(i, "serial").empty() ? text(i, "name") : "";
}
std::string batteryName(const Json& i) {
  std::string model = join({text(i, "manufacturer"), text(i, "model")}, " ");
  return model.empty() ? text(i, "name") : text(i, "name") + " (" + model + ")";
}

std::string byName(const Json& i) {
  return text(i, "name");
}

// --- printers: a CUPS queue is its name; its URI or driver may change under it.
std::string printerDescription(const Json& i) {
  return text(i, "make_model");
}

// --- routes: destination and interface; a new gateway or metric is a change of the route.
std::string routeByDestination(const Json& i) {
  return allOf(
      {text(i, "family"), text(i, "destination"), text(i, "prefix_length"), text(i, "interface")});
}
std::string routeName(const Json& i) {
  std::string dest = join({text(i, "destination"), text(i, "prefix_length")}, "/");
  std::string dev = text(i, "interface");
  return dev.empty() ? dest : dest + " (" + dev + ")";
}
std::string userDescription(const Json& i) {
  std::string uid = text(i, "uid");
  return uid.empty() ? "" : "uid " + uid;
}
std::string groupDescription(const Json& i) {
  std::string gid = text(i, "gid");
  return gid.empty() ? "" : "gid " + gid;
}

// --- unknown lists: an item is its whole content.
std::string wholeItem(const Json& i) {
  return i.dump();
}
std::string genericName(const Json& i) {
  for (const char* k : {"name", "id", "slot", "port", "connector", "serial"}) {
    if (std::string t = text(i, k); !t.empty()) return t;
  }
  return i.dump();
}

const std::vector<ListSpec>& lists() {
  static const std::vector<ListSpec> kLists = {
      {.path = "software",
       .keys = {softwareByNameArch, softwareByName},
       .name = softwareByName,
       .fullName = softwareFullName,
       .describe = softwareVersion,
       .noun = "Logiciel",
       .added = "Logiciel installé",
       .removed = "Logiciel désinstallé",
       .separator = " "},
      {.path = "memory.modules",
       .keys = {moduleBySlot, moduleBySerial},
       .name = moduleName,
       .describe = moduleDescription,
       .noun = "Barrette mémoire",
       .added = "Barrette mémoire ajoutée",
       .removed = "Barrette mémoire retirée",
       .absent = moduleAbsent},
      {.path = "storage.disks",
       .keys = {diskBySerial, diskByNameWithoutSerial},
       .name = diskName,
       .describe = diskDescription,
       .noun = "Disque",
       .added = "Disque ajouté",
       .removed = "Disque retiré"},
      {.path = "storage.filesystems",
       .keys = {filesystemByMount},
       .name = filesystemByMount,
       .describe = filesystemDescription,
       .noun = "Système de fichiers",
       .added = "Système de fichiers monté",
       .removed = "Système de fichiers démonté"},
      {.path = "storage.raid",
       .keys = {raidByUuid, raidByNameWithoutUuid},
       .name = raidName,
       .describe = raidDescription,
       .noun = "Grappe RAID",
       .added = "Grappe RAID créée",
       .removed = "Grappe RAID supprimée"},
      {.path = "network",
       .keys = {interfaceByMacName, interfaceByMac, interfaceByName},
       .name = interfaceName,
       .describe = interfaceDescription,
       .noun = "Interface réseau",
       .added = "Interface réseau ajoutée",
       .removed = "Interface réseau retirée"},
      {.path = "monitors",
       .keys = {monitorBySerial, monitorByConnectorWithoutSerial},
       .name = monitorName,
       .noun = "Écran",
       .added = "Écran ajouté",
       .removed = "Écran retiré"},
      {.path = "pci_devices",
       .keys = {pciBySlotDevice},
       .name = pciName,
       .describe = pciDescription,
       .noun = "Périphérique PCI",
       .added = "Périphérique PCI ajouté",
       .removed = "Périphérique PCI retiré"},
      {.path = "usb_devices",
       .keys = {usbBySerial, usbByPortWithoutSerial},
       .name = usbName,
       .describe = usbDescription,
       .noun = "Périphérique USB",
       .added = "Périphérique USB branché",
       .removed = "Périphérique USB débranché"},
      {.path = "batteries",
       .keys = {batteryBySerial, batteryByNameWithoutSerial},
       .name = batteryName,
       .noun = "Batterie",
       .added = "Batterie ajoutée",
       .removed = "Batterie retirée"},
      {.path = "users.users",
       .keys = {byName},
       .name = byName,
       .describe = userDescription,
       .noun = "Compte",
       .added = "Compte créé",
       .removed = "Compte supprimé"},
      {.path = "users.groups",
       .keys = {byName},
       .name = byName,
       .describe = groupDescription,
       .noun = "Groupe",
       .added = "Groupe créé",
       .removed = "Groupe supprimé"},
      {.path = "network_config.routes",
       .keys = {routeByDestination},
       .name = routeName,
       .noun = "Route",
       .added = "Route ajoutée",
       .removed = "Route supprimée"},
      {.path = "printers",
       .keys = {byName},
       .name = byName,
       .describe = printerDescription,
       .noun = "Imprimante",
       .added = "Imprimante ajoutée",
       .removed = "Imprimante supprimée"},
      {.path = "antivirus",
       .keys = {byName},
       .name = byName,
       .describe = softwareVersion,
       .noun = "Antivirus",
       .added = "Antivirus installé",
       .removed = "Antivirus désinstallé"},
      {.path = "firewall.managers",
       .keys = {byName},
       .name = byName,
       .noun = "Pare-feu",
       .added = "Pare-feu installé",
       .removed = "Pare-feu désinstallé"},
  };
  return kLists;
}

constexpr auto kIgnoredFields = std::to_array<std::string_view>({
    // The volatile readings of agent/collectors/stable.cpp (docs/inventory.md).
    "os.uptime_seconds",
    "cpu.current_mhz",
    "memory.available_bytes",
    "memory.free_bytes",
    "memory.buffers_bytes",
    "memory.cached_bytes",
    "memory.swap_free_bytes",
    "storage.filesystems[].available_bytes",
    "storage.filesystems[].used_bytes",
    "storage.disks[].smart.temperature_celsius",
    "storage.disks[].smart.power_on_hours",
    "storage.disks[].smart.power_cycles",
    "storage.disks[].smart.written_bytes",
    "storage.disks[].smart.unsafe_shutdowns",
    "storage.disks[].smart.power_mode",
    "storage.raid[].sync_action",
    "batteries[].capacity_percent",
    "batteries[].remaining_wh",
    "batteries[].status",
    "network[].state",
    "network[].speed_mbps",
    "network[].duplex",
    "monitors[].status",
    // Who is logged in changes all day; the last user stays (it changes with the owner).
    "sessions.logged_in",
    "sessions.last_login_time",
    // freshclam updates the signatures several times a day.
    "antivirus[].database_version",
    "antivirus[].database_signatures",
    "antivirus[].database_epoch_seconds",
    "antivirus[].database_time",
    // Renumbered at every replug: not a property of the device.
    "usb_devices[].device_number",
    // Repeat another field in another form: one change is enough.
    "os.boot_time_epoch_seconds",
    "system.chassis_type_id",
    "memory.modules[].manufacturer_jedec_id",
    "monitors[].edid_base64",
});

using Label = std::pair<std::string_view, std::string_view>;

constexpr auto kLabels = std::to_array<Label>({
    {"system.hostname", "Nom de l'ordinateur"},
    {"system.machine_id", "Identifiant machine"},
    {"system.sys_vendor", "Fabricant"},
    {"system.product_name", "Modèle"},
    {"system.product_version", "Version du modèle"},
    {"system.product_family", "Gamme"},
    {"system.product_sku", "Référence du modèle"},
    {"system.product_serial", "Numéro de série"},
    {"system.product_uuid", "UUID"},
    {"system.chassis_vendor", "Fabricant du châssis"},
    {"system.chassis_serial", "Numéro de série du châssis"},
    {"system.chassis_asset_tag", "Numéro d'inventaire"},
    {"system.chassis_type", "Type de châssis"},
    {"system.bios_vendor", "Éditeur du BIOS"},
    {"system.bios_version", "Version du BIOS"},
    {"system.bios_release", "Révision du BIOS"},
    {"system.bios_date", "Date du BIOS"},
    {"system.ec_firmware_release", "Micrologiciel du contrôleur embarqué"},
    {"system.board_vendor", "Fabricant de la carte mère"},
    {"system.board_name", "Carte mère"},
    {"system.board_version", "Version de la carte mère"},
    {"system.board_serial", "Numéro de série de la carte mère"},
    {"system.board_asset_tag", "Numéro d'inventaire de la carte mère"},
    {"system.firmware_type", "Micrologiciel"},
    {"system.secure_boot", "Secure Boot"},
    {"system.virtualization", "Virtualisation"},
    {"os.family", "Famille de système"},
    {"os.id", "Distribution"},
    {"os.id_like", "Distributions apparentées"},
    {"os.name", "Système d'exploitation"},
    {"os.version", "Version du système"},
    {"os.version_id", "Numéro de version du système"},
    {"os.version_codename", "Nom de code du système"},
    {"os.pretty_name", "Système"},
    {"os.debian_version", "Version Debian"},
    {"os.kernel_release", "Noyau"},
    {"os.kernel_version", "Compilation du noyau"},
    {"os.arch", "Architecture"},
    {"os.timezone", "Fuseau horaire"},
    {"os.boot_time", "Dernier démarrage"},
    {"cpu.vendor", "Fabricant du processeur"},
    {"cpu.model_name", "Processeur"},
    {"cpu.family", "Famille du processeur"},
    {"cpu.model", "Modèle du processeur"},
    {"cpu.stepping", "Révision du processeur"},
    {"cpu.microcode", "Microcode"},
    {"cpu.max_mhz", "Fréquence maximale"},
    {"cpu.min_mhz", "Fréquence minimale"},
    {"cpu.packages", "Processeurs physiques"},
    {"cpu.cores", "Cœurs"},
    {"cpu.threads", "Threads"},
    {"cpu.numa_nodes", "Nœuds NUMA"},
    {"cpu.caches.l1d_bytes", "Cache L1 données"},
    {"cpu.caches.l1i_bytes", "Cache L1 instructions"},
    {"cpu.caches.l2_bytes", "Cache L2"},
    {"cpu.caches.l3_bytes", "Cache L3"},
    {"cpu.topology_source", "Source de la topologie"},
    {"cpu.hypervisor_present", "Hyperviseur"},
    {"cpu.virtualization_extension", "Extension de virtualisation"},
    {"memory.total_bytes", "Mémoire"},
    {"memory.swap_total_bytes", "Swap"},
    {"memory.slots_total", "Emplacements mémoire"},
    {"memory.slots_used", "Emplacements mémoire occupés"},
    {"memory.modules[].locator", "emplacement"},
    {"memory.modules[].size_bytes", "taille"},
    {"memory.modules[].type", "type"},
    {"memory.modules[].form_factor", "format"},
    {"memory.modules[].speed_mts", "vitesse"},
    {"memory.modules[].configured_speed_mts", "vitesse configurée"},
    {"memory.modules[].manufacturer", "fabricant"},
    {"memory.modules[].serial_number", "n° de série"},
    {"memory.modules[].part_number", "référence"},
    {"memory.modules[].rank", "rangs"},
    {"storage.disks[].name", "nom"},
    {"storage.disks[].size_bytes", "taille"},
    {"storage.disks[].model", "modèle"},
    {"storage.disks[].vendor", "fabricant"},
    {"storage.disks[].serial", "n° de série"},
    {"storage.disks[].firmware", "micrologiciel"},
    {"storage.disks[].kind", "type"},
    {"storage.disks[].partitions", "partitions"},
    {"storage.disks[].smart.health_passed", "santé SMART correcte"},
    {"storage.disks[].smart.reallocated_sectors", "secteurs réalloués"},
    {"storage.disks[].smart.pending_sectors", "secteurs en attente"},
    {"storage.disks[].smart.offline_uncorrectable", "secteurs irrécupérables"},
    {"storage.disks[].smart.percentage_used", "usure (%)"},
    {"storage.disks[].smart.available_spare_percent", "réserve disponible"},
    {"storage.disks[].smart.media_errors", "erreurs de support"},
    {"storage.disks[].smart.critical_warning", "alerte critique"},
    {"storage.filesystems[].total_bytes", "taille"},
    {"storage.filesystems[].type", "type"},
    {"storage.filesystems[].device", "périphérique"},
    {"storage.filesystems[].label", "nom de volume"},
    {"storage.filesystems[].read_only", "lecture seule"},
    {"storage.raid[].state", "état"},
    {"storage.raid[].level", "niveau"},
    {"storage.raid[].degraded_disks", "disques dégradés"},
    {"storage.raid[].members", "membres"},
    {"network[].name", "nom"},
    {"network[].mac", "adresse MAC"},
    {"network[].addresses", "adresses"},
    {"network[].driver", "pilote"},
    {"network[].kind", "type"},
    {"monitors[].connector", "connecteur"},
    {"monitors[].name", "modèle"},
    {"monitors[].serial", "n° de série"},
    {"pci_devices[].driver", "pilote"},
    {"pci_devices[].revision", "révision"},
    {"usb_devices[].port", "port"},
    {"usb_devices[].serial", "n° de série"},
    {"software[].version", "version"},
    {"software[].architecture", "architecture"},
    {"software[].publisher", "mainteneur"},
    {"software[].held", "version bloquée"},
    {"batteries[].full_capacity_wh", "capacité réelle"},
    {"batteries[].design_capacity_wh", "capacité nominale"},
    {"batteries[].health_percent", "santé"},
    {"batteries[].cycle_count", "cycles"},
    {"users.users[].shell", "shell"},
    {"users.users[].home", "dossier personnel"},
    {"users.users[].full_name", "nom complet"},
    {"users.groups[].members", "membres"},
    {"network_config.default_gateway", "Passerelle par défaut"},
    {"network_config.default_interface", "Interface par défaut"},
    {"network_config.default_gateway_ipv6", "Passerelle IPv6 par défaut"},
    {"network_config.dns_servers", "Serveurs DNS"},
    {"network_config.dns_search", "Domaines de recherche DNS"},
    {"network_config.dns_domain", "Domaine DNS"},
    {"network_config.routes[].gateway", "passerelle"},
    {"network_config.routes[].metric", "métrique"},
    {"sessions.last_user", "Dernier utilisateur"},
    {"printers[].uri", "adresse"},
    {"printers[].make_model", "pilote"},
    {"printers[].location", "emplacement"},
    {"printers[].description", "description"},
    {"printers[].default", "imprimante par défaut"},
    {"printers[].shared", "partagée"},
    {"printers[].state", "état"},
    {"antivirus[].version", "version"},
    {"antivirus[].daemon_enabled", "service actif"},
    {"antivirus[].on_access_enabled", "analyse à l'accès"},
    {"antivirus[].updater_enabled", "mises à jour automatiques"},
    {"firewall.status", "Pare-feu"},
    {"firewall.managers[].enabled", "activé"},
    {"firewall.managers[].default_zone", "zone par défaut"},
    {"os.timezone_abbreviation", "Abréviation du fuseau horaire"},
    {"os.utc_offset_seconds", "Décalage UTC"},
    {"os.ssh_host_key", "Clé SSH de la machine"},
    {"os.hostid", "Identifiant d'hôte"},
    {"agent.version", "Version de l'agent"},
});

constexpr auto kSectionLabels = std::to_array<Label>({
    {"system", "Système"},
    {"os", "Système d'exploitation"},
    {"cpu", "Processeur"},
    {"memory", "Mémoire"},
    {"storage", "Stockage"},
    {"network", "Réseau"},
    {"monitors", "Écrans"},
    {"pci_devices", "Périphériques PCI"},
    {"usb_devices", "Périphériques USB"},
    {"software", "Logiciels"},
    {"batteries", "Batteries"},
    {"users", "Comptes et groupes"},
    {"network_config", "Configuration réseau"},
    {"sessions", "Sessions"},
    {"printers", "Imprimantes"},
    {"antivirus", "Antivirus"},
    {"firewall", "Pare-feu"},
});

template <size_t N>
std::string_view lookup(const std::array<Label, N>& table, std::string_view key) {
  for (const auto& [k, v] : table) {
    if (k == key) return v;
  }
  return "";
}

}  // namespace

const ListSpec* findList(std::string_view path) {
  for (const ListSpec& spec : lists()) {
    if (spec.path == path) return &spec;
  }
  return nullptr;
}

const ListSpec& genericList() {
  static const ListSpec kGeneric = {.path = "",
                                    .keys = {wholeItem},
                                    .name = genericName,
                                    .noun = "Élément",
                                    .added = "Élément ajouté",
                                    .removed = "Élément retiré"};
  return kGeneric;
}

bool isIgnoredSection(std::string_view section) {
  return section == "processes" || section == "_warnings";
}

bool isIgnoredField(std::string_view path) {
  // The agent's device id and the like are bookkeeping; its version is worth a line.
  if (path.starts_with("agent.")) return path != "agent.version";
  return std::find(kIgnoredFields.begin(), kIgnoredFields.end(), path) != kIgnoredFields.end();
}

std::string_view fieldLabel(std::string_view path) {
  return lookup(kLabels, path);
}

std::string sectionLabel(std::string_view section) {
  std::string_view label = lookup(kSectionLabels, section);
  return std::string(label.empty() ? section : label);
}

}  // namespace parc::server::inventory
