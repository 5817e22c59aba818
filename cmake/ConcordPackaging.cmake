# `cpack -G DEB` (from the build folder): a Debian package of what `cmake --install` installs, into
# /usr: the concord command, the libraries, headers and CMake package, the systemd unit
# (/usr/lib/systemd/system/concord-node@.service), the example node configuration, and the
# commands' --help texts as documentation (/usr/share/doc/concord/concord-help.txt).
# Dependencies come from dpkg-shlibdeps (the shared libraries `concord` links).
set(CPACK_PACKAGE_NAME concord)
set(CPACK_PACKAGE_VENDOR "Concord")
set(CPACK_PACKAGE_CONTACT "Concord developers <concord@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Run multi-agent LLM workflows on time and within budget")
set(CPACK_PACKAGE_DESCRIPTION "Concord plans and runs DAGs of LLM subtasks (MCPP planner, beacon selector,
exact-money budget ledger) on a cluster of CAF actor nodes that heal around failures.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The CMake package needs the -dev packages of what the static libraries link.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libcaf-dev, libfmt-dev, nlohmann-json3-dev, libtbb-dev, libssl-dev")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/concord/concord")

# The --help texts, man-page-like, written at install time by the concord just built.
install(CODE [[
  set(_concord "${CMAKE_INSTALL_PREFIX}/bin/concord")
  if(DEFINED ENV{DESTDIR})
    set(_concord "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/bin/concord")
  endif()
  set(_help "CONCORD(1)\n\n")
  foreach(_cmd "" run node bench workload)
    separate_arguments(_args UNIX_COMMAND "${_cmd} --help")
    execute_process(COMMAND "${_concord}" ${_args} OUTPUT_VARIABLE _out RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR "concord ${_cmd} --help failed (${_rc})")
    endif()
    string(REPLACE "${_concord}" "concord" _out "${_out}")   # CLI11 prints argv[0]: the staging path
    string(APPEND _help "== concord ${_cmd} --help\n\n${_out}\n")
  endforeach()
  set(_doc "${CMAKE_INSTALL_PREFIX}/share/doc/concord")
  if(DEFINED ENV{DESTDIR})
    set(_doc "$ENV{DESTDIR}${_doc}")
  endif()
  file(WRITE "${_doc}/concord-help.txt" "${_help}")
  message(STATUS "Installing: ${_doc}/concord-help.txt")
]])
include(CPack)
