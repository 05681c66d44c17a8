#!/usr/bin/env bash
# test-arm.sh arm64|armhf: the unit and end-to-end tests of mqkit cross-built for ARCH, run on ARCH
# in a full-system emulator (qemu-system-aarch64 / qemu-system-arm, TCG), since qemu-user hangs on
# threaded programs on some machines. The tests start their own mosquitto inside the guest, as on
# a Raspberry Pi. Steps: scripts/cross-build.sh ARCH (build-ARCH/, its sysroot kept in
# build-ARCH-sysroot/ and reused), scripts/arm/make-vm.sh (the guest: Debian 12 root image, kernel,
# initramfs in build-arm-vm/ARCH/, made once: ~35 minutes for its debootstrap second stage), then
# ctest in the guest on the build directory shared at the same path. The install and package tests
# are left out (they need the build machine's compiler; cross-build.sh checks the .deb).
# Slow: the whole suite takes about 25-40 minutes. The log is build-ARCH/test-arm.log.
# MQKIT_TEST_TIMEOUT_FACTOR (default 5) multiplies ctest's per-test timeouts; the tests' own waits
# are not stretched, so a test that waits on the clock may fail only for the emulator's slowness.
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${1:-}
case $arch in arm64 | armhf) ;; *) sed -n '2,12p' "$0" >&2; exit 2 ;; esac
shift
scripts/deps.sh --vm
factor=${MQKIT_TEST_TIMEOUT_FACTOR:-5}
t0=$(date +%s)
if [ -d "build-$arch-sysroot" ] && [ -z "${MQKIT_SYSROOT:-}" ]; then export MQKIT_SYSROOT=$PWD/build-$arch-sysroot; fi
scripts/cross-build.sh "$arch" -DMQKIT_WARNINGS_AS_ERRORS=ON -DMQKIT_TEST_TIMEOUT_FACTOR="$factor" "$@"
scripts/arm/make-vm.sh "$arch" "build-arm-vm/$arch"
t1=$(date +%s)
log=build-$arch/test-arm.log
status=0
MQKIT_VM_DIR=build-arm-vm/$arch scripts/arm/run-in-vm.sh -w "$PWD" -t 10800 "$arch" \
    "uname -srm; cd build-$arch && ctest --output-on-failure -j 2 -LE 'install|package'" 2>&1 | tee "$log" ||
    status=${PIPESTATUS[0]}
summary=$(grep -E "tests passed|tests failed" "$log" | tail -n 1)
echo "test-arm.sh: $arch: ${summary:-no ctest summary} (build and guest $((t1 - t0)) s, tests $(($(date +%s) - t1)) s; log $log)" >&2
exit "$status"
