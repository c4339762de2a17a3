#pragma once
// An issued invoice or credit note of the module as the EN 16931 model the Factur-X
// writer speaks (facturx/invoice.h).
#include "server/modules/facturation/facturx/invoice.h"
#include "server/modules/facturation/store.h"

namespace parc::modules::facturation {

facturx::Invoice toFacturx(const Invoice& invoice);

/// Whether the payer, as issued, is a public body (a SIRET): a B2G invoice for Chorus Pro,
/// written with the buyer's identifiers, the billing mode (BT-23) and the French CTC
/// notes, and checked with the BR-FR rules as well.
bool isPublicBuyer(const Invoice& invoice);

}  // namespace parc::modules::facturation
