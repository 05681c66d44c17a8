#!/usr/bin/env bash
# Lab: retained messages in three cases: published before a subscriber comes, published while it
# listens, and deleted with -r -n.
. "$(dirname "$0")/lib.sh"
lab_require mqpub mqsub
lab_start_broker
lab_title "Retained messages (broker on 127.0.0.1:$LAB_PORT)"
format='%t %p (retained flag: %r)'

echo
echo "Case 1: a retained message published before anyone subscribes"
lab_step "mqpub -t lab/retained -m 'first value' -r"
mqpub -t lab/retained -m 'first value' -r -q 1
lab_step "mqsub -t lab/retained -C 1 -F '$format'   # a late subscriber"
echo "late subscriber received: $(mqsub -t lab/retained -C 1 -W 5 -F "$format")"

echo
echo "Case 2: a retained message published while a subscriber listens"
lab_step "mqsub -t lab/retained -F '$format'   # terminal 1, already running"
lab_spawn mqsub -t lab/retained -C 2 -W 10 -F "$format" -i lab-retained >"$LAB_DIR/terminal1"
sub=$LAB_SPAWNED
lab_wait_subscribed lab-retained
lab_step "mqpub -t lab/retained -m 'second value' -r"
mqpub -t lab/retained -m 'second value' -r -q 1
wait "$sub"
echo "terminal 1 received the stored value at once, then the new one as a live message:"
sed 's/^/    /' "$LAB_DIR/terminal1"
lab_step "mqsub -t lab/retained -C 1 -F '$format'   # a new subscriber"
echo "late subscriber received: $(mqsub -t lab/retained -C 1 -W 5 -F "$format")"

echo
echo "Case 3: deleting the retained message with an empty retained message"
lab_step "mqpub -t lab/retained -r -n"
mqpub -t lab/retained -r -n -q 1
lab_step "mqsub -t lab/retained -W 1   # nothing is stored any more"
status=0
got=$(mqsub -t lab/retained -W 1 2>/dev/null) || status=$?
echo "late subscriber received: ${got:-nothing} (exit status $status: timed out)"
[ "$status" -eq 27 ]
