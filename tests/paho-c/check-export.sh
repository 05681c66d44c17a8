#!/usr/bin/env bash
# mqkit-paho-export on objects built here: the functions the given shared library exports get
# default visibility, other hidden functions stay hidden; 64-bit objects, and 32-bit ones when the
# compiler can make them (gcc -m32 -c needs no 32-bit libraries). A file that is not ELF, and
# objects that define none of the library's functions, are errors (exit 1).
# Usage: check-export.sh <mqkit-paho-export> <libpaho-mqtt3as.so> <C compiler>
set -euo pipefail
tool=$1
lib=$2
cc=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
vis() { readelf -sW "$1" | awk -v s="$2" '$8 == s { print $6 }'; }

cat >"$tmp/api.c" <<'C'
__attribute__((visibility("hidden"))) int MQTTAsync_create(void) { return 0; }
__attribute__((visibility("hidden"))) int MQTTAsync_send(void) { return 1; }
__attribute__((visibility("hidden"))) int Paho_internal_helper(void) { return 2; }
C
echo 'int not_paho(void) { return 3; }' >"$tmp/other.c"

checked=0
for bits in 64 32; do
    if ! "$cc" -m$bits -fPIC -c "$tmp/api.c" -o "$tmp/api$bits.o" 2>/dev/null; then
        echo "no $bits-bit objects from $cc: skipped"
        continue
    fi
    "$tool" "$lib" "$tmp/api$bits.o" || fail "$bits-bit: the tool failed"
    [ "$(vis "$tmp/api$bits.o" MQTTAsync_create)" = DEFAULT ] || fail "$bits-bit: MQTTAsync_create not exported"
    [ "$(vis "$tmp/api$bits.o" MQTTAsync_send)" = DEFAULT ] || fail "$bits-bit: MQTTAsync_send not exported"
    [ "$(vis "$tmp/api$bits.o" Paho_internal_helper)" = HIDDEN ] || fail "$bits-bit: a non-API function was exported"
    echo "$bits-bit: API functions exported, the other one still hidden"
    checked=$((checked + 1))
done
[ $checked -gt 0 ] || fail "the compiler made no object at all"

"$cc" -fPIC -c "$tmp/other.c" -o "$tmp/other.o"
if "$tool" "$lib" "$tmp/other.o" 2>"$tmp/err"; then fail "objects without any Paho function were accepted"; fi
grep -q "define none of the library's functions" "$tmp/err" || fail "unexpected message: $(cat "$tmp/err")"
echo 'not ELF' >"$tmp/text.o"
if "$tool" "$lib" "$tmp/text.o" 2>"$tmp/err"; then fail "a text file was accepted"; fi
grep -q "not an ELF file" "$tmp/err" || fail "unexpected message: $(cat "$tmp/err")"
echo "errors: no Paho function, not ELF"
