#include "agent/collectors/linux/cpu.h"

#include <hwloc.h>

#include <limits>
#include <memory>
#include <set>
#include <utility>

#include "agent/collectors/linux/read.h"

namespace parc::agent::collectors::linux_ {

namespace fs = std::filesystem;

namespace {

struct TopologyDeleter {
  void operator()(hwloc_topology_t t) const { hwloc_topology_destroy(t); }
};
using Topology = std::unique_ptr<hwloc_topology, TopologyDeleter>;

// Loads the recorded XML when one is given, else the live machine; nullptr plus a
// reason on failure.
Topology loadTopology(const SystemRoots& roots, std::string& error) {
  hwloc_topology_t raw = nullptr;
  if (hwloc_topology_init(&raw) != 0) {
    error = "hwloc_topology_init failed";
    return nullptr;
  }
  Topology topo(raw);
  // L1i caches are filtered out by default; the inventory reports them.
  hwloc_topology_set_icache_types_filter(raw, HWLOC_TYPE_FILTER_KEEP_ALL);
  // PCI and OS devices are not needed here and cost a full sysfs walk.
  hwloc_topology_set_io_types_filter(raw, HWLOC_TYPE_FILTER_KEEP_NONE);
  if (!roots.hwlocXml.empty()) {
    if (hwloc_topology_set_xml(raw, roots.hwlocXml.c_str()) != 0) {
      error = "cannot use hwloc XML " + roots.hwlocXml.string();
      return nullptr;
    }
  }
  if (hwloc_topology_load(raw) != 0) {
    error = roots.hwlocXml.empty() ? "hwloc cannot discover this machine"
                                   : "hwloc cannot load " + roots.hwlocXml.string();
    return nullptr;
  }
  return topo;
}

std::optional<std::int64_t> firstCacheSize(hwloc_topology_t t, hwloc_obj_type_t type) {
  hwloc_obj_t obj = hwloc_get_obj_by_type(t, type, 0);
  if (obj == nullptr || obj->attr == nullptr || obj->attr->cache.size == 0) return std::nullopt;
  return static_cast<std::int64_t>(obj->attr->cache.size);
}

void topologyFromHwloc(hwloc_topology_t t, Json& out) {
  auto count = [&](hwloc_obj_type_t type) { return hwloc_get_nbobjs_by_type(t, type); };
  out["packages"] = count(HWLOC_OBJ_PACKAGE);
  out["cores"] = count(HWLOC_OBJ_CORE);
  out["threads"] = count(HWLOC_OBJ_PU);
  out["numa_nodes"] = count(HWLOC_OBJ_NUMANODE);
  Json caches = Json::object();
  setIf(caches, "l1d_bytes", firstCacheSize(t, HWLOC_OBJ_L1CACHE));
  setIf(caches, "l1i_bytes", firstCacheSize(t, HWLOC_OBJ_L1ICACHE));
  setIf(caches, "l2_bytes", firstCacheSize(t, HWLOC_OBJ_L2CACHE));
  setIf(caches, "l3_bytes", firstCacheSize(t, HWLOC_OBJ_L3CACHE));
  if (!caches.empty()) out["caches"] = std::move(caches);
  // hwloc records the model in the package's info; it fills gaps cpuinfo left.
  if (hwloc_obj_t pkg = hwloc_get_obj_by_type(t, HWLOC_OBJ_PACKAGE, 0)) {
    if (const char* m = hwloc_obj_get_info_by_name(pkg, "CPUModel");
        m && !out.contains("model_name")) {
      out["model_name"] = std::string(m);
    }
    if (const char* v = hwloc_obj_get_info_by_name(pkg, "CPUVendor");
        v && !out.contains("vendor")) {
      out["vendor"] = std::string(v);
    }
  }
}

// Caches of cpu0 as sysfs describes them: index*/{level,type,size}.
Json cachesFromSysfs(const fs::path& cpu0) {
  Json caches = Json::object();
  for (const std::string& index : listDir(cpu0 / "cache")) {
    if (index.rfind("index", 0) != 0) continue;
    fs::path dir = cpu0 / "cache" / index;
    auto level = readIntAttr(dir / "level");
    auto type = readAttr(dir / "type");
    auto size = readAttr(dir / "size");
    if (!level || !type || !size) continue;
    auto bytes = parseCacheSize(*size);
    if (!bytes) continue;
    std::string key;
    if (*level == 1) key = *type == "Instruction" ? "l1i_bytes" : "l1d_bytes";
    if (*level == 2) key = "l2_bytes";
    if (*level == 3) key = "l3_bytes";
    if (!key.empty()) caches[key] = *bytes;
  }
  return caches;
}

void topologyFromRecordedTree(const SystemRoots& roots, const CpuInfo& info, Json& out) {
  if (info.threads > 0) out["threads"] = info.threads;
  // cpuinfo of some VMs and ARM systems has no physical id/core id: one package then.
  out["packages"] = info.packages > 0 ? info.packages : (info.threads > 0 ? 1 : 0);
  if (info.cores > 0) {
    out["cores"] = info.cores;
  } else if (info.threads > 0) {
    out["cores"] = info.threads;
  }
  int nodes = 0;
  for (const std::string& n : listDir(roots.sys / "devices/system/node")) {
    if (n.size() > 4 && n.rfind("node", 0) == 0 && parseInt(n.substr(4))) ++nodes;
  }
  out["numa_nodes"] = nodes > 0 ? nodes : 1;
  Json caches = cachesFromSysfs(roots.sys / "devices/system/cpu/cpu0");
  if (!caches.empty()) out["caches"] = std::move(caches);
}

void putCpuinfo(const CpuInfo& info, Json& out) {
  setIf(out, "vendor", info.vendor);
  setIf(out, "model_name", info.modelName);
  setIf(out, "family", info.family);
  setIf(out, "model", info.model);
  setIf(out, "stepping", info.stepping);
  setIf(out, "microcode", info.microcode);
  setIf(out, "current_mhz", info.mhz);
  setIf(out, "virtualization_extension", info.virtualizationExtension);
  out["hypervisor_present"] = info.hypervisor;
}

class CpuCollector final : public Collector {
 public:
  std::string_view name() const override { return "cpu"; }

  Json collect(const CollectContext& context, std::vector<std::string>& warnings) const override {
    const SystemRoots& roots = context.roots;
    Json out = Json::object();
    CpuInfo info;
    if (FileRead r = readFile(roots.proc / "cpuinfo"); r.ok()) {
      info = parseCpuinfo(*r.data);
      putCpuinfo(info, out);
    } else {
      warnings.push_back("cpu: cannot read " + (roots.proc / "cpuinfo").string() + ": " +
                         r.reason());
    }
    fs::path cpufreq = roots.sys / "devices/system/cpu/cpu0/cpufreq";
    if (auto khz = readIntAttr(cpufreq / "cpuinfo_max_freq"); khz && *khz > 0) {
      out["max_mhz"] = *khz / 1000;
    }
    if (auto khz = readIntAttr(cpufreq / "cpuinfo_min_freq"); khz && *khz > 0) {
      out["min_mhz"] = *khz / 1000;
    }
    collectTopology(roots, info, out, warnings);
    return out;
  }

 private:
  static void collectTopology(const SystemRoots& roots, const CpuInfo& info, Json& out,
                              std::vector<std::string>& warnings) {
    // A recorded tree has no live machine behind it: hwloc may only read its XML.
    if (roots.live || !roots.hwlocXml.empty()) {
      std::string error;
      if (Topology topo = loadTopology(roots, error)) {
        topologyFromHwloc(topo.get(), out);
        out["topology_source"] = roots.hwlocXml.empty() ? "hwloc" : "hwloc-xml";
        return;
      }
      warnings.push_back("cpu: " + error + "; counting from cpuinfo instead");
    }
    topologyFromRecordedTree(roots, info, out);
    out["topology_source"] = "cpuinfo";
  }
};

}  // namespace

CpuInfo parseCpuinfo(std::string_view text) {
  CpuInfo info;
  std::set<std::int64_t> packages;
  std::set<std::pair<std::int64_t, std::int64_t>> cores;
  std::optional<std::int64_t> physicalId;
  bool first = true;  // still inside the first processor's block
  for (std::string_view line : splitLines(text)) {
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string key = trim(line.substr(0, colon));
    std::string value = trim(line.substr(colon + 1));
    if (key == "processor" && parseInt(value)) {
      if (info.threads > 0) first = false;
      ++info.threads;
      physicalId.reset();
    } else if (key == "physical id") {
      physicalId = parseInt(value);
      if (physicalId) packages.insert(*physicalId);
    } else if (key == "core id") {
      if (auto core = parseInt(value)) cores.insert({physicalId.value_or(0), *core});
    } else if (!first) {
      continue;
    } else if (key == "vendor_id" || (key == "CPU implementer" && !info.vendor)) {
      info.vendor = value;
    } else if (key == "model name" ||
               ((key == "Hardware" || key == "Processor") && !info.modelName)) {
      info.modelName = value;
    } else if (key == "cpu family") {
      info.family = parseInt(value);
    } else if (key == "model") {
      info.model = parseInt(value);
    } else if (key == "stepping") {
      info.stepping = parseInt(value);
    } else if (key == "microcode") {
      info.microcode = value;
    } else if (key == "cpu MHz") {
      info.mhz = parseDouble(value);
    } else if (key == "flags" || key == "Features") {
      std::string flags = " " + value + " ";
      info.hypervisor = flags.find(" hypervisor ") != std::string::npos;
      if (flags.find(" vmx ") != std::string::npos) info.virtualizationExtension = "vt-x";
      if (flags.find(" svm ") != std::string::npos) info.virtualizationExtension = "amd-v";
    }
  }
  info.packages = static_cast<int>(packages.size());
  info.cores = static_cast<int>(cores.size());
  return info;
}

std::optional<std::int64_t> parseCacheSize(std::string_view text) {
  std::string t = trim(text);
  if (t.empty()) return std::nullopt;
  std::int64_t unit = 1;
  switch (t.back()) {
    case 'K': unit = 1024; break;
    case 'M': unit = 1024 * 1024; break;
    case 'G': unit = 1024 * 1024 * 1024; break;
    default: break;
  }
  if (unit != 1) t.pop_back();
  auto n = parseInt(t);
  // A size that does not fit (sysfs is a file like any other) is no size: the product
  // overflowed before (fuzz finding F5, "5555555555555555555M").
  if (!n || *n < 0 || *n > std::numeric_limits<std::int64_t>::max() / unit) return std::nullopt;
  return *n * unit;
}

CollectorPtr makeCpuCollector() {
  return std::make_shared<CpuCollector>();
}

}  // namespace parc::agent::collectors::linux_
