#!/usr/bin/env bash
# Lab, first exercises: one terminal subscribes to i/LOVE/Python, another publishes to it.
. "$(dirname "$0")/lib.sh"
lab_require mqpub mqsub
lab_start_broker
lab_title "First exercises: subscribe, then publish (broker on 127.0.0.1:$LAB_PORT)"

lab_step "mqsub -t i/LOVE/Python            # terminal 1: waits for messages"
lab_spawn mqsub -t i/LOVE/Python -C 2 -i lab-terminal1 >"$LAB_DIR/terminal1"
sub=$LAB_SPAWNED
lab_wait_subscribed lab-terminal1

lab_step "mqpub -t i/LOVE/Python -m 'Very well!'   # terminal 2"
mqpub -t i/LOVE/Python -m 'Very well!'
lab_step "mqpub -t i/LOVE/Python -m 'Me too'       # terminal 2 again"
mqpub -t i/LOVE/Python -m 'Me too'
wait "$sub"
echo "terminal 1 printed:"
sed 's/^/    /' "$LAB_DIR/terminal1"

lab_step "mqsub -t 'i/#' -v   # every topic under i/, with the topic in front"
lab_spawn mqsub -t 'i/#' -v -C 1 -i lab-wildcard >"$LAB_DIR/wildcard"
sub=$LAB_SPAWNED
lab_wait_subscribed lab-wildcard
lab_step "mqpub -t i/LOVE/C -m 'Not so much'"
mqpub -t i/LOVE/C -m 'Not so much'
wait "$sub"
echo "terminal 1 printed:"
sed 's/^/    /' "$LAB_DIR/wildcard"
