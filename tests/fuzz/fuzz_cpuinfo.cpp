// libFuzzer target: /proc/cpuinfo (x86 and ARM layouts) and sysfs cache sizes; the
// fields the cpu collector keeps, as the inventory's canonical text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/collectors/linux/cpu.h"
#include "agent/collectors/linux/read.h"
#include "common/error.h"
#include "tests/fuzz/fuzz_support.h"

using namespace parc::agent::collectors::linux_;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    CpuInfo info = parseCpuinfo(text);
    // As putCpuinfo in agent/collectors/linux/cpu.cpp.
    parc::Json cpu = parc::Json::object();
    setIf(cpu, "vendor", info.vendor);
    setIf(cpu, "model_name", info.modelName);
    setIf(cpu, "family", info.family);
    setIf(cpu, "model", info.model);
    setIf(cpu, "stepping", info.stepping);
    setIf(cpu, "microcode", info.microcode);
    setIf(cpu, "current_mhz", info.mhz);
    setIf(cpu, "virtualization_extension", info.virtualizationExtension);
    cpu["threads"] = info.threads;
    cpu["packages"] = info.packages;
    cpu["cores"] = info.cores;
    parc::fuzz::serialise(cpu);
    (void)parseCacheSize(text);
  } catch (const parc::Error&) {
  }
  return 0;
}
