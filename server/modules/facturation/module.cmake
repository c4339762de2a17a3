# The facturation module's own build (included by server/modules/CMakeLists.txt for the
# line in modules.cmake): the Factur-X layer and what the module links.
if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/facturx/CMakeLists.txt)
  add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/facturx ${CMAKE_CURRENT_BINARY_DIR}/facturation/facturx)
endif()
if(TARGET parc_facturx)
  target_link_libraries(parc_modules_obj PUBLIC parc::facturx_pdf)
  target_compile_definitions(parc_modules_obj PRIVATE PARC_HAVE_FACTURX=1)
  target_link_libraries(parc_server_core INTERFACE parc::facturx_pdf)
endif()
