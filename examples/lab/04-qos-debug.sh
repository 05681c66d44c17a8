#!/usr/bin/env bash
# Lab: QoS 0, 1 and 2 seen with -d: the packets each level exchanges with the broker.
. "$(dirname "$0")/lib.sh"
lab_require mqpub mqsub
lab_start_broker
lab_title "QoS 0, 1 and 2 with -d (broker on 127.0.0.1:$LAB_PORT)"

for qos in 0 1 2; do
    lab_step "mqpub -t i/LOVE/Python -m testing -q $qos -d"
    mqpub -t i/LOVE/Python -m testing -q "$qos" -d -i "lab-qos$qos"
done
echo
echo "QoS 0: PUBLISH only (at most once)."
echo "QoS 1: PUBLISH, PUBACK (at least once)."
echo "QoS 2: PUBLISH, PUBREC, PUBREL, PUBCOMP (exactly once)."

lab_step "mqsub -t i/LOVE/Python -q 2 -d -C 1   # the subscriber's side"
lab_spawn mqsub -t i/LOVE/Python -q 2 -d -C 1 -i lab-qos-sub >"$LAB_DIR/terminal1"
sub=$LAB_SPAWNED
lab_wait_subscribed lab-qos-sub
mqpub -t i/LOVE/Python -m testing -q 2
wait "$sub"
cat "$LAB_DIR/terminal1"
