#!/usr/bin/env bash
# Lab: topics are case sensitive. Only the exact spelling i/LOVE/Python reaches the subscriber.
. "$(dirname "$0")/lib.sh"
lab_require mqpub mqsub
lab_start_broker
lab_title "Topics are case sensitive (broker on 127.0.0.1:$LAB_PORT)"

lab_step "mqsub -t i/LOVE/Python -v   # terminal 1"
lab_spawn mqsub -t i/LOVE/Python -v -C 1 -i lab-case >"$LAB_DIR/terminal1"
sub=$LAB_SPAWNED
lab_wait_subscribed lab-case

# QoS 1: each publish is acknowledged by the broker before the next one starts, so the order is fixed.
for topic in i/love/python I/LOVE/PYTHON i/Love/Python i/LOVE/Python; do
    lab_step "mqpub -t $topic -m 'sent to $topic' -q 1"
    mqpub -t "$topic" -m "sent to $topic" -q 1
done
wait "$sub"
echo "terminal 1 printed only the exact match:"
sed 's/^/    /' "$LAB_DIR/terminal1"
