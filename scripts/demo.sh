#!/usr/bin/env bash
# The quick start: installs what is missing, builds, starts a throwaway mosquitto on a free loopback
# port and runs the lab's publish/subscribe round trip with mqpub and mqsub, then stops the broker.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
./scripts/build.sh
bin=$PWD/build/apps

dir=$(mktemp -d)
broker_pid=
cleanup() {
    [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT

# A throwaway broker on a free loopback port (retry if another process takes the port first).
for attempt in 1 2 3 4 5; do
    port=$(( 20000 + RANDOM % 40000 ))
    printf 'listener %s 127.0.0.1\nallow_anonymous true\nuser %s\nlog_dest file %s/mosquitto.log\nlog_type all\n' \
        "$port" "$(id -un)" "$dir" > "$dir/mosquitto.conf"
    mosquitto -c "$dir/mosquitto.conf" 2>/dev/null & broker_pid=$!
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break 2
        kill -0 "$broker_pid" 2>/dev/null || break
        sleep 0.05
    done
    broker_pid=
done
[ -n "$broker_pid" ] || { echo "demo: could not start mosquitto" >&2; exit 1; }
wait_subscribed() {  # the broker logs SUBACK once a subscriber is ready
    for _ in $(seq 200); do grep -q "Sending SUBACK to $1" "$dir/mosquitto.log" && return; sleep 0.02; done
    echo "demo: subscriber $1 did not subscribe" >&2; exit 1
}
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
mqpub() { "$bin/mqpub" -p "$port" "$@"; }
mqsub() { "$bin/mqsub" -p "$port" "$@"; }

echo "mosquitto is listening on 127.0.0.1:$port"

step "mqsub -t i/LOVE/Python -C 1 &   # terminal 1"
mqsub -t i/LOVE/Python -C 1 -i demo-sub > "$dir/received" & sub_pid=$!
wait_subscribed demo-sub
step "mqpub -t i/LOVE/Python -m 'Very well!'   # terminal 2"
mqpub -t i/LOVE/Python -m 'Very well!'
wait "$sub_pid"
echo "terminal 1 printed: $(cat "$dir/received")"

step "mqpub -t i/LOVE/Python -m testing -q 2 -d   # the QoS 2 handshake"
mqpub -t i/LOVE/Python -m testing -q 2 -d

step "mqpub -t lab/led -m red -r   # a retained message"
mqpub -t lab/led -m red -r
step "mqsub -t lab/led -C 1 -v   # a late subscriber still gets it"
mqsub -t lab/led -C 1 -v
step "mqpub -t lab/led -r -n   # clear it"
mqpub -t lab/led -r -n
step "mqsub -t lab/led -W 1   # nothing retained any more: times out (exit 27)"
status=0; mqsub -t lab/led -W 1 || status=$?
echo "exit status $status"
[ "$status" -eq 27 ]

printf '\nThe round trip works. Binaries: %s/mqpub, %s/mqsub\n' "$bin" "$bin"
