#pragma once
// RAII for the libxml2 handles of the Factur-X writer and reader (internal header).
#include <libxml/tree.h>
#include <libxml/xmlstring.h>

#include <memory>
#include <string>

namespace parc::modules::facturation::facturx::detail {

struct DocDeleter {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocDeleter>;

struct XmlCharDeleter {
  void operator()(xmlChar* p) const { xmlFree(p); }
};
using XmlCharPtr = std::unique_ptr<xmlChar, XmlCharDeleter>;

inline const xmlChar* x(const char* s) {
  return reinterpret_cast<const xmlChar*>(s);
}
inline const xmlChar* x(const std::string& s) {
  return x(s.c_str());
}

inline constexpr const char* kNsRsm =
    "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";
inline constexpr const char* kNsRam =
    "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100";
inline constexpr const char* kNsUdt = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100";
inline constexpr const char* kNsQdt = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100";

}  // namespace parc::modules::facturation::facturx::detail
