#pragma once
// Cross Industry Invoice XML → facturx::Invoice. Business terms our model does not carry
// are never dropped silently: their element paths come back in `unsupported`, so an
// import can show what would be lost before the invoice is re-emitted.
#include <string>
#include <string_view>
#include <vector>

#include "server/modules/facturation/facturx/invoice.h"

namespace parc::modules::facturation::facturx {

struct ReadResult {
  Invoice invoice;
  std::string guideline;                 // BT-24, e.g. urn:cen.eu:en16931:2017
  std::vector<std::string> unsupported;  // distinct element paths we did not map, in order
};

/// Throws parc::Error(kTooLarge) over 32 MiB, parc::Error(kBadRequest) for malformed XML, a root
/// that is not rsm:CrossIndustryInvoice, or an amount/date we cannot represent exactly. External
/// entities and network access are disabled.
ReadResult readCii(std::string_view xml);

}  // namespace parc::modules::facturation::facturx
