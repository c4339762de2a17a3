# The administrative modules the server hosts: ONE LINE PER MODULE (docs/modules.md).
# A module is the folder server/modules/<name>/ and nothing else:
#   module.h / module.cpp   parc::modules::<name>::module(): roles, migrations, routes
#   *.cpp                   compiled into parc-server (every .cpp of the folder itself)
#   module.cmake            optional: the module's own subdirectories and libraries
#   console/index.js        its console pages, served at /js/pages/modules/<name>/
# From this list CMake compiles the folder, generates the server's registry
# (registry_modules.h) and embeds the console pages; the console finds a module's pages
# by its name.
set(PARC_MODULES
  facturation  # canteen, childcare and leisure-centre billing of families
)
