#pragma once
// Section "printers": CUPS queues from etc/cups/printers.conf (written by cupsd; mode
// 0600, so root only). Device URIs may carry credentials (smb://user:password@host/q,
// ipp://user:pass@host/...): they are removed before anything leaves the parser.
#include <string>
#include <string_view>

#include "agent/collectors/collector.h"

namespace parc::agent::collectors::linux_ {

/// printers.conf's <Printer NAME> / <DefaultPrinter NAME> blocks as printer objects
/// (name, default, description, location, make_model, uri, state, shared, accepting,
/// network), in file order.
Json parsePrintersConf(std::string_view text);

/// A device URI without its user information (user:password@) and without query
/// parameters that look like secrets (password=, token=...).
std::string withoutCredentials(std::string_view uri);

CollectorPtr makePrintersCollector();

}  // namespace parc::agent::collectors::linux_
