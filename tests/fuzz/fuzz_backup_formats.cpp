// libFuzzer target: the backup formats a restoring agent or the server reads from
// storage it does not fully trust (common/backup/): manifests, snapshot objects, packs.
// A refusal is parc::Error; a crash, a sanitizer report or another exception is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/backup/manifest.h"
#include "common/backup/pack.h"
#include "common/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  using namespace parc::backup;
  try {
    (void)decodeManifest(bytes);
  } catch (const parc::Error&) {
  }
  try {
    (void)decodeSnapshot(bytes);
  } catch (const parc::Error&) {
  }
  try {
    (void)parsePack(bytes, "fuzz");
  } catch (const parc::Error&) {
  }
  return 0;
}
