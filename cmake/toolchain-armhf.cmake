# Cross-compiling mqkit for Debian armhf: 32-bit ARMv7 hard-float (Raspberry Pi 2/3/4 with a 32-bit OS).
#   apt-get install crossbuild-essential-armhf, then either
#   cmake -S . -B build-armhf -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-armhf.cmake -DMQKIT_SYSROOT=<armhf root>
#   (scripts/arm/make-sysroot.sh armhf <dir> makes the root; scripts/cross-build.sh armhf does it all),
#   or without MQKIT_SYSROOT, with the -dev packages installed as :armhf (Debian multiarch).
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(mqkit_triplet arm-linux-gnueabihf)
set(mqkit_deb_arch armhf)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-debian-cross.cmake)
