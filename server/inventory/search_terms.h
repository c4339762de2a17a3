#pragma once
// The words a technician types to find a PC ("dupont", "192.168.1.20", "libreoffice",
// a MAC, a serial): taken from the host's inventory into a full-text index, so that the
// hosts list searches 10,000 hosts without reading their documents.
#include <string>

#include "common/json/json.h"

namespace parc::server::inventory {

/// Space-separated terms: host name, serials, people's accounts and logged-in users,
/// IP and MAC addresses, installed software names. Bounded in size.
std::string searchTerms(const Json& inventory);

}  // namespace parc::server::inventory
