#!/usr/bin/env bash
# mosquitto's own client test suite (test/client of mosquitto 2.1.2, 42 tests) against mqkit.
#
#   scripts/mosquitto-suite.sh PATH_TO_MOSQUITTO_2.1.2_SOURCE [TEST.py ...]
#
# Builds mosquitto 2.1.2 from the source tree given (a fetched copy: nothing is downloaded; e.g.
# `git clone -b v2.1.2 https://github.com/eclipse-mosquitto/mosquitto`), then runs the suite twice:
# once with mosquitto's own clients (the control: 42 of 42 pass) and once with mqpub, mqsub and mqrr
# in their place, and prints both counts. Only the binary paths differ between the two runs: each
# run's BUILD_ROOT has client/mosquitto_{pub,sub,rr} (mosquitto's, or symlinks to mqkit's) and
# src/mosquitto (the 2.1.2 broker just built). With TEST.py names, only those run, one after another.
#
# mqkit's failures that README lists as deliberate differences ("mosquitto 2.1.2's client test
# suite") are reported as expected; any other failure makes the script exit 1.
#
# Needs: cmake gcc g++ make libssl-dev libcjson-dev python3, and microsocks for the SOCKS tests
# (scripts/deps.sh --suite installs them). Not part of CI: it needs the mosquitto source, and the
# suite takes 1-3 minutes. The suite uses ports 1888-1908 and 8883 on this machine, and its TLS
# test connects to this host's own non-loopback address (nothing leaves the machine).
#
# Environment: MQKIT_BIN (default build/apps) is where mqpub, mqsub and mqrr are;
# SUITE_DIR (default build/mosquitto-suite) holds the mosquitto build and the runs' work dirs.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { sed -n '2,4p' "$0" >&2; exit 2; }
src=$(cd "$1" && pwd)
shift
bin=$(cd "${MQKIT_BIN:-$here/build/apps}" && pwd)
suite=${SUITE_DIR:-$here/build/mosquitto-suite}
mkdir -p "$suite"
suite=$(cd "$suite" && pwd)

# The failures README explains (section "mosquitto 2.1.2's client test suite"): test -> reason.
declare -A expected=(
    [02-subscribe-argv-errors-tls-psk.py]="error messages: mqkit's one-line 'mqsub: error: ...' shape"
    [02-subscribe-argv-errors-tls.py]="error messages: mqkit's one-line 'mqsub: error: ...' shape"
    [02-subscribe-argv-errors-without-tls.py]="--help exits 0; error messages in mqkit's shape"
    [03-publish-argv-errors-tls-psk.py]="error messages: mqkit's one-line 'mqpub: error: ...' shape"
    [03-publish-argv-errors-tls.py]="error messages: mqkit's one-line 'mqpub: error: ...' shape"
    [03-publish-argv-errors-without-tls.py]="--help exits 0; error messages in mqkit's shape"
    [04-rr-argv-errors-tls-psk.py]="error messages: mqkit's one-line 'mqrr: error: ...' shape"
    [04-rr-argv-errors-tls.py]="error messages: mqkit's one-line 'mqrr: error: ...' shape"
    [04-rr-argv-errors-without-tls.py]="--help exits 0; error messages in mqkit's shape"
    [03-publish-tls.py]="a host name mismatch is found after the TLS handshake (Paho), so no bad_certificate alert"
)

for tool in cmake gcc g++ make python3; do
    command -v "$tool" >/dev/null || { echo "mosquitto-suite: $tool is missing (scripts/deps.sh --suite)" >&2; exit 2; }
done
for header in openssl/ssl.h cjson/cJSON.h; do
    [ -e "/usr/include/$header" ] ||
        { echo "mosquitto-suite: /usr/include/$header is missing (scripts/deps.sh --suite)" >&2; exit 2; }
done
command -v microsocks >/dev/null || echo "mosquitto-suite: no microsocks: the SOCKS tests will skip themselves" >&2
[ -x "$src/test/client/test.py" ] || [ -f "$src/test/client/test.py" ] ||
    { echo "mosquitto-suite: $src has no test/client/test.py: not a mosquitto source tree" >&2; exit 2; }
grep -q 'VERSION 2\.1\.2' "$src/CMakeLists.txt" ||
    echo "mosquitto-suite: warning: $src does not look like mosquitto 2.1.2" >&2
for tool in mqpub mqsub mqrr; do
    [ -x "$bin/$tool" ] || { echo "mosquitto-suite: $bin/$tool is missing: build mqkit first" >&2; exit 2; }
done

# 1. mosquitto 2.1.2: the broker and its three clients only. WITH_DOCS=OFF: with xsltproc
# installed, its man pages would be written into the source tree.
build=$suite/mosquitto-2.1.2
if [ ! -x "$build/src/mosquitto" ] || [ ! -x "$build/client/mosquitto_rr" ]; then
    echo "mosquitto-suite: building mosquitto 2.1.2 in $build" >&2
    cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DWITH_DOCS=OFF -DWITH_TESTS=OFF -DWITH_APPS=OFF \
        -DWITH_PLUGINS=OFF -DWITH_LIB_CPP=OFF -DWITH_HTTP_API=OFF -DWITH_CTRL_SHELL=OFF -DWITH_LTO=OFF \
        -DWITH_SRV=OFF -DWITH_WEBSOCKETS=ON -DWITH_WEBSOCKETS_BUILTIN=ON >"$suite/cmake.log" 2>&1 ||
        { cat "$suite/cmake.log" >&2; exit 1; }
    nice cmake --build "$build" -j "$(nproc)" --target mosquitto mosquitto_pub mosquitto_sub mosquitto_rr \
        >"$suite/build.log" 2>&1 || { tail -40 "$suite/build.log" >&2; exit 1; }
fi

# 2. mqkit's BUILD_ROOT: the same broker, mqkit's clients under mosquitto's names.
root=$suite/mqkit-root
mkdir -p "$root/client" "$root/src"
for t in pub sub rr; do ln -sfn "$bin/mq$t" "$root/client/mosquitto_$t"; done
ln -sfn "$build/src/mosquitto" "$root/src/mosquitto"

# Runs the suite (or the named tests) with BUILD_ROOT=$1 from a fresh copy of test/ (each test
# writes its .conf/.data files into its working directory). Output in $2.
run_suite() {
    local build_root=$1 log=$2 work
    work=$(mktemp -d "$suite/run.XXXXXX")
    cp -a "$src/test" "$work/test"
    local cmd="cd '$work/test/client' && export BUILD_ROOT='$build_root' && "
    if [ ${#tests[@]} -eq 0 ]; then
        cmd+="python3 ./test.py"
    else
        cmd+="f=0; for t in ${tests[*]}; do python3 ./\$t && echo \"PASS \$t\" || { echo \"FAIL \$t\"; f=1; }; done; exit \$f"
    fi
    # The SOCKS tests connect to ip6-localhost, which Debian's /etc/hosts in containers often lacks:
    # root gets it added in a private mount namespace of this run only (the system's file is not changed).
    if getent hosts ip6-localhost >/dev/null 2>&1 || [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null; then
        getent hosts ip6-localhost >/dev/null 2>&1 ||
            echo "mosquitto-suite: no ip6-localhost in /etc/hosts: the SOCKS tests fail in both runs" >&2
        bash -c "$cmd" >"$log" 2>&1 || true
    else
        { cat /etc/hosts; printf '::1\tip6-localhost ip6-loopback\n'; } >"$work/hosts"
        unshare -m bash -c "mount --bind '$work/hosts' /etc/hosts && $cmd" >"$log" 2>&1 || true
    fi
    rm -rf "$work"
}

# "passed failed-test..." from a run's log.
results() {
    local log=$1
    if [ ${#tests[@]} -eq 0 ]; then
        local passed failed
        passed=$(sed -n 's/^Passed: \([0-9]*\)$/\1/p' "$log" | tail -n 1)
        failed=$(sed -n '/^Failing tests:/,$p' "$log" | grep -oE '[0-9]+-[a-z0-9-]+\.py' | sort -u | tr '\n' ' ')
        echo "${passed:-0} $failed"
    else
        echo "$(grep -c '^PASS ' "$log") $(sed -n 's/^FAIL //p' "$log" | tr '\n' ' ')"
    fi
}

tests=("$@")
total=${#tests[@]}
[ "$total" -gt 0 ] || total=$(grep -cE "^\s*\([0-9], '\./[0-9]" "$src/test/client/test.py")

echo "mosquitto-suite: control run, mosquitto 2.1.2's own clients" >&2
run_suite "$build" "$suite/control.log"
read -r control_passed control_failed <<<"$(results "$suite/control.log")" || true
echo "mosquitto-suite: mqkit run, mqpub/mqsub/mqrr from $bin" >&2
run_suite "$root" "$suite/mqkit.log"
read -r mqkit_passed mqkit_failed <<<"$(results "$suite/mqkit.log")" || true

echo
echo "mosquitto 2.1.2 clients: ${control_passed} of ${total} passed   (log: $suite/control.log)"
[ -z "${control_failed:-}" ] || echo "  failed: $control_failed"
echo "mqkit mqpub/mqsub/mqrr:  ${mqkit_passed} of ${total} passed   (log: $suite/mqkit.log)"
unexpected=0
for t in ${mqkit_failed:-}; do
    if [ -n "${expected[$t]:-}" ]; then
        echo "  expected: $t: ${expected[$t]}"
    else
        echo "  UNEXPECTED: $t"
        unexpected=1
    fi
done
exit $unexpected
