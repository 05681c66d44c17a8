#!/usr/bin/env bash
# The other platforms, run by CI after README's test command (.ci/run): README's test command on a
# clean Debian 13 root (scripts/test-distro.sh trixie; its plain and interop stages unless
# MQKIT_TEST_STAGES says otherwise: the sanitized and workaround-less builds run on Debian 12), and
# the arm64 and armhf cross builds with their .debs (scripts/cross-build.sh: Architecture field and
# file(1) of every binary checked). All run; fails if any fails. About 12-15 minutes on 2 cores.
# The ARM tests in the emulator (scripts/test-arm.sh) take 30+ minutes each and are not run here.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
step() {
    local t0=$SECONDS
    echo "platforms: $*" >&2
    "$@" || { echo "platforms: FAILED: $*" >&2; status=1; }
    echo "platforms: $* took $((SECONDS - t0)) s" >&2
}
MQKIT_TEST_STAGES=${MQKIT_TEST_STAGES:-plain interop} step ./scripts/test-distro.sh trixie
step ./scripts/cross-build.sh arm64 -DMQKIT_WARNINGS_AS_ERRORS=ON
step ./scripts/cross-build.sh armhf -DMQKIT_WARNINGS_AS_ERRORS=ON
echo "platforms: $([ $status -eq 0 ] && echo passed || echo FAILED)" >&2
exit $status
