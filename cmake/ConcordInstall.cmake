# `cmake --install BUILD [--prefix DIR]`: the concord command, the libraries, their headers and a
# CMake package, so that a separate project can `find_package(Concord)` (docs/embedding.md).
#
#   PREFIX/bin/concord
#   PREFIX/include/concord/concord.hpp              the embedding API   (Concord::embed)
#   PREFIX/include/concord/core/{model,sim,...}/    libconcord_core     (Concord::core)
#   PREFIX/include/concord/{protocols,actors}/      CAF messages, actors (Concord::protocols, Concord::actors)
#   PREFIX/include/concord/workers/                 external worker kinds, output checks (Concord::workers)
#   PREFIX/include/concord/protocols/edge/client.hpp the service-edge client (Concord::client: ZeroMQ + Cap'n Proto)
#   PREFIX/lib/libconcord_*.a
#   PREFIX/lib/cmake/Concord/                       ConcordConfig.cmake, targets, FindCAF.cmake
#   PREFIX/lib/systemd/system/concord-node@.service, PREFIX/share/doc/concord/ (deploy files)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(CONCORD_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/Concord")
set_target_properties(concord_core PROPERTIES EXPORT_NAME core)
set_target_properties(concord_protocols PROPERTIES EXPORT_NAME protocols)
set_target_properties(concord_actors PROPERTIES EXPORT_NAME actors)
set_target_properties(concord_workers PROPERTIES EXPORT_NAME workers)
set_target_properties(concord_edge PROPERTIES EXPORT_NAME client)
# concord_warnings only carries -W flags; it is exported because the static libraries name it as
# a (link-only, empty) dependency.
set_target_properties(concord_warnings PROPERTIES EXPORT_NAME warnings)

install(TARGETS concord_core concord_workers concord_protocols concord_actors concord_embed concord_edge concord_warnings
        EXPORT ConcordTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS concord RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/concord/core
        FILES_MATCHING PATTERN "*.hpp")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/protocols/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/concord/protocols
        FILES_MATCHING PATTERN "*.hpp")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/workers/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/concord/workers
        FILES_MATCHING PATTERN "*.hpp")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/actors/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/concord/actors
        FILES_MATCHING PATTERN "*.hpp")
install(FILES ${PROJECT_SOURCE_DIR}/embed/include/concord/concord.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/concord)
install(FILES ${PROJECT_BINARY_DIR}/protocols/concord.capnp.h ${PROJECT_SOURCE_DIR}/protocols/concord.capnp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/concord/protocols)

install(EXPORT ConcordTargets NAMESPACE Concord:: DESTINATION ${CONCORD_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ConcordConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/ConcordConfig.cmake
                              INSTALL_DESTINATION ${CONCORD_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ConcordConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/ConcordConfig.cmake ${PROJECT_BINARY_DIR}/ConcordConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/FindCAF.cmake
        DESTINATION ${CONCORD_CMAKE_DIR})

# Deployment files, for packagers (the Debian package puts the unit where systemd looks).
install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/concord-node@.service DESTINATION lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/node.ini.example ${PROJECT_SOURCE_DIR}/examples/workers.json
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
