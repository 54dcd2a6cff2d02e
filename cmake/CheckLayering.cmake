# ARCHITECTURE.md "Layers": dependencies point one way, and only ui/ and the GUI's main()
# know wxWidgets.  This runs at configure time over every library target.
set(_securedoc_non_gui_targets securedoc_base securedoc_crypto securedoc_signers securedoc_otp securedoc_formats securedoc_app
  securedoc_cloud securedoc-cli)
foreach(_t IN LISTS _securedoc_non_gui_targets)
  if(TARGET ${_t})
    get_target_property(_libs ${_t} LINK_LIBRARIES)
    foreach(_l IN LISTS _libs)
      if(_l MATCHES "wx" OR _l MATCHES "securedoc_ui")
        message(FATAL_ERROR "Layering: ${_t} links ${_l}; only ui/ and the GUI's main may use wxWidgets")
      endif()
    endforeach()
  endif()
endforeach()
# One-way dependencies between our libraries.
function(_securedoc_forbid target forbidden)
  if(TARGET ${target})
    get_target_property(_libs ${target} LINK_LIBRARIES)
    foreach(_f IN LISTS forbidden)
      if(_f IN_LIST _libs)
        message(FATAL_ERROR "Layering: ${target} must not depend on ${_f} (ARCHITECTURE.md \"Layers\")")
      endif()
    endforeach()
  endif()
endfunction()
_securedoc_forbid(securedoc_base "securedoc_crypto;securedoc_formats;securedoc_app;securedoc_ui;securedoc_cloud")
_securedoc_forbid(securedoc_crypto "securedoc_signers;securedoc_otp;securedoc_formats;securedoc_app;securedoc_ui;securedoc_cloud")
_securedoc_forbid(securedoc_signers "securedoc_otp;securedoc_formats;securedoc_app;securedoc_ui;securedoc_cloud")
_securedoc_forbid(securedoc_otp "securedoc_signers;securedoc_formats;securedoc_app;securedoc_ui;securedoc_cloud")
_securedoc_forbid(securedoc_formats "securedoc_signers;securedoc_otp;securedoc_app;securedoc_ui;securedoc_cloud")
_securedoc_forbid(securedoc_cloud "securedoc_formats;securedoc_app;securedoc_ui")
_securedoc_forbid(securedoc_app "securedoc_ui")
# The page renderer module stands alone (it is loaded, not linked).
_securedoc_forbid(securedoc_poppler
  "securedoc_base;securedoc_crypto;securedoc_signers;securedoc_otp;securedoc_formats;securedoc_app;securedoc_ui;securedoc_cloud")
_securedoc_forbid(securedoc_xades_impl "securedoc_signers;securedoc_otp;securedoc_app;securedoc_ui;securedoc_cloud")
# Start-up pays only for what a command uses (base/library.h): libcurl,
# p11-kit, poppler and XAdES (libxml2, xmlsec) are loaded on first use, so no library
# or program of ours links them.
foreach(_t IN LISTS _securedoc_non_gui_targets ITEMS securedoc_ui securedoc securedoc-otp securedoc-cloud)
  _securedoc_forbid(${_t} "CURL::libcurl;PkgConfig::P11KIT;PkgConfig::POPPLER_CPP;PkgConfig::XMLSEC;securedoc_xades_impl")
endforeach()
