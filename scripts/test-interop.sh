#!/usr/bin/env bash
# Runs the end-to-end suite's broker-independent scenarios ([interop]: tests/e2e/test_interop.cpp)
# against real brokers other than mosquitto, each started once for the run on loopback and stopped
# by PID at the end:
#   aedes     aedes 1.2 on Node.js (>= 20), from tests/interop/package-lock.json, installed with
#             `npm ci` into $BUILD_DIR/interop-node the first time (nothing is fetched at build time)
#   rabbitmq  RabbitMQ's MQTT and Web MQTT plugins (Debian 12's rabbitmq-server 3.10), with its own
#             config and state folder (tests/interop/rabbitmq-start.sh); ~12 s to start
# Each broker runs twice: one instance takes anonymous clients (MQTT and WebSockets on /mqtt),
# the other only user "mq" with password "secret". The tests are told what the broker does
# differently (MQKIT_E2E_DIFFERS, see tests/e2e/support/interop_broker.hpp).
# usage: scripts/test-interop.sh aedes|rabbitmq|all      (BUILD_DIR: default build)
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
case $which in aedes | rabbitmq | all) ;; *) echo "usage: $0 aedes|rabbitmq|all" >&2; exit 2 ;; esac
build=$(mkdir -p "${BUILD_DIR:-build}" && cd "${BUILD_DIR:-build}" && pwd)
[ -x "$build/tests/mqkit_e2e" ] || BUILD_DIR=$build ./scripts/build.sh
e2e=$build/tests/mqkit_e2e
work=$(mktemp -d /tmp/mqkit-interop-XXXXXX)
pids=()
rabbits=()

cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    for dir in "${rabbits[@]}"; do tests/interop/rabbitmq-stop.sh "$dir" >/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# Waits for "ready <port> <wsport>" in FILE (a broker's stdout); prints "<port> <wsport>".
await_ready() {
    local file=$1 pid=$2
    for _ in $(seq 200); do
        if [ -s "$file" ] && read -r word port ws <"$file" && [ "$word" = ready ]; then
            echo "$port $ws"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "mqkit: the broker did not start; its output:" >&2
    cat "$file" "${file%.out}.err" >&2 || true
    return 1
}

run_tests() {  # NAME: runs [interop] with the MQKIT_E2E_* variables set by the caller
    echo "mqkit: [interop] against $1" >&2
    "$e2e" '[interop]'
}

aedes() {
    local major
    major=$(node -e 'console.log(process.versions.node.split(".")[0])' 2>/dev/null || echo 0)
    if [ "$major" -lt 20 ]; then
        echo "mqkit: aedes 1.2 needs Node.js 20 or later (this is $(node --version 2>/dev/null || echo none));" \
             "Debian 12's own nodejs is 18: install NodeSource's nodejs 20 (skipped, exit 77)" >&2
        return 77
    fi
    local prefix=$build/interop-node
    if ! cmp -s tests/interop/package-lock.json "$prefix/package-lock.json" || [ ! -d "$prefix/node_modules/aedes" ]; then
        echo "mqkit: installing aedes into $prefix (npm ci)" >&2
        mkdir -p "$prefix"
        cp tests/interop/package.json tests/interop/package-lock.json "$prefix/"
        (cd "$prefix" && npm ci --no-audit --no-fund --loglevel=error)
    fi
    local open auth
    AEDES_PREFIX=$prefix node tests/interop/aedes-broker.js 0 --ws 0 --ws-path /mqtt >"$work/aedes.out" 2>"$work/aedes.err" &
    pids+=($!)
    open=$(await_ready "$work/aedes.out" $!)
    AEDES_PREFIX=$prefix node tests/interop/aedes-broker.js 0 --ws 0 --ws-path /mqtt --user mq --password secret \
        >"$work/aedes-auth.out" 2>"$work/aedes-auth.err" &
    pids+=($!)
    auth=$(await_ready "$work/aedes-auth.out" $!)
    MQKIT_E2E_BROKER=aedes MQKIT_E2E_PORT=${open% *} MQKIT_E2E_WS_PORT=${open#* } MQKIT_E2E_WS_PATH=/mqtt \
        MQKIT_E2E_AUTH_PORT=${auth% *} MQKIT_E2E_AUTH_WS_PORT=${auth#* } MQKIT_E2E_USER=mq MQKIT_E2E_PASSWORD=secret \
        MQKIT_E2E_DIFFERS="v5-refused" run_tests "aedes $(node -p "require('$prefix/node_modules/aedes/package.json').version")"
}

rabbitmq() {
    if [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
        echo "mqkit: rabbitmq-server is not installed (scripts/deps.sh --rabbitmq)" >&2
        return 1
    fi
    # Both instances boot at once: each takes ~12 s.
    tests/interop/rabbitmq-start.sh "$work/rmq" --ws-port 0 --ws-path /mqtt >"$work/rmq.out" 2>&1 &
    local a=$!
    tests/interop/rabbitmq-start.sh "$work/rmq-auth" --ws-port 0 --ws-path /mqtt --user mq --password secret \
        --no-anonymous >"$work/rmq-auth.out" 2>&1 &
    local b=$!
    rabbits+=("$work/rmq" "$work/rmq-auth")
    local ok=0
    wait $a || ok=1
    wait $b || ok=1
    if [ $ok -ne 0 ]; then
        cat "$work/rmq.out" "$work/rmq-auth.out" >&2
        return 1
    fi
    local open auth
    open=$(tail -n 1 "$work/rmq.out")
    auth=$(tail -n 1 "$work/rmq-auth.out")
    open=${open#ready }
    auth=${auth#ready }
    MQKIT_E2E_BROKER=rabbitmq MQKIT_E2E_PORT=${open% *} MQKIT_E2E_WS_PORT=${open#* } MQKIT_E2E_WS_PATH=/mqtt \
        MQKIT_E2E_AUTH_PORT=${auth% *} MQKIT_E2E_AUTH_WS_PORT=${auth#* } MQKIT_E2E_USER=mq MQKIT_E2E_PASSWORD=secret \
        MQKIT_E2E_DIFFERS="qos2-is-qos1 no-retained-wildcard dot-is-slash v5-closed ws-auth-closes" \
        run_tests "RabbitMQ $(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null)"
}

status=0
if [ "$which" = aedes ] || [ "$which" = all ]; then aedes || status=$?; fi
if [ "$which" = rabbitmq ] || [ "$which" = all ]; then rabbitmq || status=1; fi
# 77: aedes skipped (Node.js too old) and nothing else failed
exit $status
