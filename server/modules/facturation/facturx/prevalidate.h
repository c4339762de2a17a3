#pragma once
// Our own check of the main EN 16931 business rules before an invoice is written, so a
// billing run refuses a bad invoice with the same rule id the official schematron would
// report (BR-CO-10, BR-S-08, BR-CL-04, …) instead of emitting an invalid document.
#include <string>
#include <vector>

#include "server/modules/facturation/facturx/invoice.h"

namespace parc::modules::facturation::facturx {

struct Finding {
  std::string ruleId;   // EN 16931 / BR-FR rule id, e.g. "BR-CO-10"
  std::string message;  // what is wrong, with the amounts involved
};

struct PrevalidateOptions {
  /// Apply the French CTC rules we can check from our data (BR-FR-10 seller SIREN,
  /// BR-FR-09 SIRET/SIREN coherence, BR-FR-05 mandatory notes, BR-FR-08 billing mode).
  bool frenchRules = false;
};

/// Every rule broken, in a stable order; empty when the invoice is fine.
std::vector<Finding> prevalidate(const Invoice& invoice, const PrevalidateOptions& options = {});

/// "BR-CO-10: …; BR-S-08: …" for an error message.
std::string describe(const std::vector<Finding>& findings);

}  // namespace parc::modules::facturation::facturx
