# FindCAF.cmake -- locate the C++ Actor Framework 0.17.x as shipped by Debian
# (libcaf-dev 0.17.6 ships neither CAFConfig.cmake nor a caf.pc file).
# Usage:   find_package(CAF 0.17 REQUIRED COMPONENTS core io openssl)
# Defines: CAF_FOUND, CAF_VERSION, CAF_INCLUDE_DIR, CAF_<comp>_LIBRARY,
#          imported targets CAF::core, CAF::io, CAF::openssl
#          (same names as the CAFConfig.cmake exported by CAF >= 0.18).
if(NOT CAF_FIND_COMPONENTS)
  set(CAF_FIND_COMPONENTS core)
endif()
if("openssl" IN_LIST CAF_FIND_COMPONENTS)          # openssl -> io -> core
  list(APPEND CAF_FIND_COMPONENTS io core)
elseif("io" IN_LIST CAF_FIND_COMPONENTS)
  list(APPEND CAF_FIND_COMPONENTS core)
endif()
list(REMOVE_DUPLICATES CAF_FIND_COMPONENTS)

find_path(CAF_INCLUDE_DIR NAMES caf/config.hpp caf/all.hpp HINTS ${CAF_ROOT_DIR}/include)
if(CAF_INCLUDE_DIR AND EXISTS "${CAF_INCLUDE_DIR}/caf/config.hpp")
  # "#define CAF_VERSION 1706" -> 0.17.6
  file(STRINGS "${CAF_INCLUDE_DIR}/caf/config.hpp" _caf_ver_line REGEX "^#define CAF_VERSION [0-9]+")
  string(REGEX REPLACE "^#define CAF_VERSION ([0-9]+).*" "\\1" _caf_ver "${_caf_ver_line}")
  math(EXPR CAF_VERSION_MAJOR "${_caf_ver} / 10000")
  math(EXPR CAF_VERSION_MINOR "(${_caf_ver} / 100) % 100")
  math(EXPR CAF_VERSION_PATCH "${_caf_ver} % 100")
  set(CAF_VERSION "${CAF_VERSION_MAJOR}.${CAF_VERSION_MINOR}.${CAF_VERSION_PATCH}")
endif()
foreach(_comp IN LISTS CAF_FIND_COMPONENTS)
  find_library(CAF_${_comp}_LIBRARY NAMES caf_${_comp} HINTS ${CAF_ROOT_DIR}/lib ${CAF_ROOT_DIR}/lib64)
  if(CAF_${_comp}_LIBRARY)
    set(CAF_${_comp}_FOUND TRUE)
  endif()
endforeach()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(CAF REQUIRED_VARS CAF_INCLUDE_DIR VERSION_VAR CAF_VERSION HANDLE_COMPONENTS)
if(CAF_FOUND)
  find_package(Threads REQUIRED)
  if(CAF_core_FOUND AND NOT TARGET CAF::core)
    add_library(CAF::core UNKNOWN IMPORTED)
    set_target_properties(CAF::core PROPERTIES
      IMPORTED_LOCATION "${CAF_core_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
      INTERFACE_LINK_LIBRARIES Threads::Threads)
    target_compile_features(CAF::core INTERFACE cxx_std_14)   # Debian built it with -std=c++14
  endif()
  if(CAF_io_FOUND AND NOT TARGET CAF::io)
    add_library(CAF::io UNKNOWN IMPORTED)
    set_target_properties(CAF::io PROPERTIES
      IMPORTED_LOCATION "${CAF_io_LIBRARY}" INTERFACE_LINK_LIBRARIES CAF::core)
  endif()
  if(CAF_openssl_FOUND AND NOT TARGET CAF::openssl)
    find_package(OpenSSL REQUIRED)           # caf/openssl/session.hpp includes <openssl/ssl.h>
    add_library(CAF::openssl UNKNOWN IMPORTED)
    set_target_properties(CAF::openssl PROPERTIES
      IMPORTED_LOCATION "${CAF_openssl_LIBRARY}" INTERFACE_LINK_LIBRARIES "CAF::io;OpenSSL::SSL")
  endif()
endif()
mark_as_advanced(CAF_INCLUDE_DIR CAF_core_LIBRARY CAF_io_LIBRARY CAF_openssl_LIBRARY)
