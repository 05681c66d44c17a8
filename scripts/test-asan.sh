#!/usr/bin/env bash
# Builds mqkit with AddressSanitizer + UndefinedBehaviorSanitizer (preset "asan", ./build-asan)
# and runs every unit and end-to-end test under them; any report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$(nproc)"
# The tools end with _exit() (see mqkit::exit_now), so LeakSanitizer checks the test programs,
# not the tools; the suppressions cover Paho's own process-lifetime allocations only. A small
# quarantine keeps the memory-bound test meaningful.
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:quarantine_size_mb=16:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan-paho.supp:print_suppressions=0"
cd build-asan
# The install and package tests build non-sanitized consumers of the sanitized library: they
# check packaging, not memory, and run in the plain suite (scripts/test.sh).
ctest --output-on-failure --timeout 300 -j "$(nproc)" -LE "install|package"
