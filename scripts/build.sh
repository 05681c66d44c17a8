#!/usr/bin/env bash
# Configures and builds mqkit into ./build (Release with debug info); extra args go to cmake.
# BUILD_DIR=<dir> builds elsewhere. Shows mqkit's own configure messages (which Paho workarounds
# are on, and why), nothing else of the configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BUILD_DIR:-build}
mkdir -p "$dir"
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$dir/configure.log" 2>&1 ||
    { cat "$dir/configure.log" >&2; exit 1; }
grep -E "^-- mqkit:" "$dir/configure.log" >&2 || true
grep -A6 "^CMake Warning" "$dir/configure.log" >&2 || true
cmake --build "$dir" -j "$(nproc)"
