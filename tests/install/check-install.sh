#!/usr/bin/env bash
# `cmake --install` into a temporary prefix, then checks: every file in its standard place, the
# installed tools run, libmqkit exports nothing but mqkit's API, and a project outside mqkit builds
# against it and runs a publish/subscribe round trip through a mosquitto of its own, found once
# with find_package(mqkit) and once with pkg-config.
# Usage: check-install.sh <build dir> <consumer dir> <mosquitto>
set -euo pipefail
build=$1
consumer=$2
mosquitto=$3
tmp=$(mktemp -d)
broker_pid=
cleanup() {
    if [ -n "$broker_pid" ]; then kill "$broker_pid" 2>/dev/null || true; wait "$broker_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
prefix=$tmp/prefix
fail() { echo "FAIL: $*" >&2; exit 1; }

# A mosquitto of the test's own on a free loopback port (another may hold the first one tried).
start_broker() {
    local attempt
    for attempt in $(seq 1 20); do
        broker_port=$((20000 + RANDOM % 40000))
        printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$broker_port" >"$tmp/mosquitto.conf"
        "$mosquitto" -c "$tmp/mosquitto.conf" >"$tmp/mosquitto.log" 2>&1 &
        broker_pid=$!
        local waited
        for waited in $(seq 1 100); do
            # "running" comes once every listener is bound ("Opening ... listen socket on port N"
            # comes before the bind, and is followed by "Address already in use" when it fails).
            grep -qE "^[0-9]+: mosquitto version .* running$" "$tmp/mosquitto.log" && return 0
            kill -0 "$broker_pid" 2>/dev/null || break
            sleep 0.05
        done
        kill "$broker_pid" 2>/dev/null || true
        wait "$broker_pid" 2>/dev/null || true
        broker_pid=
    done
    cat "$tmp/mosquitto.log" >&2
    fail "mosquitto did not start"
}

cmake --install "$build" --prefix "$prefix" >/dev/null

lib=$(cd "$prefix" && find . -name 'libmqkit.so.*.*' -type f | head -n 1)
lib=${lib#./}
[ -n "$lib" ] || fail "libmqkit.so.<version> is not installed"
libdir=$prefix/$(dirname "$lib")
soname=$(readelf -d "$libdir/$(basename "$lib")" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ -n "$soname" ] || fail "libmqkit has no SONAME"
[ -L "$libdir/$soname" ] || fail "no $soname symlink next to $lib"
[ -L "$libdir/libmqkit.so" ] || fail "no libmqkit.so development symlink"
for f in include/mqkit/flags.hpp include/mqkit/topic.hpp; do
    [ -f "$prefix/$f" ] || fail "$f is not installed"
done
[ -f "$libdir/cmake/mqkit/mqkit-config.cmake" ] || fail "mqkit-config.cmake is not installed"
[ -f "$libdir/pkgconfig/mqkit.pc" ] || fail "mqkit.pc is not installed"

# libmqkit exports mqkit's API and nothing else: no libc function, no Paho C function.
leaked=$(nm -D --defined-only "$libdir/$(basename "$lib")" | awk '{print $3}' |
    grep -E '^(close|connect|poll|recv|read|usleep|write|writev|malloc|free)$|^MQTT|^Thread_|^Heap_' || true)
[ -z "$leaked" ] || fail "libmqkit exports symbols that are not mqkit's: $(echo $leaked)"

tools=0
for page in "$prefix"/share/man/man1/*.1; do
    tool=$(basename "$page" .1)
    tools=$((tools + 1))
    for f in "bin/$tool" "share/bash-completion/completions/$tool" "share/zsh/vendor-completions/_$tool" \
             "share/fish/vendor_completions.d/$tool.fish"; do
        [ -e "$prefix/$f" ] || fail "$f is not installed"
    done
    # The installed tool finds the installed libmqkit by itself (RUNPATH $ORIGIN/../lib).
    "$prefix/bin/$tool" --version | grep -q "^$tool " || fail "$prefix/bin/$tool --version does not run"
done
[ "$tools" -gt 0 ] || fail "no man pages installed in share/man/man1"
echo "installed: $tools tools, $soname, headers, CMake package, mqkit.pc, man pages, completions"

# find_package(mqkit) -> mqkit::mqkit
cmake -S "$consumer" -B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" >"$tmp/configure.log" 2>&1 ||
    { cat "$tmp/configure.log"; fail "the consumer project does not configure"; }
found=$(sed -n 's/^mqkit_DIR:PATH=//p' "$tmp/cmake-build/CMakeCache.txt")
[ "$found" = "$libdir/cmake/mqkit" ] || fail "find_package found mqkit in '$found', not in the temporary prefix"
cmake --build "$tmp/cmake-build" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "the consumer does not build"; }
start_broker
"$tmp/cmake-build/consumer" 127.0.0.1 "$broker_port" || { cat "$tmp/mosquitto.log" >&2; fail "the find_package consumer failed"; }

# pkg-config --cflags --libs mqkit
export PKG_CONFIG_PATH=$libdir/pkgconfig
[ "$(pkg-config --variable=prefix mqkit)" = "$prefix" ] || fail "mqkit.pc names prefix $(pkg-config --variable=prefix mqkit)"
# shellcheck disable=SC2046
c++ -std=c++17 -o "$tmp/pc-consumer" "$consumer/main.cpp" $(pkg-config --cflags --libs mqkit) -Wl,-rpath,"$libdir" ||
    fail "the consumer does not build with pkg-config"
"$tmp/pc-consumer" 127.0.0.1 "$broker_port" || { cat "$tmp/mosquitto.log" >&2; fail "the pkg-config consumer failed"; }
