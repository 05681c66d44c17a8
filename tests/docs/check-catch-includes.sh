#!/usr/bin/env bash
# Test files reach Catch2 only through tests/catch_compat.hpp (and its Catch::AutoReg through
# mqkit_catch::register_test), so that they build with Catch2 2 (Debian 12) and 3 (Debian 13)
# alike: a direct include of catch2/catch.hpp or a direct AutoReg builds on Debian 12 and breaks
# on Debian 13. tests/main.cpp, which picks the Catch2 version, is the exception.
# Usage: check-catch-includes.sh <tests dir>
set -euo pipefail
cd "$1"
bad=$(grep -rnE '#include *[<"]catch2/|Catch::AutoReg' --include='*.cpp' --include='*.hpp' . |
      grep -vE '^\./(main\.cpp|catch_compat\.hpp):' || true)
[ -z "$bad" ] || { echo "FAIL: Catch2 used directly, not through catch_compat.hpp:" >&2; echo "$bad" >&2; exit 1; }
count=$(grep -rlE '#include "catch_compat.hpp"' --include='*.cpp' . | wc -l)
[ "$count" -gt 10 ] || { echo "FAIL: only $count test files include catch_compat.hpp" >&2; exit 1; }
echo "check-catch-includes: $count test files, Catch2 only through catch_compat.hpp"
