#!/usr/bin/env bash
# Lab: drive an LED's colour over MQTT. A subscriber plays the LED and shows each colour it is told;
# a publisher sends red, green and blue; a retained colour is what an LED that starts later shows.
. "$(dirname "$0")/lib.sh"
lab_require mqpub mqsub
lab_start_broker
lab_title "LED colour over MQTT (broker on 127.0.0.1:$LAB_PORT)"

# The "LED": reads one colour name per message and shows it (as a coloured block on a colour terminal).
led() {
    local name=$1 colour rgb ansi
    while IFS= read -r colour; do
        case "$colour" in
        red) rgb=255,0,0 ansi=41 ;;
        green) rgb=0,255,0 ansi=42 ;;
        blue) rgb=0,0,255 ansi=44 ;;
        off) rgb=0,0,0 ansi=40 ;;
        *)
            echo "$name: unknown colour '$colour', ignored"
            continue
            ;;
        esac
        if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-dumb}" != dumb ]; then
            printf '%s: colour %s (%s) \033[%sm    \033[0m\n' "$name" "$colour" "$rgb" "$ansi"
        else
            printf '%s: colour %s (%s)\n' "$name" "$colour" "$rgb"
        fi
    done
}

lab_step "mqsub -t lab/led/colour | led   # the LED (terminal 1)"
mqsub -t lab/led/colour -C 4 -W 30 -i lab-led | led LED >"$LAB_DIR/led" &
led_pid=$!
lab_track "$led_pid"
lab_wait_subscribed lab-led

for colour in red green purple blue; do
    lab_step "mqpub -t lab/led/colour -m $colour -q 1"
    mqpub -t lab/led/colour -m "$colour" -q 1
done
wait "$led_pid"
echo "the LED showed:"
sed 's/^/    /' "$LAB_DIR/led"

echo
echo "A retained colour is what an LED shows as soon as it starts:"
lab_step "mqpub -t lab/led/colour -m green -r -q 1"
mqpub -t lab/led/colour -m green -r -q 1
lab_step "mqsub -t lab/led/colour -C 1 | led   # an LED switched on later"
mqsub -t lab/led/colour -C 1 -W 5 | led "late LED"
mqpub -t lab/led/colour -r -n -q 1
