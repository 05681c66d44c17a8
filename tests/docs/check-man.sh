#!/usr/bin/env bash
# Every man page renders with neither a groff warning (groff -ww -z -man) nor a man-db one
# (man --warnings -l). Exits 77 (skipped) without groff. Usage: check-man.sh <man dir>
set -euo pipefail
dir=$1
if ! command -v groff >/dev/null; then
    echo "SKIP: groff is not installed (apt-get install groff-base); man pages not checked"
    exit 77
fi
shopt -s nullglob
pages=("$dir"/*.1)
[ ${#pages[@]} -gt 0 ] || { echo "no man pages in $dir" >&2; exit 1; }
status=0
for page in "${pages[@]}"; do
    warnings=$(groff -ww -z -man "$page" 2>&1)
    if [ -n "$warnings" ]; then
        printf '%s: groff warnings:\n%s\n' "$page" "$warnings" >&2
        status=1
    fi
    if command -v man >/dev/null; then
        warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
        if [ -n "$warnings" ]; then
            printf '%s: man warnings:\n%s\n' "$page" "$warnings" >&2
            status=1
        fi
    fi
    echo "$page: ok"
done
exit "$status"
