#pragma once
// Section "cpu": model from /proc/cpuinfo, topology (packages, cores, threads, caches,
// NUMA nodes) from hwloc, maximum frequency from cpufreq.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "agent/collectors/collector.h"

namespace parc::agent::collectors::linux_ {

/// What /proc/cpuinfo says about the first processor, and counts over all of them.
struct CpuInfo {
  std::optional<std::string> vendor;     // vendor_id (x86), or "CPU implementer" (ARM)
  std::optional<std::string> modelName;  // "model name", or "Hardware"/"Processor" (ARM)
  std::optional<std::int64_t> family;    // "cpu family"
  std::optional<std::int64_t> model;     // "model"
  std::optional<std::int64_t> stepping;  // "stepping"
  std::optional<std::string> microcode;  // "microcode"
  std::optional<double> mhz;             // "cpu MHz" of the first processor
  int threads = 0;                       // "processor" entries
  int packages = 0;                      // distinct "physical id" (0 when absent)
  int cores = 0;                         // distinct (physical id, core id) (0 when absent)
  bool hypervisor = false;               // "hypervisor" flag: running in a VM
  std::optional<std::string> virtualizationExtension;  // "vmx" -> "vt-x", "svm" -> "amd-v"
};

CpuInfo parseCpuinfo(std::string_view text);

/// A sysfs cache size ("48K", "2048K", "32M") in bytes.
std::optional<std::int64_t> parseCacheSize(std::string_view text);

CollectorPtr makeCpuCollector();

}  // namespace parc::agent::collectors::linux_
