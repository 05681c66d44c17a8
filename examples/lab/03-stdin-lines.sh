#!/usr/bin/env bash
# Lab: mqpub -l sends each line of standard input as its own message (blank lines are skipped).
. "$(dirname "$0")/lib.sh"
lab_require mqpub mqsub
lab_start_broker
lab_title "One message per line of input (broker on 127.0.0.1:$LAB_PORT)"

lab_step "mqsub -t i/LOVE/Python   # terminal 1"
lab_spawn mqsub -t i/LOVE/Python -C 3 -i lab-lines >"$LAB_DIR/terminal1"
sub=$LAB_SPAWNED
lab_wait_subscribed lab-lines

lab_step "printf 'first line\\nsecond line\\n\\nthird line\\n' | mqpub -t i/LOVE/Python -l -q 1"
printf 'first line\nsecond line\n\nthird line\n' | mqpub -t i/LOVE/Python -l -q 1
wait "$sub"
echo "terminal 1 printed (the blank line was not sent):"
sed 's/^/    /' "$LAB_DIR/terminal1"
echo
echo "Type your own lines:  mqpub -h <broker> -t i/LOVE/Python -l   (Ctrl-D ends)"
