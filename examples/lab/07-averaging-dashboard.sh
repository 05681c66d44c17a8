#!/usr/bin/env bash
# Lab, final exercise: several groups publish sensor readings; one subscriber averages all of them.
# mqpub --template stands in for each group's board; mqsub --stats is the live averaging dashboard.
. "$(dirname "$0")/lib.sh"
lab_require mqpub mqsub
lab_start_broker
lab_title "Averaging the groups' readings (broker on 127.0.0.1:$LAB_PORT)"
messages=${LAB_MESSAGES:-45}   # how many readings each dashboard takes in before it stops

# Each "group" publishes a fresh reading every 0.2 s until it is stopped with Ctrl-C (SIGINT).
groups=()
for g in 1 2 3; do
    lab_step "mqpub -t lab/group$g/pm -m '{rand:0:1000}' --template --repeat 0 --repeat-delay 0.2 &   # group $g"
    lab_spawn mqpub -t "lab/group$g/pm" -m '{rand:0:1000}' --template --repeat 0 --repeat-delay 0.2 --seed "$g"
    groups+=("$LAB_SPAWNED")
done

lab_step "mqsub -t 'lab/+/pm' --stats -C $messages"
mqsub -t 'lab/+/pm' --stats -C "$messages" --window 30

echo
echo "Boards that send JSON work the same; --field picks the value (a dotted path reaches nested fields):"
for g in 4 5; do
    payload='{{"group": '$g', "sensor": {{"temperature": {randf:18:25:1}, "humidity": {rand:30:60}}}, "n": {seq}}}'
    lab_step "mqpub -t lab/group$g/json -m '$payload' --template --repeat 0 --repeat-delay 0.2 &"
    lab_spawn mqpub -t "lab/group$g/json" -m "$payload" --template --repeat 0 --repeat-delay 0.2 --seed "$g"
    groups+=("$LAB_SPAWNED")
done
lab_step "mqsub -t 'lab/+/json' --stats --field sensor.temperature -C $messages"
mqsub -t 'lab/+/json' --stats --field sensor.temperature -C "$messages" --window 30

echo
echo "Stopping the groups with Ctrl-C (SIGINT): each disconnects cleanly and exits 130."
for pid in "${groups[@]}"; do
    kill -INT "$pid"
    status=0
    wait "$pid" || status=$?
    echo "group publisher $pid exited with status $status"
done
