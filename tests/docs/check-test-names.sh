#!/usr/bin/env bash
# Every Catch2 test case must reach ctest: catch_discover_tests cuts a name at ';' (a CMake list
# separator) and Catch reads a name that starts with '-' as an option, so such a case is registered
# under a name that matches nothing and "passes" without running.
# Usage: check-test-names.sh <test program>...
set -euo pipefail
status=0
for program in "$@"; do
    # Catch2 2: --list-test-names-only (its exit status is the number of names); Catch2 3:
    # --list-tests --verbosity quiet.
    help=$("$program" --help || true)
    if [[ $help == *--list-test-names-only* ]]; then
        names=$("$program" --list-test-names-only || true)
    else
        names=$("$program" --list-tests --verbosity quiet || true)
    fi
    [ -n "$names" ] || { echo "FAIL: $program lists no test cases" >&2; status=1; }
    while IFS= read -r name; do
        name=${name#"${name%%[![:space:]]*}"}
        case $name in
            *';'* | -*) echo "FAIL: $(basename "$program"): '$name' cannot be run by ctest (';' or a leading '-')" >&2
                        status=1 ;;
        esac
    done <<<"$names"
done
exit $status
