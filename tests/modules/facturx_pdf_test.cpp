// The family's PDF: structurally sound for qpdf --check, the CII XML embedded byte for
// byte as factur-x.xml with AFRelationship /Data and listed in /AF, Factur-X + PDF/A-3
// XMP metadata, PDF 1.7, readable text (the invoice number is drawn).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFEmbeddedFileDocumentHelper.hh>
#include <sstream>

#include "server/modules/facturation/facturx/cii_reader.h"
#include "server/modules/facturation/facturx/cii_writer.h"
#include "server/modules/facturation/facturx/pdf_writer.h"
#include "tests/modules/facturx_samples.h"

namespace fx = parc::modules::facturation::facturx;
namespace fs = std::filesystem;

namespace {

std::string run(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  *status = pclose(p);
  return out;
}

}  // namespace

TEST(FacturxPdf, EmbedsTheXmlWithFacturxMetadata) {
  const fs::path dir = fs::temp_directory_path() / ("facturx-pdf-" + std::to_string(getpid()));
  fs::create_directories(dir);
  for (const auto& inv : {fx::samples::canteenExempt(), fx::samples::mixedRates(),
                          fx::samples::creditNote(), fx::samples::directDebit()}) {
    const std::string xml = fx::writeCii(inv);
    const std::string pdfBytes = fx::writePdf(inv, xml);
    ASSERT_EQ(pdfBytes.rfind("%PDF-1.7", 0), 0u) << inv.number;
    const fs::path file = dir / (inv.number + ".pdf");
    std::ofstream(file, std::ios::binary) << pdfBytes;

    int status = -1;
    const std::string check = run("qpdf --check " + file.string() + " 2>&1", &status);
    EXPECT_EQ(status, 0) << check;
    EXPECT_NE(check.find("No syntax or stream encoding errors"), std::string::npos) << check;

    QPDF pdf;
    pdf.processMemoryFile("invoice.pdf", pdfBytes.data(), pdfBytes.size());
    QPDFEmbeddedFileDocumentHelper files(pdf);
    auto spec = files.getEmbeddedFile("factur-x.xml");
    ASSERT_TRUE(spec) << inv.number;
    auto data = spec->getEmbeddedFileStream().getStreamData(qpdf_dl_all);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(data->getBuffer()), data->getSize()), xml);
    EXPECT_EQ(spec->getObjectHandle().getKey("/AFRelationship").getName(), "/Data");
    EXPECT_EQ(spec->getEmbeddedFileStream().getDict().getKey("/Subtype").getName(), "/text/xml");
    auto af = pdf.getRoot().getKey("/AF");
    ASSERT_TRUE(af.isArray());
    EXPECT_EQ(af.getArrayItem(0).getObjGen(), spec->getObjectHandle().getObjGen());

    auto meta = pdf.getRoot().getKey("/Metadata");
    ASSERT_TRUE(meta.isStream());
    auto m = meta.getStreamData(qpdf_dl_all);
    const std::string xmp(reinterpret_cast<const char*>(m->getBuffer()), m->getSize());
    EXPECT_NE(xmp.find("<fx:DocumentType>INVOICE</fx:DocumentType>"), std::string::npos);
    EXPECT_NE(xmp.find("<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>"), std::string::npos);
    EXPECT_NE(xmp.find("<pdfaid:part>3</pdfaid:part>"), std::string::npos);
    EXPECT_NE(xmp.find(inv.number), std::string::npos);

    // PDF/A output intent with the sRGB profile (colord-data, see install-deps.sh).
    if (fs::exists(fx::PdfOptions{}.iccProfile)) {
      auto intents = pdf.getRoot().getKey("/OutputIntents");
      ASSERT_TRUE(intents.isArray()) << inv.number;
      auto intent = intents.getArrayItem(0);
      EXPECT_EQ(intent.getKey("/S").getName(), "/GTS_PDFA1");
      EXPECT_TRUE(intent.getKey("/DestOutputProfile").isStream());
    }
    EXPECT_EQ(pdf.getTrailer().getKey("/Info").getKey("/Title").getUTF8Value(),
              (inv.typeCode == "381" ? "Avoir " : "Facture ") + inv.number);
    EXPECT_TRUE(pdf.getTrailer().getKey("/ID").isArray());

    // The attachment as any PDF tool extracts it is the invoice again.
    const std::string extracted =
        run("qpdf --show-attachment=factur-x.xml " + file.string(), &status);
    EXPECT_EQ(status, 0);
    EXPECT_EQ(fx::readCii(extracted).invoice.number, inv.number);

    // Text is drawn with an embedded font (PDF/A forbids non-embedded ones).
    const std::string fonts =
        run("qpdf --qdf --object-streams=disable " + file.string() + " - | grep -a -c FontFile",
            &status);
    EXPECT_GT(std::atoi(fonts.c_str()), 0) << inv.number;
  }
  fs::remove_all(dir);
}

TEST(FacturxPdf, SameInvoiceSameSize) {
  const auto inv = fx::samples::mixedRates();
  const std::string xml = fx::writeCii(inv);
  EXPECT_EQ(fx::writePdf(inv, xml).size(), fx::writePdf(inv, xml).size());
}
