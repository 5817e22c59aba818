# Fails when a header of libconcord_core includes CAF, ZeroMQ or Cap'n Proto, or
# when runtime/ includes anything from actors/, protocols/ or nodes/ (DESIGN.md §2), or when
# runtime/ledger/ includes runtime/negotiate/ (the budget is guaranteed by the ledger alone; prices
# only steer demand, docs/negotiation.md).
file(GLOB_RECURSE files "${SOURCE_DIR}/runtime/*.hpp" "${SOURCE_DIR}/runtime/*.cpp")
set(bad "")
foreach(f IN LISTS files)
  file(STRINGS "${f}" lines REGEX "^[ \t]*#[ \t]*include")
  foreach(l IN LISTS lines)
    if(l MATCHES "[<\"](caf/|zmq|capnp/|kj/|actors/|protocols/|nodes/|cli/)")
      list(APPEND bad "${f}: ${l}")
    endif()
    if(f MATCHES "/runtime/ledger/" AND l MATCHES "[<\"]negotiate/")
      list(APPEND bad "${f}: ${l}")
    endif()
  endforeach()
endforeach()
if(bad)
  string(REPLACE ";" "\n" bad "${bad}")
  message(FATAL_ERROR "layering violated:\n${bad}")
endif()
message(STATUS "runtime/ is free of CAF, ZeroMQ, Cap'n Proto and upper layers; runtime/ledger/ does not use prices")
