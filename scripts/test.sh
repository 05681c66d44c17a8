#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every unit and end-to-end test.
# (The same suite under AddressSanitizer + UndefinedBehaviorSanitizer: scripts/test-asan.sh.)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
./scripts/build.sh -DMQKIT_WARNINGS_AS_ERRORS=ON
cd build
ctest --output-on-failure --timeout 120 -j "$(nproc)"
