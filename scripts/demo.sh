#!/usr/bin/env bash
# The quick start: installs what is missing, builds, starts a throwaway mosquitto on a free loopback
# port and runs the lab's publish/subscribe round trip with mqpub and mqsub, then stops the broker.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
./scripts/build.sh
# The throwaway broker and the mqpub/mqsub helpers are shared with the lab scripts (examples/lab/lib.sh).
export MQKIT_BIN=$PWD/build/apps
. examples/lab/lib.sh
lab_start_broker
bin=$MQKIT_BIN
step() { lab_step "$@"; }

echo "mosquitto is listening on 127.0.0.1:$LAB_PORT"

step "mqsub -t i/LOVE/Python -C 1 &   # terminal 1"
lab_spawn mqsub -t i/LOVE/Python -C 1 -i demo-sub >"$LAB_DIR/received"
sub_pid=$LAB_SPAWNED
lab_wait_subscribed demo-sub
step "mqpub -t i/LOVE/Python -m 'Very well!'   # terminal 2"
mqpub -t i/LOVE/Python -m 'Very well!'
wait "$sub_pid"
echo "terminal 1 printed: $(cat "$LAB_DIR/received")"

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
