#!/usr/bin/env bash
# Every completion script of one shell passes that shell's syntax check (bash -n, zsh -n, fish -n).
# Exits 77 (skipped) when the shell is not installed. Usage: check-syntax.sh <shell> <dir>
set -euo pipefail
shell=$1
dir=$2
if ! command -v "$shell" >/dev/null; then
    echo "SKIP: $shell is not installed (apt-get install $shell); its completions were not checked"
    exit 77
fi
shopt -s nullglob
files=("$dir"/*)
[ ${#files[@]} -gt 0 ] || { echo "no completion scripts in $dir" >&2; exit 1; }
status=0
for file in "${files[@]}"; do
    if "$shell" -n "$file"; then echo "$file: ok"; else status=1; fi
done
exit "$status"
