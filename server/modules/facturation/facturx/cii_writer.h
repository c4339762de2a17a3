#pragma once
// facturx::Invoice → Cross Industry Invoice XML (UN/CEFACT D16B as profiled by Factur-X
// 1.0.9 EN 16931, guideline urn:cen.eu:en16931:2017). Built as a libxml2 tree, never by
// string concatenation; every amount printed exactly from its integer.
#include <string>

#include "server/modules/facturation/facturx/invoice.h"

namespace parc::modules::facturation::facturx {

inline constexpr const char* kGuidelineEn16931 = "urn:cen.eu:en16931:2017";

struct WriteOptions {
  /// Run prevalidate() first and refuse (parc::Error kBadRequest, rule ids in the message)
  /// an invoice that breaks a business rule. Tests switch it off to feed the schematron
  /// deliberately broken invoices.
  bool prevalidate = true;
  /// With prevalidate: the French CTC rules too (PrevalidateOptions::frenchRules), for
  /// invoices to public bodies.
  bool frenchRules = false;
};

/// UTF-8 XML document. Throws parc::Error(kBadRequest) when pre-validation fails.
std::string writeCii(const Invoice& invoice, const WriteOptions& options = {});

}  // namespace parc::modules::facturation::facturx
