#pragma once
// The invoice a family reads: an A4 PDF in French (commune header, payer address, lines,
// totals, mandatory mentions, payment information) with the CII XML embedded as
// `factur-x.xml` (AFRelationship /Data), Factur-X XMP metadata and PDF/A-3B
// identification. Drawn with cairo, then finished with qpdf (attachment, XMP, output
// intent). No veraPDF here: conformance is checked structurally, see docs.
#include <string>

#include "server/modules/facturation/facturx/invoice.h"

namespace parc::modules::facturation::facturx {

struct PdfOptions {
  std::string title;  // document title in the metadata; default "Facture <number>"
  /// sRGB ICC profile for the PDF/A output intent; skipped when the file is absent
  /// (Debian colord-data ships this one). Without it the file is PDF/A-3 in intent only.
  std::string iccProfile = "/usr/share/color/icc/colord/sRGB.icc";
  /// xmp:CreateDate / ModDate; default the invoice issue date at 00:00Z, so the same
  /// invoice always gives the same bytes apart from the /ID.
  std::string date;
};

/// PDF bytes. `ciiXml` is embedded verbatim (the caller writes it with writeCii()).
/// Throws parc::Error(kInternal) when cairo or qpdf fail.
std::string writePdf(const Invoice& invoice, const std::string& ciiXml,
                     const PdfOptions& options = {});

}  // namespace parc::modules::facturation::facturx
