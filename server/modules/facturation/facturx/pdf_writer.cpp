#include "server/modules/facturation/facturx/pdf_writer.h"

#include <cairo-pdf.h>
#include <cairo.h>

#include <fstream>
#include <memory>
#include <qpdf/Buffer.hh>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFEFStreamObjectHelper.hh>
#include <qpdf/QPDFEmbeddedFileDocumentHelper.hh>
#include <qpdf/QPDFFileSpecObjectHelper.hh>
#include <qpdf/QPDFWriter.hh>
#include <sstream>
#include <vector>

#include "common/error.h"
#include "server/modules/facturation/facturx/codes.h"

namespace parc::modules::facturation::facturx {
namespace {

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct CairoDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};

cairo_status_t appendToString(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

// "1234.50" → "1 234,50 €": French display of an exact amount.
std::string euros(Cents c, const std::string& currency) {
  std::string s = formatScaled(c, 2);
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) s.erase(0, 1);
  const auto dot = s.find('.');
  std::string whole = s.substr(0, dot), grouped;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) grouped += "\u202f";
    grouped += whole[i];
  }
  return (negative ? "-" : "") + grouped + "," + s.substr(dot + 1) +
         (currency == "EUR" ? " €" : " " + currency);
}

std::string frenchDecimal(std::int64_t v, int decimals) {
  std::string s = formatScaled(v, decimals);
  // Drop trailing zeros beyond two decimals for quantities and prices.
  while (s.find('.') != std::string::npos && s.back() == '0' && s.size() - s.find('.') > 3) {
    s.pop_back();
  }
  if (s.size() >= 3 && s.substr(s.size() - 3) == ".00" && decimals == 3) s.resize(s.size() - 3);
  for (char& ch : s) {
    if (ch == '.') ch = ',';
  }
  return s;
}

std::string frenchDate(const std::string& iso) {
  return iso.size() == 10 ? iso.substr(8, 2) + "/" + iso.substr(5, 2) + "/" + iso.substr(0, 4)
                          : iso;
}

// Draws with cairo's toy text API: DejaVu Sans found by fontconfig, embedded as subsets.
class Page {
 public:
  explicit Page(std::string& out)
      : surface_(cairo_pdf_surface_create_for_stream(appendToString, &out, kWidth, kHeight)),
        cr_(cairo_create(surface_.get())) {
    if (cairo_surface_status(surface_.get()) != CAIRO_STATUS_SUCCESS) {
      throw Error(ErrorKind::kInternal, "cairo: cannot create the PDF surface");
    }
    cairo_set_source_rgb(cr_.get(), 0, 0, 0);
  }
  void font(double size, bool bold = false) {
    cairo_select_font_face(cr_.get(), "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr_.get(), size);
    size_ = size;
  }
  void text(double x, const std::string& s) {
    cairo_move_to(cr_.get(), x, y_);
    cairo_show_text(cr_.get(), s.c_str());
  }
  void right(double xRight, const std::string& s) {
    cairo_text_extents_t e;
    cairo_text_extents(cr_.get(), s.c_str(), &e);
    cairo_move_to(cr_.get(), xRight - e.x_advance, y_);
    cairo_show_text(cr_.get(), s.c_str());
  }
  // Wraps on spaces to `width` points; returns lines drawn.
  void paragraph(double x, double width, const std::string& s) {
    std::istringstream words(s);
    std::string word, line;
    auto flush = [&] {
      if (line.empty()) return;
      newPageIfNeeded();
      text(x, line);
      down(size_ * 1.35);
      line.clear();
    };
    while (words >> word) {
      std::string candidate = line.empty() ? word : line + " " + word;
      cairo_text_extents_t e;
      cairo_text_extents(cr_.get(), candidate.c_str(), &e);
      if (e.x_advance > width && !line.empty()) {
        flush();
        line = word;
      } else {
        line = candidate;
      }
    }
    flush();
  }
  void rule(double x0, double x1) {
    cairo_set_line_width(cr_.get(), 0.5);
    cairo_move_to(cr_.get(), x0, y_);
    cairo_line_to(cr_.get(), x1, y_);
    cairo_stroke(cr_.get());
  }
  void down(double dy) { y_ += dy; }
  void at(double y) { y_ = y; }
  double y() const { return y_; }
  void newPageIfNeeded() {
    if (y_ < kHeight - 60) return;
    cairo_show_page(cr_.get());
    y_ = 60;
    font(size_);
  }
  void finish() {
    cairo_show_page(cr_.get());
    cr_.reset();
    cairo_surface_finish(surface_.get());
    if (cairo_surface_status(surface_.get()) != CAIRO_STATUS_SUCCESS) {
      throw Error(ErrorKind::kInternal, "cairo: cannot write the PDF");
    }
  }
  static constexpr double kWidth = 595.28, kHeight = 841.89, kLeft = 50, kRight = 545;

 private:
  std::unique_ptr<cairo_surface_t, SurfaceDeleter> surface_;
  std::unique_ptr<cairo_t, CairoDeleter> cr_;
  double y_ = 60;
  double size_ = 10;
};

void drawAddress(Page& p, double x, const Party& party) {
  for (const std::string& l : {party.address.line1, party.address.line2,
                               party.address.postcode + " " + party.address.city}) {
    if (l.empty() || l == " ") continue;
    p.text(x, l);
    p.down(13);
  }
}

std::string draw(const Invoice& inv) {
  std::string out;
  Page p(out);
  const std::string& cur = inv.currency;
  // Header: the commune (seller) left, the payer right.
  p.font(14, true);
  p.text(Page::kLeft, inv.seller.name);
  p.down(16);
  p.font(9);
  drawAddress(p, Page::kLeft, inv.seller);
  if (!inv.seller.siret.empty()) {
    p.text(Page::kLeft, "SIRET " + inv.seller.siret);
    p.down(13);
  }
  const double afterSeller = p.y();
  p.at(130);
  p.font(10, true);
  p.text(330, inv.buyer.name);
  p.down(14);
  p.font(10);
  drawAddress(p, 330, inv.buyer);
  p.at(std::max(p.y(), afterSeller) + 30);

  p.font(16, true);
  p.text(Page::kLeft,
         std::string(inv.typeCode == "381" ? "Avoir" : "Facture") + " n° " + inv.number);
  p.down(20);
  p.font(10);
  p.text(Page::kLeft, "Date d'émission : " + frenchDate(inv.issueDate));
  if (!inv.dueDate.empty()) p.right(Page::kRight, "Échéance : " + frenchDate(inv.dueDate));
  p.down(14);
  if (!inv.periodStart.empty()) {
    p.text(Page::kLeft,
           "Période : du " + frenchDate(inv.periodStart) + " au " + frenchDate(inv.periodEnd));
    p.down(14);
  }
  if (!inv.precedingInvoice.empty()) {
    p.text(Page::kLeft,
           "Rectifie la facture n° " + inv.precedingInvoice +
               (inv.precedingInvoiceDate.empty() ? ""
                                                 : " du " + frenchDate(inv.precedingInvoiceDate)));
    p.down(14);
  }
  if (!inv.buyerReference.empty()) {
    p.text(Page::kLeft, "Référence acheteur / code service : " + inv.buyerReference);
    p.down(14);
  }

  // Lines.
  p.down(16);
  p.font(9, true);
  p.text(Page::kLeft, "Désignation");
  p.right(360, "Quantité");
  p.right(430, "Prix unitaire");
  p.right(470, "TVA");
  p.right(Page::kRight, "Montant HT");
  p.down(5);
  p.rule(Page::kLeft, Page::kRight);
  p.down(13);
  p.font(9);
  for (const Line& l : inv.lines) {
    p.newPageIfNeeded();
    p.text(Page::kLeft, l.name.size() > 60 ? l.name.substr(0, 57) + "..." : l.name);
    p.right(360, frenchDecimal(l.quantity, 3));
    p.right(430, frenchDecimal(l.netUnitPrice, 4));
    p.right(470, l.vatCategory == VatCategory::kStandard
                     ? frenchDecimal(l.vatRate, 2) + " %"
                     : std::string(categoryCode(l.vatCategory)));
    p.right(Page::kRight, euros(l.netAmount, cur));
    p.down(13);
  }
  p.rule(Page::kLeft, Page::kRight);
  p.down(16);

  // Totals.
  auto total = [&](const std::string& label, Cents c, bool bold = false) {
    p.font(10, bold);
    p.right(440, label);
    p.right(Page::kRight, euros(c, cur));
    p.down(14);
  };
  total("Total HT", inv.totals.taxBasisTotal);
  for (const VatBreakdown& v : inv.vat) {
    if (v.category == VatCategory::kStandard) {
      total("TVA " + frenchDecimal(v.rate, 2) + " % sur " + euros(v.taxableAmount, cur),
            v.taxAmount);
    } else if (!v.exemptionReason.empty()) {
      p.font(8);
      p.right(Page::kRight, v.exemptionReason);
      p.down(12);
    }
  }
  total("Total TTC", inv.totals.grandTotal);
  if (inv.totals.prepaid != 0) total("Déjà payé", inv.totals.prepaid);
  total(inv.typeCode == "381" ? "Montant de l'avoir" : "Net à payer", inv.totals.duePayable, true);
  p.down(10);

  // Payment information and mandatory mentions.
  p.font(10, true);
  p.text(Page::kLeft, "Paiement");
  p.down(14);
  p.font(9);
  if (!inv.paymentTerms.empty())
    p.paragraph(Page::kLeft, Page::kRight - Page::kLeft, inv.paymentTerms);
  if (inv.payment) {
    const PaymentMeans& pm = *inv.payment;
    if (pm.typeCode == "59" || pm.typeCode == "49") {
      p.paragraph(Page::kLeft, 495,
                  "Prélèvement SEPA sur le compte " + pm.iban + " — mandat " + pm.mandateReference +
                      ", créancier " + pm.creditorId);
    } else if (!pm.iban.empty()) {
      p.paragraph(Page::kLeft, 495,
                  "Virement : IBAN " + pm.iban + (pm.bic.empty() ? "" : "  BIC " + pm.bic));
    }
    if (!pm.remittanceInfo.empty()) {
      p.paragraph(Page::kLeft, 495, "Référence de paiement : " + pm.remittanceInfo);
    }
  }
  p.down(8);
  for (const std::string& n : inv.notes) p.paragraph(Page::kLeft, 495, n);
  for (const Note& n : inv.subjectNotes) p.paragraph(Page::kLeft, 495, n.content);
  p.down(6);
  p.font(7);
  p.paragraph(Page::kLeft, 495,
              "Document Factur-X (profil EN 16931) : les données de cette facture sont jointes "
              "au fichier PDF (factur-x.xml).");
  p.finish();
  return out;
}

std::string xmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// XMP with PDF/A-3B identification and the Factur-X extension schema (Factur-X 1.0.9 §6).
std::string xmp(const std::string& title, const std::string& date) {
  return R"(<?xpacket begin="﻿" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
<pdfaid:part>3</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">)" +
         xmlEscape(title) + R"(</rdf:li></rdf:Alt></dc:title>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
<xmp:CreatorTool>Parc facturation</xmp:CreatorTool>
<xmp:CreateDate>)" +
         date + R"(</xmp:CreateDate><xmp:ModifyDate>)" + date +
         R"(</xmp:ModifyDate>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<pdf:Producer>Parc facturation (cairo, qpdf)</pdf:Producer>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>fx</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq>
<rdf:li rdf:parseType="Resource"><pdfaProperty:name>DocumentFileName</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>The name of the embedded XML document</pdfaProperty:description></rdf:li>
<rdf:li rdf:parseType="Resource"><pdfaProperty:name>DocumentType</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>The type of the hybrid document in capital letters, e.g. INVOICE or ORDER</pdfaProperty:description></rdf:li>
<rdf:li rdf:parseType="Resource"><pdfaProperty:name>Version</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>The actual version of the standard applying to the embedded XML document</pdfaProperty:description></rdf:li>
<rdf:li rdf:parseType="Resource"><pdfaProperty:name>ConformanceLevel</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>The conformance level of the embedded XML document</pdfaProperty:description></rdf:li>
</rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:fx="urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#">
<fx:DocumentType>INVOICE</fx:DocumentType>
<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>
<fx:Version>1.0</fx:Version>
<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>)";
}

std::string pdfDate(const std::string& xmpDate) {
  // 2026-02-02T00:00:00Z → D:20260202000000Z
  std::string d = "D:";
  for (char c : xmpDate) {
    if (std::isdigit(static_cast<unsigned char>(c))) d += c;
  }
  return d + "Z";
}

}  // namespace

std::string writePdf(const Invoice& inv, const std::string& ciiXml, const PdfOptions& options) {
  const std::string title = options.title.empty()
                                ? (inv.typeCode == "381" ? "Avoir " : "Facture ") + inv.number
                                : options.title;
  const std::string date =
      options.date.empty() ? (inv.issueDate.empty() ? "2000-01-01" : inv.issueDate) + "T00:00:00Z"
                           : options.date;
  const std::string drawn = draw(inv);
  try {
    QPDF pdf;
    pdf.processMemoryFile("invoice.pdf", drawn.data(), drawn.size());
    QPDFObjectHandle root = pdf.getRoot();

    // The XML: embedded file stream + file spec with AFRelationship, listed in /AF and
    // in the EmbeddedFiles name tree (Factur-X 1.0.9 §5, PDF/A-3 §6.8).
    auto ef = QPDFEFStreamObjectHelper::createEFStream(pdf, ciiXml);
    ef.setSubtype("text/xml");
    ef.setModDate(pdfDate(date));
    auto spec = QPDFFileSpecObjectHelper::createFileSpec(pdf, "factur-x.xml", ef);
    spec.setDescription("Factur-X invoice (EN 16931)");
    QPDFObjectHandle specObj = spec.getObjectHandle();
    specObj.replaceKey("/AFRelationship", QPDFObjectHandle::newName("/Data"));
    QPDFEmbeddedFileDocumentHelper(pdf).replaceEmbeddedFile("factur-x.xml", spec);
    root.replaceKey("/AF", QPDFObjectHandle::newArray({specObj}));

    // XMP metadata, uncompressed as PDF/A readers expect to find it.
    QPDFObjectHandle meta = QPDFObjectHandle::newStream(&pdf, xmp(title, date));
    meta.getDict().replaceKey("/Type", QPDFObjectHandle::newName("/Metadata"));
    meta.getDict().replaceKey("/Subtype", QPDFObjectHandle::newName("/XML"));
    root.replaceKey("/Metadata", meta);
    root.replaceKey("/MarkInfo", QPDFObjectHandle::parse("<< /Marked true >>"));
    root.replaceKey("/Lang", QPDFObjectHandle::newUnicodeString("fr-FR"));

    // Output intent with an sRGB profile when the system has one (cairo paints DeviceRGB).
    std::ifstream icc(options.iccProfile, std::ios::binary);
    if (icc) {
      std::string profile((std::istreambuf_iterator<char>(icc)), std::istreambuf_iterator<char>());
      QPDFObjectHandle iccStream = QPDFObjectHandle::newStream(&pdf, profile);
      iccStream.getDict().replaceKey("/N", QPDFObjectHandle::newInteger(3));
      QPDFObjectHandle intent = QPDFObjectHandle::parse(
          "<< /Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier (sRGB IEC61966-2.1) >>");
      intent.replaceKey("/DestOutputProfile", iccStream);
      root.replaceKey("/OutputIntents", QPDFObjectHandle::newArray({intent}));
    }

    // Info dictionary consistent with the XMP (PDF/A requires both to agree).
    QPDFObjectHandle info = QPDFObjectHandle::newDictionary();
    info.replaceKey("/Title", QPDFObjectHandle::newUnicodeString(title));
    info.replaceKey("/Creator", QPDFObjectHandle::newUnicodeString("Parc facturation"));
    info.replaceKey("/Producer",
                    QPDFObjectHandle::newUnicodeString("Parc facturation (cairo, qpdf)"));
    info.replaceKey("/CreationDate", QPDFObjectHandle::newString(pdfDate(date)));
    info.replaceKey("/ModDate", QPDFObjectHandle::newString(pdfDate(date)));
    pdf.getTrailer().replaceKey("/Info", pdf.makeIndirectObject(info));

    QPDFWriter writer(pdf);
    writer.setOutputMemory();
    writer.setMinimumPDFVersion("1.7");
    writer.setCompressStreams(
        false);  // leaves the XMP (and XML) readable; cairo's are already flate
    writer.setObjectStreamMode(qpdf_o_disable);  // PDF/A-friendly classic xref
    writer.write();
    std::unique_ptr<Buffer> buffer(writer.getBuffer());
    return {reinterpret_cast<const char*>(buffer->getBuffer()), buffer->getSize()};
  } catch (const std::exception& e) {
    throw Error(ErrorKind::kInternal,
                std::string("qpdf: cannot finish the invoice PDF: ") + e.what());
  }
}

}  // namespace parc::modules::facturation::facturx
