# Paho C inside libmqkit, without its debugging trackers (see export_api.cpp and
# ../src/paho_c_trackers.cpp for why). Uses the static archive that Debian's libpaho-mqtt-dev ships
# next to the shared library Paho MQTT C++ was found with; without it, libmqkit simply links the
# shared library as before (and Paho's trackers cost what they cost).
option(MQKIT_PAHO_C_LINKED_IN
  "Link Paho C's objects into libmqkit without its heap and call-stack trackers (needs libpaho-mqtt3as.a)" ON)

set(mqkit_paho_c_linked_in OFF)
if(MQKIT_PAHO_C_LINKED_IN AND CMAKE_SYSTEM_NAME STREQUAL "Linux")
  # FindPahoMqttC (from PahoMqttCpp's package) found the shared library; the archive sits beside it.
  get_filename_component(mqkit_paho_c_libdir "${PAHO_MQTT_C_LIBRARIES}" DIRECTORY)
  find_file(MQKIT_PAHO_C_ARCHIVE libpaho-mqtt3as.a HINTS "${mqkit_paho_c_libdir}" NO_DEFAULT_PATH)
  if(MQKIT_PAHO_C_ARCHIVE)
    execute_process(COMMAND "${CMAKE_AR}" t "${MQKIT_PAHO_C_ARCHIVE}"
                    OUTPUT_VARIABLE mqkit_paho_c_members RESULT_VARIABLE mqkit_ar_result
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    string(REPLACE "\n" ";" mqkit_paho_c_members "${mqkit_paho_c_members}")
  endif()
  if(MQKIT_PAHO_C_ARCHIVE AND mqkit_ar_result EQUAL 0 AND "Heap.c.o" IN_LIST mqkit_paho_c_members
     AND "StackTrace.c.o" IN_LIST mqkit_paho_c_members)
    # The objects must be fit for a shared library (position-independent): link them into one
    # here, once per archive, and fall back if that fails (e.g. an architecture whose static
    # build is not PIC). Undefined symbols are allowed: only the relocations are in question.
    if(NOT DEFINED MQKIT_PAHO_C_ARCHIVE_LINKS OR NOT MQKIT_PAHO_C_ARCHIVE_CHECKED STREQUAL MQKIT_PAHO_C_ARCHIVE)
      set(mqkit_probe "${CMAKE_CURRENT_BINARY_DIR}/paho-c-probe")
      file(REMOVE_RECURSE "${mqkit_probe}")
      file(MAKE_DIRECTORY "${mqkit_probe}")
      execute_process(COMMAND "${CMAKE_AR}" x "${MQKIT_PAHO_C_ARCHIVE}" WORKING_DIRECTORY "${mqkit_probe}"
                      RESULT_VARIABLE mqkit_probe_result OUTPUT_QUIET ERROR_QUIET)
      if(mqkit_probe_result EQUAL 0)
        execute_process(COMMAND "${CMAKE_C_COMPILER}" -shared -o probe.so ${mqkit_paho_c_members}
                        WORKING_DIRECTORY "${mqkit_probe}" RESULT_VARIABLE mqkit_probe_result OUTPUT_QUIET ERROR_QUIET)
      endif()
      file(REMOVE_RECURSE "${mqkit_probe}")
      if(mqkit_probe_result EQUAL 0)
        set(mqkit_links ON)
      else()
        set(mqkit_links OFF)
      endif()
      set(MQKIT_PAHO_C_ARCHIVE_LINKS ${mqkit_links} CACHE INTERNAL "libpaho-mqtt3as.a links into a shared library")
      set(MQKIT_PAHO_C_ARCHIVE_CHECKED "${MQKIT_PAHO_C_ARCHIVE}" CACHE INTERNAL "the archive that was checked")
    endif()
    set(mqkit_paho_c_linked_in ${MQKIT_PAHO_C_ARCHIVE_LINKS})
  endif()
  if(NOT mqkit_paho_c_linked_in)
    message(STATUS "mqkit: no usable libpaho-mqtt3as.a next to ${PAHO_MQTT_C_LIBRARIES} (missing, or not "
                   "position-independent); libmqkit links the shared Paho C with its trackers")
  endif()
endif()

if(mqkit_paho_c_linked_in)
  add_executable(mqkit-paho-export ${CMAKE_CURRENT_LIST_DIR}/export_api.cpp)
  target_link_libraries(mqkit-paho-export PRIVATE mqkit_warnings)

  set(mqkit_paho_c_dir "${CMAKE_CURRENT_BINARY_DIR}/paho-c")
  set(mqkit_paho_c_objects "")
  foreach(member IN LISTS mqkit_paho_c_members)
    if(NOT member STREQUAL "Heap.c.o" AND NOT member STREQUAL "StackTrace.c.o")
      list(APPEND mqkit_paho_c_objects "${mqkit_paho_c_dir}/${member}")
    endif()
  endforeach()
  get_filename_component(mqkit_paho_c_shared "${PAHO_MQTT_C_LIBRARIES}" REALPATH)
  add_custom_command(
    OUTPUT ${mqkit_paho_c_objects}
    COMMAND "${CMAKE_COMMAND}" -E rm -rf "${mqkit_paho_c_dir}"
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${mqkit_paho_c_dir}"
    COMMAND "${CMAKE_COMMAND}" -E chdir "${mqkit_paho_c_dir}" "${CMAKE_AR}" x "${MQKIT_PAHO_C_ARCHIVE}"
    COMMAND mqkit-paho-export "${mqkit_paho_c_shared}" ${mqkit_paho_c_objects}
    DEPENDS "${MQKIT_PAHO_C_ARCHIVE}" "${mqkit_paho_c_shared}" mqkit-paho-export
    COMMENT "Paho C objects from ${MQKIT_PAHO_C_ARCHIVE}, API exported, without Heap and StackTrace"
    VERBATIM)
  set_source_files_properties(${mqkit_paho_c_objects} PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
  target_sources(mqkit PRIVATE ${mqkit_paho_c_objects} ${CMAKE_CURRENT_LIST_DIR}/trackers.cpp)
  # The protocol guard (protocol_guard.cpp) stands between Paho C's own objects.
  target_compile_definitions(mqkit PRIVATE MQKIT_PAHO_PROTOCOL_GUARD=1)
  target_link_options(mqkit PRIVATE
    "-Wl,--wrap=MQTTPacket_Factory,--wrap=MQTTPacket_connack,--wrap=MQTTPacket_send_publish,--wrap=MQTTPacket_send_pubrel")
  # The objects call OpenSSL themselves now.
  find_package(OpenSSL REQUIRED)
  target_link_libraries(mqkit PRIVATE OpenSSL::SSL OpenSSL::Crypto)
  target_compile_definitions(mqkit PUBLIC $<BUILD_INTERFACE:MQKIT_PAHO_C_LINKED_IN=1>)
endif()
