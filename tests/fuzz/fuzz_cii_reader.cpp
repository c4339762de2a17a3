// libFuzzer target: the CII invoice reader (server/modules/facturation/facturx/), which
// reads invoices imported by a secretary or received from suppliers: any bytes. A refusal
// is parc::Error; a crash, a sanitizer report or another exception is a finding. What is
// read is written back (the reader's output must always be something the writer takes or
// refuses cleanly).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/error.h"
#include "server/modules/facturation/facturx/cii_reader.h"
#include "server/modules/facturation/facturx/cii_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  using namespace parc::modules::facturation::facturx;
  try {
    auto read = readCii(bytes);
    (void)writeCii(read.invoice);
  } catch (const parc::Error&) {
  }
  return 0;
}
