#!/usr/bin/env bash
# Shared by the lab scripts and scripts/demo.sh: a throwaway mosquitto on a free 127.0.0.1 port with its
# own config in a temp dir, stopped by PID on exit, and helpers to run mqpub/mqsub against it.
#
# Use:  . "$(dirname "$0")/lib.sh"; lab_start_broker; mqsub ...; mqpub ...
# MQKIT_BIN   where mqpub/mqsub/tspub are (default: build/apps of this checkout)
# LAB_ALLOW_ANONYMOUS   allow_anonymous of the broker (default: true)

set -euo pipefail

LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MQKIT_BIN=${MQKIT_BIN:-$LAB_ROOT/build/apps}
LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mqkit-lab.XXXXXX")
LAB_LOG=$LAB_DIR/mosquitto.log
LAB_PORT=
LAB_BROKER_PID=
LAB_PIDS=()

# Stops what the script started (background clients, then the broker), by PID, and removes the temp dir.
lab_cleanup() {
    local pid
    for pid in "${LAB_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${LAB_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ -n "$LAB_BROKER_PID" ]; then
        kill "$LAB_BROKER_PID" 2>/dev/null || true
        wait "$LAB_BROKER_PID" 2>/dev/null || true
    fi
    rm -rf "$LAB_DIR"
}
trap lab_cleanup EXIT

lab_die() {
    echo "lab: $*" >&2
    exit 1
}

# lab_require mqpub mqsub ...: the tools must exist in MQKIT_BIN.
lab_require() {
    local t
    for t in "$@"; do
        [ -x "$MQKIT_BIN/$t" ] || lab_die "$MQKIT_BIN/$t not found: build first (./scripts/build.sh) or set MQKIT_BIN"
    done
}

# lab_track PID: stop this background process on exit if it is still running.
lab_track() { LAB_PIDS+=("$1"); }

# lab_wait_log NEEDLE [SECONDS]: waits until the broker log contains NEEDLE.
lab_wait_log() {
    local tries=$(( ${2:-10} * 50 ))
    while [ "$tries" -gt 0 ]; do
        grep -qF -- "$1" "$LAB_LOG" 2>/dev/null && return 0
        sleep 0.02
        tries=$((tries - 1))
    done
    lab_die "the broker never logged '$1'"
}

# lab_wait_subscribed CLIENT_ID: the broker logs SUBACK once that subscriber is ready.
lab_wait_subscribed() { lab_wait_log "Sending SUBACK to $1"; }

# lab_start_broker [CONFIG LINE...]: starts mosquitto on a free loopback port (LAB_PORT) and waits until
# it has bound its listener and accepts TCP connections. Extra arguments are appended to its config.
# shellcheck disable=SC2120  # the config lines are optional
lab_start_broker() {
    local mosquitto
    mosquitto=$(command -v mosquitto || echo /usr/sbin/mosquitto)
    [ -x "$mosquitto" ] || lab_die "mosquitto not found (apt-get install mosquitto)"
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        LAB_PORT=$((20000 + RANDOM % 40000))
        {
            printf 'listener %s 127.0.0.1\nallow_anonymous %s\nuser %s\n' "$LAB_PORT" \
                "${LAB_ALLOW_ANONYMOUS:-true}" "$(id -un)"
            printf 'log_dest file %s\nlog_type all\n' "$LAB_LOG"
            [ $# -eq 0 ] || printf '%s\n' "$@"
        } >"$LAB_DIR/mosquitto.conf"
        : >"$LAB_LOG"
        "$mosquitto" -c "$LAB_DIR/mosquitto.conf" >"$LAB_DIR/mosquitto.out" 2>&1 &
        LAB_BROKER_PID=$!
        local tries=200
        while [ "$tries" -gt 0 ] && kill -0 "$LAB_BROKER_PID" 2>/dev/null; do
            # "running" is logged once every listener is bound, so the port is ours, not another process's.
            if grep -q ' running$' "$LAB_LOG" && (exec 3<>"/dev/tcp/127.0.0.1/$LAB_PORT") 2>/dev/null; then
                return 0
            fi
            sleep 0.02
            tries=$((tries - 1))
        done
        kill "$LAB_BROKER_PID" 2>/dev/null || true
        wait "$LAB_BROKER_PID" 2>/dev/null || true
        LAB_BROKER_PID=
    done
    lab_die "could not start mosquitto: $(cat "$LAB_LOG" "$LAB_DIR/mosquitto.out" 2>/dev/null | tail -n 3)"
}

# mqpub/mqsub/tspub as the lab text types them, talking to the throwaway broker.
mqpub() { "$MQKIT_BIN/mqpub" -h 127.0.0.1 -p "$LAB_PORT" "$@"; }
mqsub() { "$MQKIT_BIN/mqsub" -h 127.0.0.1 -p "$LAB_PORT" "$@"; }

# lab_spawn TOOL ARGS...: starts mqpub/mqsub/tspub in the background against the broker, as its own
# process (not a subshell, so signals reach it); its PID is left in LAB_SPAWNED and stopped on exit.
lab_spawn() {
    local tool=$1
    shift
    "$MQKIT_BIN/$tool" -h 127.0.0.1 -p "$LAB_PORT" "$@" &
    LAB_SPAWNED=$!
    lab_track "$LAB_SPAWNED"
}

# lab_step TEXT: shows the command a student would type (bold on a colour terminal).
lab_step() {
    if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-dumb}" != dumb ]; then
        printf '\n\033[1m$ %s\033[0m\n' "$*"
    else
        printf '\n$ %s\n' "$*"
    fi
}

# lab_title TEXT: the exercise's heading.
lab_title() { printf '== %s ==\n' "$*"; }
