# Shared part of cmake/toolchain-arm64.cmake and cmake/toolchain-armhf.cmake: cross-compiling mqkit
# on a Debian amd64 machine for a Debian (Raspberry Pi OS) ARM system, with Debian's cross compilers
# (crossbuild-essential-<arch>). The target's libraries come from either
#   - a sysroot: MQKIT_SYSROOT (-D or environment) names a Debian root of the target architecture
#     with the -dev packages unpacked into it (scripts/arm/make-sysroot.sh makes one), or
#   - Debian multiarch: the libpaho-mqttpp-dev:<arch> etc. packages installed on the build machine.
# Expects mqkit_triplet, mqkit_deb_arch and CMAKE_SYSTEM_PROCESSOR from the including file.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${mqkit_triplet}-gcc)
set(CMAKE_CXX_COMPILER ${mqkit_triplet}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${mqkit_triplet})
set(MQKIT_DEB_ARCH ${mqkit_deb_arch} CACHE STRING "Debian architecture of the .deb (cmake/packaging.cmake)")

if(NOT MQKIT_SYSROOT AND DEFINED ENV{MQKIT_SYSROOT})
  set(MQKIT_SYSROOT "$ENV{MQKIT_SYSROOT}")
endif()
if(MQKIT_SYSROOT)
  # Headers, libraries and CMake packages all come from the target root.
  set(CMAKE_SYSROOT "${MQKIT_SYSROOT}")
  set(CMAKE_FIND_ROOT_PATH "${MQKIT_SYSROOT}")
  # Debian's cross gcc does not search the sysroot's multiarch include directory (OpenSSL's
  # configuration.h is there); after everything else, so the cross toolchain's libc headers win.
  set(CMAKE_C_FLAGS_INIT "-idirafter ${MQKIT_SYSROOT}/usr/include/${mqkit_triplet}")
  set(CMAKE_CXX_FLAGS_INIT "-idirafter ${MQKIT_SYSROOT}/usr/include/${mqkit_triplet}")
  set(ENV{PKG_CONFIG_SYSROOT_DIR} "${MQKIT_SYSROOT}")
  set(ENV{PKG_CONFIG_LIBDIR} "${MQKIT_SYSROOT}/usr/lib/${mqkit_triplet}/pkgconfig:${MQKIT_SYSROOT}/usr/share/pkgconfig")
  set(mqkit_target_root "${MQKIT_SYSROOT}")
else()
  # Debian multiarch: target libraries in /usr/lib/<triplet>, headers shared in /usr/include.
  set(CMAKE_FIND_ROOT_PATH /usr/${mqkit_triplet} /)
  set(PKG_CONFIG_EXECUTABLE ${mqkit_triplet}-pkg-config CACHE FILEPATH "pkg-config for the target")
  set(mqkit_target_root /)
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)  # the build machine's programs (openssl, mosquitto, bash)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Catch2's catch_discover_tests lists the tests by running the test programs at build time. That
# runs through qemu-user here (listing starts no thread; qemu-user hangs on threaded programs on
# some machines, so the tests themselves run on the target: scripts/test-arm.sh). The same command
# is recorded for every test; on an ARM machine run-target.sh runs the program itself.
get_filename_component(mqkit_source_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(CMAKE_CROSSCOMPILING_EMULATOR "${mqkit_source_root}/scripts/arm/run-target.sh;${mqkit_target_root}")
