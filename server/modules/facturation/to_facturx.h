#pragma once
// An issued invoice or credit note of the module as the EN 16931 model the Factur-X
// writer speaks (facturx/invoice.h).
#include "server/modules/facturation/facturx/invoice.h"
#include "server/modules/facturation/store.h"

namespace parc::modules::facturation {

facturx::Invoice toFacturx(const Invoice& invoice);

}  // namespace parc::modules::facturation
