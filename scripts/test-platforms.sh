#!/usr/bin/env bash
# The other platforms: README's test command on a clean Debian 13 root (scripts/test-distro.sh
# trixie), and the arm64 and armhf cross builds with their .debs (scripts/cross-build.sh:
# Architecture field and file(1) of every binary checked). All run; fails if any fails. About
# 25-40 minutes on 2 cores, so not part of CI (.ci/run runs README's test command only); the ARM
# tests in the emulator (scripts/test-arm.sh) take 30+ minutes each on top.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
step() {
    local t0=$SECONDS
    echo "platforms: $*" >&2
    "$@" || { echo "platforms: FAILED: $*" >&2; status=1; }
    echo "platforms: $* took $((SECONDS - t0)) s" >&2
}
step ./scripts/test-distro.sh trixie
step ./scripts/cross-build.sh arm64 -DMQKIT_WARNINGS_AS_ERRORS=ON
step ./scripts/cross-build.sh armhf -DMQKIT_WARNINGS_AS_ERRORS=ON
exit $status
