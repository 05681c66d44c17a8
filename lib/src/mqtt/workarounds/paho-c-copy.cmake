# paho-c-copy: Paho C's objects from the static archive Debian's libpaho-mqtt-dev ships beside the
# shared library, without Heap.c.o and StackTrace.c.o (trackers.cpp stands in for them), their API
# functions given default visibility again (export_api.cpp) so that the executable can export them.
# Sets mqkit_paho_c_objects (empty, with a message, when the archive is missing or unusable).
set(mqkit_paho_c_objects "")
get_filename_component(mqkit_paho_c_libdir "${mqkit_paho_c_shared}" DIRECTORY)
find_file(MQKIT_PAHO_C_ARCHIVE libpaho-mqtt3as.a HINTS "${mqkit_paho_c_libdir}" NO_DEFAULT_PATH)
set(mqkit_paho_c_members "")
if(MQKIT_PAHO_C_ARCHIVE)
  execute_process(COMMAND "${CMAKE_AR}" t "${MQKIT_PAHO_C_ARCHIVE}"
                  OUTPUT_VARIABLE mqkit_paho_c_members RESULT_VARIABLE mqkit_ar_result OUTPUT_STRIP_TRAILING_WHITESPACE)
  string(REPLACE "\n" ";" mqkit_paho_c_members "${mqkit_paho_c_members}")
endif()
if(NOT MQKIT_PAHO_C_ARCHIVE OR NOT mqkit_ar_result EQUAL 0 OR NOT "Heap.c.o" IN_LIST mqkit_paho_c_members
   OR NOT "StackTrace.c.o" IN_LIST mqkit_paho_c_members)
  # A warning, not a status line: the tests pass either way, so nothing else would show it is off.
  message(WARNING "mqkit: Paho C is NOT linked in: no usable libpaho-mqtt3as.a next to '${mqkit_paho_c_shared}' "
                  "(package libpaho-mqtt-dev ships it): mqkit's programs use the shared Paho C with its debug "
                  "trackers, and without the protocol guard")
  return()
endif()

# The objects must be position-independent (for a PIE executable): link them into a throwaway
# shared library, once per archive, and do without them if that fails. Undefined symbols are
# allowed: only the relocations are in question.
if(NOT DEFINED MQKIT_PAHO_C_ARCHIVE_LINKS OR NOT MQKIT_PAHO_C_ARCHIVE_CHECKED STREQUAL MQKIT_PAHO_C_ARCHIVE)
  set(probe "${CMAKE_CURRENT_BINARY_DIR}/paho-c-probe")
  file(REMOVE_RECURSE "${probe}")
  file(MAKE_DIRECTORY "${probe}")
  execute_process(COMMAND "${CMAKE_AR}" x "${MQKIT_PAHO_C_ARCHIVE}" WORKING_DIRECTORY "${probe}"
                  RESULT_VARIABLE probe_result OUTPUT_QUIET ERROR_QUIET)
  if(probe_result EQUAL 0)
    execute_process(COMMAND "${CMAKE_C_COMPILER}" -shared -o probe.so ${mqkit_paho_c_members}
                    WORKING_DIRECTORY "${probe}" RESULT_VARIABLE probe_result OUTPUT_QUIET ERROR_QUIET)
  endif()
  file(REMOVE_RECURSE "${probe}")
  if(probe_result EQUAL 0)
    set(links ON)
  else()
    set(links OFF)
  endif()
  set(MQKIT_PAHO_C_ARCHIVE_LINKS ${links} CACHE INTERNAL "libpaho-mqtt3as.a is position-independent")
  set(MQKIT_PAHO_C_ARCHIVE_CHECKED "${MQKIT_PAHO_C_ARCHIVE}" CACHE INTERNAL "the archive that was checked")
endif()
if(NOT MQKIT_PAHO_C_ARCHIVE_LINKS)
  message(WARNING "mqkit: Paho C is NOT linked in: ${MQKIT_PAHO_C_ARCHIVE} is not position-independent: "
                  "mqkit's programs use the shared Paho C with its debug trackers, and without the protocol guard")
  return()
endif()

# mqkit-paho-export runs on the build machine. When cross-compiling it is built with the build
# machine's own compiler (CMake 3.25 runs no emulator for custom commands); it reads ELF objects of
# either word size and byte order, so the host build edits arm64 and armhf objects alike.
if(CMAKE_CROSSCOMPILING)
  find_program(MQKIT_HOST_CXX NAMES c++ g++ clang++ NO_CMAKE_FIND_ROOT_PATH REQUIRED)
  set(mqkit_paho_export "${CMAKE_CURRENT_BINARY_DIR}/mqkit-paho-export-host")
  add_custom_command(OUTPUT "${mqkit_paho_export}"
    COMMAND "${MQKIT_HOST_CXX}" -std=c++17 -O2 -o "${mqkit_paho_export}" "${CMAKE_CURRENT_LIST_DIR}/export_api.cpp"
    DEPENDS "${CMAKE_CURRENT_LIST_DIR}/export_api.cpp"
    COMMENT "mqkit-paho-export for the build machine"
    VERBATIM)
else()
  add_executable(mqkit-paho-export ${CMAKE_CURRENT_LIST_DIR}/export_api.cpp)
  target_link_libraries(mqkit-paho-export PRIVATE mqkit_warnings)
  set(mqkit_paho_export mqkit-paho-export)
endif()
set(dir "${CMAKE_CURRENT_BINARY_DIR}/paho-c")
foreach(member IN LISTS mqkit_paho_c_members)
  if(NOT member STREQUAL "Heap.c.o" AND NOT member STREQUAL "StackTrace.c.o")
    list(APPEND mqkit_paho_c_objects "${dir}/${member}")
  endif()
endforeach()
add_custom_command(
  OUTPUT ${mqkit_paho_c_objects}
  COMMAND "${CMAKE_COMMAND}" -E rm -rf "${dir}"
  COMMAND "${CMAKE_COMMAND}" -E make_directory "${dir}"
  COMMAND "${CMAKE_COMMAND}" -E chdir "${dir}" "${CMAKE_AR}" x "${MQKIT_PAHO_C_ARCHIVE}"
  COMMAND ${mqkit_paho_export} "${mqkit_paho_c_shared}" ${mqkit_paho_c_objects}
  DEPENDS "${MQKIT_PAHO_C_ARCHIVE}" "${mqkit_paho_c_shared}" ${mqkit_paho_export}
  COMMENT "Paho C objects from ${MQKIT_PAHO_C_ARCHIVE}, API exported, without Heap and StackTrace"
  VERBATIM)
set_source_files_properties(${mqkit_paho_c_objects} PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
