# Factur-X layer (server/modules/facturation/facturx), included by tests/modules/CMakeLists.txt.
parc_add_test(parc_facturx_unit_test
  SOURCES facturx_unit_test.cpp
  DEPS parc::facturx
  LABELS "unit;modules;facturx")
parc_add_test(parc_facturx_pdf_test
  SOURCES facturx_pdf_test.cpp
  DEPS parc::facturx_pdf
  LABELS "unit;modules;facturx")
# Runs facturx_validate.py (xmllint + Saxon-HE) on one batch of ~50 files: ~25 s.
parc_add_test(parc_facturx_validation_test
  SOURCES facturx_validation_test.cpp
  DEPS parc::facturx nlohmann_json::nlohmann_json
  LABELS "integration;modules;facturx" TIMEOUT 300)
