#!/usr/bin/env bash
# Builds the .deb with CPack into a temporary directory and checks with dpkg-deb what it holds: the
# tools, libmqkit with its SONAME symlink, headers, CMake and pkg-config files, man pages, the three
# shells' completions, all under /usr, and the Paho and cJSON runtime packages in Depends (fmt is
# compiled in).
# Exits 77 (skipped) without dpkg-deb. Usage: check-deb.sh <build dir> <source dir> <version>
set -euo pipefail
build=$1
src=$2
version=$3
if ! command -v dpkg-deb >/dev/null; then
    echo "SKIP: dpkg-deb is not installed; the package was not built"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cpack --config "$build/CPackConfig.cmake" -B "$tmp" >"$tmp/cpack.log" 2>&1 || { cat "$tmp/cpack.log"; fail "cpack failed"; }
deb=$tmp/mqkit_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || { ls "$tmp"; fail "no $(basename "$deb")"; }
echo "built $(basename "$deb")"

contents=$(dpkg-deb -c "$deb" | awk '{ $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, ""); print }')
has() { grep -qE "$1" <<<"$contents" || fail "the package holds no $2"; }
has '^\./usr/lib(/[^/]+)?/libmqkit\.so\.[0-9]+\.[0-9]+\.[0-9]+$' "libmqkit.so.<version>"
has '^\./usr/lib(/[^/]+)?/libmqkit\.so\.[0-9]+ -> libmqkit\.so\.[0-9.]+$' "libmqkit.so.<soversion> symlink"
has '^\./usr/include/mqkit/flags\.hpp$' "headers"
has '^\./usr/lib(/[^/]+)?/cmake/mqkit/mqkit-config\.cmake$' "CMake package"
has '^\./usr/lib(/[^/]+)?/pkgconfig/mqkit\.pc$' "pkg-config file"
for page in "$src"/man/*.1; do
    tool=$(basename "$page" .1)
    has "^\./usr/bin/$tool\$" "/usr/bin/$tool"
    has "^\./usr/share/man/man1/$tool\.1(\.gz)?\$" "man page of $tool"
    has "^\./usr/share/bash-completion/completions/$tool\$" "bash completion of $tool"
    has "^\./usr/share/zsh/vendor-completions/_$tool\$" "zsh completion of $tool"
    has "^\./usr/share/fish/vendor_completions\.d/$tool\.fish\$" "fish completion of $tool"
done
if grep -qvE '^\./usr/' <<<"$(grep -v '^\./$' <<<"$contents")"; then
    fail "files outside /usr: $(grep -vE '^\./(usr/.*)?$' <<<"$contents")"
fi

[ "$(dpkg-deb -f "$deb" Package)" = mqkit ] || fail "Package is not mqkit"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "Version is not $version"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
# With Paho C linked into libmqkit (lib/paho-c), libmqkit calls OpenSSL itself and libpaho-mqtt1.3 is
# needed only through libpaho-mqttpp3-1; otherwise libmqkit needs libpaho-mqtt1.3 directly.
lib=$(dpkg-deb --fsys-tarfile "$deb" | tar -t | grep -E '/libmqkit\.so\.[0-9]+\.[0-9]+\.[0-9]+$' | head -n 1)
dpkg-deb --fsys-tarfile "$deb" | tar -xO "$lib" >"$tmp/libmqkit.so"
if grep -qE ' FUNC +GLOBAL +DEFAULT +[0-9]+ MQTTAsync_create$' <<<"$(readelf --dyn-syms -W "$tmp/libmqkit.so")"; then
    needed="libpaho-mqttpp3-1 libssl3(t64)?"
else
    needed="libpaho-mqttpp3-1 libpaho-mqtt1.3"
fi
needed+=" libcjson1"  # core/json.cpp: %j/%J and mqbench's reports
for p in $needed; do
    grep -qE "(^|, )$p( |,|$)" <<<"$depends" || fail "Depends lacks $p"
done
# fmt is compiled into libmqkit (header-only): no libfmt at run time.
if grep -qE "(^|, )libfmt" <<<"$depends"; then fail "Depends names libfmt, which libmqkit no longer loads"; fi
pc=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards './usr/lib*/mqkit.pc')
grep -qx 'prefix=/usr' <<<"$pc" || fail "mqkit.pc in the package does not say prefix=/usr"
echo "the package holds everything"
