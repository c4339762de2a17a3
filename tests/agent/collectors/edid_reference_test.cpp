// Decodes every real EDID in shared/reference/hardware/edid (linuxhw/EDID, CC BY 4.0)
// and compares with the edid-decode text stored in the same file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "agent/collectors/linux/edid.h"

namespace parc::agent::collectors::linux_ {
namespace {

namespace fs = std::filesystem;

fs::path edidDir() { return fs::path(PARC_SHARED_DIR) / "reference/hardware/edid"; }

struct Report {
  std::string bytes;                // the EDID as the kernel would return it
  std::vector<std::string> decode;  // edid-decode's text, first decode only
};

std::string hexToBytes(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// Per SOURCE.md: the spaced hex block after "edid-decode (hex):", trimmed to
// (byte 126 + 1) x 128 bytes; the decode runs from there to the conformity notes.
Report readReport(const fs::path& file, bool trimToAnnounced = true) {
  std::ifstream in(file);
  std::string line;
  Report r;
  static const std::regex kHexLine("^([0-9a-f]{2} ){0,15}[0-9a-f]{2}$");
  enum { kBefore, kHex, kDecode, kDone } state = kBefore;
  std::string hex;
  while (std::getline(in, line)) {
    if (state == kBefore && line == "edid-decode (hex):") {
      state = kHex;
    } else if (state == kHex) {
      if (std::regex_match(line, kHexLine)) {
        for (char c : line) {
          if (c != ' ') hex.push_back(c);
        }
      } else if (line == "----------------") {
        state = kDecode;
      }
    } else if (state == kDecode) {
      // Blocks are separated by dashes; the conformity notes that follow the last block
      // repeat block headings and must not be read as the decode.
      if (line.rfind("Failures:", 0) == 0 || line.rfind("Warnings:", 0) == 0 ||
          line.rfind("EDID conformity:", 0) == 0) {
        state = kDone;
      } else if (line != "----------------") {
        r.decode.push_back(line);
      }
    }
  }
  r.bytes = hexToBytes(hex);
  if (trimToAnnounced && r.bytes.size() >= 128) {
    std::size_t want = (static_cast<unsigned char>(r.bytes[126]) + 1u) * 128u;
    if (r.bytes.size() > want) r.bytes.resize(want);
  }
  return r;
}

std::optional<std::string> field(const std::vector<std::string>& lines, const std::string& re,
                                 bool baseOnly = true) {
  std::regex rx(re);
  bool inBase = false;
  for (const auto& l : lines) {
    if (l.rfind("Block ", 0) == 0) inBase = l.rfind("Block 0,", 0) == 0;
    if (baseOnly && !inBase) continue;
    std::smatch m;
    if (std::regex_search(l, m, rx)) return m[1].str();
  }
  return std::nullopt;
}

std::string extensionNameFromText(const std::string& heading) {
  if (heading.find("CTA-861") != std::string::npos) return "CTA-861";
  if (heading.find("DisplayID") != std::string::npos) return "DisplayID";
  if (heading.find("Block Map") != std::string::npos) return "Block Map";
  if (heading.find("Display Information") != std::string::npos) return "DI-EXT";
  if (heading.find("Video Timing") != std::string::npos) return "VTB-EXT";
  return "Unknown";
}

// Compares one file; returns the differences (empty = pass). `compared` counts the
// fields actually found in the text, so that a regex that stops matching shows up.
std::vector<std::string> check(const Report& r, std::map<std::string, int>& compared) {
  std::vector<std::string> diffs;
  std::vector<std::string> problems;
  auto e = parseEdid(r.bytes, problems);
  if (!e) return {"not decoded: " + (problems.empty() ? std::string() : problems[0])};
  auto expect = [&](const std::string& what, const std::string& got,
                    const std::optional<std::string>& want) {
    if (want) ++compared[what];
    if (want && *want != got) diffs.push_back(what + ": got '" + got + "' want '" + *want + "'");
  };
  expect("manufacturer", e->manufacturer, field(r.decode, R"(^    Manufacturer: (\S+))"));
  expect("model", std::to_string(e->productCode), field(r.decode, R"(^    Model: (\d+))"));
  expect("version", std::to_string(e->versionMajor) + "." + std::to_string(e->versionMinor),
         field(r.decode, R"(EDID Structure Version & Revision: (\d\.\d))"));
  if (auto s = field(r.decode, R"(^    Serial Number: (\d+))")) {
    expect("serial", e->serialNumber ? std::to_string(*e->serialNumber) : "none", s);
  }
  if (auto week = field(r.decode, R"(Made in: week (\d+) of)")) {
    expect("week", e->week ? std::to_string(*e->week) : "none", week);
    expect("year", e->year ? std::to_string(*e->year) : "none",
           field(r.decode, R"(Made in: week \d+ of (\d+))"));
  } else if (auto year = field(r.decode, R"(Made in: (\d+))")) {
    expect("year", e->year ? std::to_string(*e->year) : "none", year);
    if (e->week) diffs.push_back("week: got " + std::to_string(*e->week) + " want none");
  }
  if (auto my = field(r.decode, R"(Model year: (\d+))")) {
    expect("model year", e->modelYear ? std::to_string(*e->modelYear) : "none", my);
  }
  if (auto w = field(r.decode, R"(Maximum image size: (\d+) cm x)")) {
    expect("width", std::to_string(e->widthCm), w);
    expect("height", std::to_string(e->heightCm),
           field(r.decode, R"(Maximum image size: \d+ cm x (\d+) cm)"));
  } else if (field(r.decode, R"((Image size is variable))")) {
    expect("size", std::to_string(e->widthCm) + "x" + std::to_string(e->heightCm),
           std::string("0x0"));
  }
  if (auto kind = field(r.decode, R"(^    (Digital|Analog) display)")) {
    expect("input", e->digital ? "Digital" : "Analog", kind);
  }
  expect("name", e->name.value_or("none"), field(r.decode, R"(Display Product Name: '(.+?) *'$)"));
  if (auto s = field(r.decode, R"(Display Product Serial Number: '(.+?) *'$)")) {
    expect("serial text", e->serialText.value_or("none"), s);
  }
  if (auto dtd = field(r.decode, R"(DTD 1: +(\d+x\d+))")) {
    expect("preferred mode",
           e->preferredMode ? std::to_string(e->preferredMode->widthPx) + "x" +
                                  std::to_string(e->preferredMode->heightPx)
                            : "none",
           dtd);
  }
  // Extension blocks 1..byte 126 as edid-decode names them.
  std::vector<std::string> wantExt;
  std::regex heading(R"(^Block (\d+), (.*):$)");
  for (const auto& l : r.decode) {
    std::smatch m;
    if (std::regex_match(l, m, heading)) {
      int n = std::stoi(m[1].str());
      if (n >= 1 && n <= e->extensionCount) wantExt.push_back(extensionNameFromText(m[2].str()));
    }
  }
  std::vector<std::string> gotExt;
  for (auto tag : e->extensionTags) gotExt.push_back(edidExtensionName(tag));
  if (gotExt != wantExt) {
    diffs.push_back("extensions: got " + ::testing::PrintToString(gotExt) + " want " +
                    ::testing::PrintToString(wantExt));
  }
  return diffs;
}

std::vector<fs::path> edidFiles() {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(edidDir(), ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_regular_file()) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(EdidReference, EveryRealEdidMatchesEdidDecode) {
  auto files = edidFiles();
  if (files.empty()) GTEST_SKIP() << "no reference EDIDs at " << edidDir();
  int passed = 0;
  std::map<std::string, int> compared;
  std::ostringstream failures;
  for (const auto& f : files) {
    Report r = readReport(f);
    ASSERT_GE(r.bytes.size(), 128u) << f;
    ASSERT_FALSE(r.decode.empty()) << f;
    auto diffs = check(r, compared);
    if (diffs.empty()) {
      ++passed;
    } else {
      failures << fs::relative(f, edidDir()).string() << ":\n";
      for (const auto& d : diffs) failures << "    " << d << "\n";
    }
  }
  RecordProperty("edid_files", static_cast<int>(files.size()));
  RecordProperty("edid_passed", passed);
  std::cout << "[ EDID     ] " << passed << "/" << files.size()
            << " reference EDIDs agree with edid-decode\n";
  EXPECT_EQ(passed, static_cast<int>(files.size())) << failures.str();
  // Every file names its maker and model; most give a date, a size, a name and a mode.
  int n = static_cast<int>(files.size());
  EXPECT_EQ(compared["manufacturer"], n);
  EXPECT_EQ(compared["model"], n);
  EXPECT_EQ(compared["version"], n);
  EXPECT_EQ(compared["input"], n);
  EXPECT_GE(compared["year"] + compared["model year"], n);
  EXPECT_GE(compared["width"] + compared["size"], n);
  EXPECT_GE(compared["name"], n * 3 / 4);
  EXPECT_GE(compared["preferred mode"], n * 3 / 4);
  EXPECT_GE(compared["serial"], 30);
  EXPECT_GE(compared["serial text"], 10);
  std::cout << "[ EDID     ] fields compared: " << ::testing::PrintToString(compared) << "\n";
}

TEST(EdidReference, RawDumpsAndEveryTruncationAreSafe) {
  // The untrimmed dumps (EDID repeated, or fewer blocks than announced) and every prefix
  // of them must decode or be refused without reading past the data.
  for (const auto& f : edidFiles()) {
    Report r = readReport(f, /*trimToAnnounced=*/false);
    for (std::size_t n = 0; n <= r.bytes.size(); n += 7) {
      std::vector<std::string> problems;
      auto e = parseEdid(std::string_view(r.bytes).substr(0, n), problems);
      if (n < 20) {
        EXPECT_FALSE(e);
      } else if (n < 128) {
        EXPECT_FALSE(problems.empty());
      }
    }
    std::vector<std::string> problems;
    auto whole = parseEdid(r.bytes, problems);
    ASSERT_TRUE(whole) << f;
    EXPECT_LE(whole->extensionTags.size(), static_cast<std::size_t>(whole->extensionCount));
  }
}

}  // namespace
}  // namespace parc::agent::collectors::linux_
