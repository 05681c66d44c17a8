#!/bin/sh
# run-target.sh ROOT PROGRAM ARGS...: CMAKE_CROSSCOMPILING_EMULATOR of mqkit's ARM cross builds
# (cmake/toolchain-debian-cross.cmake). On an ARM machine (the qemu-system guest of
# scripts/test-arm.sh, a Raspberry Pi) it runs PROGRAM itself; elsewhere through qemu-user
# (package qemu-user-static) with ROOT's loader and libraries: good for programs that start no
# thread, as Catch2's test listing at build time.
root=$1; shift
case "$(uname -m)" in aarch64 | arm*) exec "$@" ;; esac
case "$(od -An -tx1 -j18 -N1 "$1" | tr -d ' ')" in  # ELF e_machine
    b7) qemu=qemu-aarch64-static ;;
    28) qemu=qemu-arm-static ;;
    *) exec "$@" ;;
esac
command -v "$qemu" >/dev/null || { echo "run-target.sh: $qemu not found (package qemu-user-static)" >&2; exit 127; }
exec "$qemu" -L "$root" "$@"
