# The packages' Debian version: PARC_PACKAGE_VERSION (upstream part, default the
# project's) and PARC_PACKAGE_RELEASE (Debian revision, default 1) from the environment,
# so that one build tree can produce an "older" and a "newer" package (upgrade tests).
function(parc_package_version project_version out)
  set(upstream "${project_version}")
  if(DEFINED ENV{PARC_PACKAGE_VERSION} AND NOT "$ENV{PARC_PACKAGE_VERSION}" STREQUAL "")
    set(upstream "$ENV{PARC_PACKAGE_VERSION}")
  endif()
  set(release 1)
  if(DEFINED ENV{PARC_PACKAGE_RELEASE} AND NOT "$ENV{PARC_PACKAGE_RELEASE}" STREQUAL "")
    set(release "$ENV{PARC_PACKAGE_RELEASE}")
  endif()
  if(NOT upstream MATCHES "^[0-9][A-Za-z0-9.+~]*$" OR NOT release MATCHES "^[A-Za-z0-9.+~]+$")
    message(FATAL_ERROR "bad package version '${upstream}-${release}'")
  endif()
  set(${out} "${upstream}-${release}" PARENT_SCOPE)
endfunction()
