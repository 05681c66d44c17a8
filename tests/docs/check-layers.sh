#!/usr/bin/env bash
# Holds lib/src to its layers (lib/CMakeLists.txt): a file in lib/src/<layer>/ includes headers of
# its own layer and of the layers its CMakeLists.txt names after USES, never of a higher one (the
# public headers, mqkit/*.hpp, are everyone's); Paho's headers appear in lib/src/mqtt/ only; and no
# two headers include each other in a loop.
# Usage: check-layers.sh <repository root>
set -euo pipefail
root=$1
cd "$root/lib/src"
status=0
fail() { echo "FAIL: $*" >&2; status=1; }

declare -A uses
for cmake in */CMakeLists.txt; do
    layer=${cmake%/CMakeLists.txt}
    # mqkit_layer(<name> USES a b ... SOURCES ...): the words between USES and SOURCES.
    allowed=$(tr '\n' ' ' <"$cmake" | sed -n 's/.*mqkit_layer([a-z]*[[:space:]]*USES\(.*\)SOURCES.*/\1/p')
    uses[$layer]="$layer $allowed"
done
[ ${#uses[@]} -gt 0 ] || { echo "FAIL: no layer folders with a CMakeLists.txt under lib/src" >&2; exit 1; }

while IFS= read -r file; do
    layer=${file%%/*}
    [ -n "${uses[$layer]:-}" ] || { fail "$file: its folder is no layer (no mqkit_layer in $layer/CMakeLists.txt)"; continue; }
    while IFS= read -r included; do
        target=${included%%/*}
        [ "$target" = "$included" ] && continue           # a bare name: a system or fmt header
        [ -n "${uses[$target]:-}" ] || continue             # not one of mqkit's layers (mqkit/, fmt/, ...)
        case " ${uses[$layer]} " in
            *" $target "*) ;;
            *) fail "$file includes $included: layer '$layer' may use only: ${uses[$layer]}" ;;
        esac
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
    if [ "$layer" != mqtt ] &&
        grep -qE '^[[:space:]]*#[[:space:]]*include[[:space:]]*(<mqtt/|[<"]MQTT[A-Za-z]*\.h)' "$file"; then
        fail "$file includes a Paho header: only lib/src/mqtt/ may"
    fi
done < <(find . -name '*.cpp' -o -name '*.hpp' | sed 's|^\./||' | sort)

# Include loops among mqkit's headers (depth-first search, paths relative to lib/src).
declare -A state
visit() {
    local file=$1 chain=$2
    state[$file]=open
    local inc
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file"); do
        [ -f "$inc" ] || continue
        if [ "${state[$inc]:-}" = open ]; then
            fail "include loop: $chain -> $inc"
        elif [ -z "${state[$inc]:-}" ]; then
            visit "$inc" "$chain -> $inc"
        fi
    done
    state[$file]=done
}
while IFS= read -r file; do
    [ -z "${state[$file]:-}" ] && visit "$file" "$file"
done < <(find . -name '*.hpp' | sed 's|^\./||' | sort)

[ $status -eq 0 ] && echo "layers: ${!uses[*]}: every include within its allowed layers, Paho only in mqtt/, no include loop"
exit $status
