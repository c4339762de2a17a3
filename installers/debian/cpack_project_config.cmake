# Read by cpack at packaging time (CPACK_PROJECT_CONFIG_FILE): the version may come from
# the environment (package_version.cmake), the changelog uses the same.
include("${CMAKE_CURRENT_LIST_DIR}/package_version.cmake")
parc_package_version("${CPACK_PACKAGE_VERSION}" parc_deb_version)
string(REGEX REPLACE "-[^-]*$" "" CPACK_DEBIAN_PACKAGE_VERSION "${parc_deb_version}")
string(REGEX REPLACE "^.*-" "" CPACK_DEBIAN_PACKAGE_RELEASE "${parc_deb_version}")
