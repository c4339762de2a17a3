#pragma once
// Where the official Factur-X / EN 16931 artefacts are (outside the repository, see
// ../shared/reference/admin/facturation/SOURCE.md) and what a validation test does when
// they or Saxon-HE are missing: skip on a developer's machine, but FAIL under CI, where
// scripts/test.sh exports PARC_FACTURX_REQUIRED=1 — a skipped validation would let the
// suite pass without a single invoice checked by the official artefacts.
#include <cstdlib>
#include <filesystem>
#include <string>

namespace parc::modules::facturation::testing {

inline std::filesystem::path facturxReference() {
  if (const char* env = std::getenv("PARC_FACTURX_REFERENCE")) return env;
  std::filesystem::path beside =
      std::filesystem::path(PARC_SOURCE_DIR) / "../shared/reference/admin/facturation";
  if (std::filesystem::exists(beside)) return beside;
  return "/work/shared/reference/admin/facturation";  // facturx_validate.py's default too
}

inline bool facturxRequired() {
  const char* env = std::getenv("PARC_FACTURX_REQUIRED");
  return env && std::string(env) == "1";
}

/// What is missing for the official validation ("" when nothing): the reference folder,
/// Saxon-HE (libsaxonhe-java), java, xmllint (libxml2-utils).
inline std::string facturxValidatorMissing() {
  namespace fs = std::filesystem;
  const char* jar = std::getenv("PARC_SAXON_JAR");
  std::string missing;
  if (!fs::exists(facturxReference()))
    missing += " reference folder " + facturxReference().string();
  if (!fs::exists(jar ? jar : "/usr/share/java/Saxon-HE.jar")) missing += " Saxon-HE.jar";
  if (!fs::exists("/usr/bin/java")) missing += " java";
  if (!fs::exists("/usr/bin/xmllint")) missing += " xmllint";
  return missing;
}

}  // namespace parc::modules::facturation::testing

// Skips (developer machine) or fails (CI) a test when `missing` is not empty.
#define PARC_FACTURX_NEEDS(missing)                                                  \
  do {                                                                               \
    const std::string parcMissing = (missing);                                       \
    if (!parcMissing.empty()) {                                                      \
      if (::parc::modules::facturation::testing::facturxRequired())                  \
        FAIL() << "missing:" << parcMissing                                          \
               << " (PARC_FACTURX_REQUIRED=1: CI must run the official validation)"; \
      GTEST_SKIP() << "missing:" << parcMissing;                                     \
    }                                                                                \
  } while (0)
