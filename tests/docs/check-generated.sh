#!/usr/bin/env bash
# Regenerates man/ and completions/ with mqkit-gen into a temporary directory and fails on any
# difference from the committed files. Usage: check-generated.sh <mqkit-gen> <source dir>
set -euo pipefail
gen=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$gen" "$tmp"
status=0
for dir in man completions; do
    diff -ru "$src/$dir" "$tmp/$dir" || status=1
done
if [ "$status" -ne 0 ]; then
    echo "man/ or completions/ differ from the flag tables (diff above: committed vs generated)." >&2
    echo "Regenerate them: cmake --build build --target regenerate-docs" >&2
fi
exit "$status"
