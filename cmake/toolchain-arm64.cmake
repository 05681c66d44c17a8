# Cross-compiling mqkit for Debian arm64: 64-bit ARMv8 (Raspberry Pi 3/4/5 with a 64-bit OS).
#   apt-get install crossbuild-essential-arm64, then either
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-arm64.cmake -DMQKIT_SYSROOT=<arm64 root>
#   (scripts/arm/make-sysroot.sh arm64 <dir> makes the root; scripts/cross-build.sh arm64 does it all),
#   or without MQKIT_SYSROOT, with the -dev packages installed as :arm64 (Debian multiarch).
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(mqkit_triplet aarch64-linux-gnu)
set(mqkit_deb_arch arm64)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-debian-cross.cmake)
