# Every public header compiles on its own, included twice (its include guard
# works and it includes what it uses): one generated source per header,
# built with the include paths and definitions of the library it belongs to.
# A header that needs something it does not include fails the build here.
# Entries are FOLDER:LIBRARY[+LIBRARY...] (crypto/ holds three libraries).
set(_securedoc_header_libs
  "base:securedoc_base" "crypto:securedoc_signers+securedoc_otp" "formats:securedoc_formats" "cloud:securedoc_cloud"
  "app/services:securedoc_app")
if(SECUREDOC_GUI)
  list(APPEND _securedoc_header_libs "ui:securedoc_ui")
endif()
foreach(_entry IN LISTS _securedoc_header_libs)
  string(REPLACE ":" ";" _pair "${_entry}")
  list(GET _pair 0 _dir)
  list(GET _pair 1 _libs)
  string(REPLACE "+" ";" _libs "${_libs}")
  list(GET _libs 0 _lib)
  file(GLOB_RECURSE _headers CONFIGURE_DEPENDS RELATIVE "${CMAKE_SOURCE_DIR}/${_dir}/include"
    "${CMAKE_SOURCE_DIR}/${_dir}/include/*.h")
  set(_sources)
  foreach(_header IN LISTS _headers)
    string(MAKE_C_IDENTIFIER "${_header}" _name)
    set(_source "${CMAKE_BINARY_DIR}/header_check/${_lib}/${_name}.cpp")
    file(CONFIGURE OUTPUT "${_source}" CONTENT "#include <${_header}>\n#include <${_header}>\n" @ONLY)
    list(APPEND _sources "${_source}")
  endforeach()
  if(_sources)
    add_library(header_check_${_lib} OBJECT ${_sources})
    target_link_libraries(header_check_${_lib} PRIVATE ${_libs})
    securedoc_target_warnings(header_check_${_lib})
  endif()
endforeach()
