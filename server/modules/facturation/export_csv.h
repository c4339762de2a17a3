#pragma once
// The month's issued documents as revenue titles for the accounting side (one row per
// invoice or credit note), until the PES V2 Recette flow comes with the comptabilité
// module. Columns are documented in docs/modules.md ("Revenue titles CSV").
#include <string>
#include <vector>

#include "server/modules/facturation/store.h"

namespace parc::modules::facturation {

/// UTF-8, ';'-separated, '.' decimal point, one header line, CRLF line ends; fields
/// quoted when they hold ';', '"' or a line break.
std::string revenueTitlesCsv(const std::vector<Invoice>& documents);

}  // namespace parc::modules::facturation
