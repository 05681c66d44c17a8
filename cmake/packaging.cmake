# CPack: `cpack` (or `cmake --build build --target package`) in the build directory writes
# mqkit_<version>_<arch>.deb (amd64; arm64 or armhf when cross-built), which installs under /usr.
# Its Depends line comes from the binaries' shared libraries through dpkg-shlibdeps (packages
# dpkg-dev and file) when installed, else from the list of the Debian 12 packages below.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mqkit)
set(CPACK_PACKAGE_VENDOR "mqkit")
set(CPACK_PACKAGE_CONTACT "mqkit maintainers <mqkit@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}: mqpub, mqsub and mqrr, drop-ins for mosquitto_pub/sub/rr")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "mqpub, mqsub and mqrr publish, subscribe and send requests with the flags, output and exit\n"
  "codes of mosquitto_pub, mosquitto_sub and mosquitto_rr 2.1, on Eclipse Paho MQTT C++. Includes\n"
  "libmqkit with its headers, CMake package and pkg-config file, man pages and bash, zsh and fish\n"
  "completions.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # mqkit_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "mosquitto, bash-completion")
# CPack finds the ELF files for both with the `file` program (package file).
find_program(MQKIT_FILE_PROGRAM file)
find_program(MQKIT_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(MQKIT_FILE_PROGRAM)
  # A shlibs file and the ldconfig call for libmqkit.so.<soversion>.
  set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
endif()
# Cross builds (cmake/toolchain-*.cmake) name the target's Debian architecture; CPack would take the
# build machine's (dpkg --print-architecture). dpkg-shlibdeps knows only the build machine's
# installed packages, not the target's sysroot: cross-built packages get the list below.
if(MQKIT_DEB_ARCH)
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${MQKIT_DEB_ARCH})
endif()
if(MQKIT_FILE_PROGRAM AND MQKIT_DPKG_SHLIBDEPS AND NOT CMAKE_CROSSCOMPILING)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  # The tools link libmqkit from this same package.
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR}/lib)
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "libpaho-mqttpp3-1 (>= 1.2.0), libpaho-mqtt1.3 (>= 1.3.11), libssl3 (>= 3.0.0), libcjson1 (>= 1.7.15), libstdc++6 (>= 12), libc6 (>= 2.36)")
endif()

include(CPack)
