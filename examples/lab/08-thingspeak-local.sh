#!/usr/bin/env bash
# Lab: publish to a ThingSpeak channel with tspub, against a local stand-in broker (ThingSpeak itself is
# not reachable from the lab machines): the same topic (channels/<id>/publish) and payload
# (field1=...&field2=...), without TLS.
. "$(dirname "$0")/lib.sh"
if [ ! -x "$MQKIT_BIN/tspub" ]; then
    echo "08-thingspeak-local: skipped: $MQKIT_BIN/tspub does not exist (build tspub first)"
    exit 0
fi
lab_require mqsub tspub
lab_start_broker
lab_title "ThingSpeak publish against a local stand-in (broker on 127.0.0.1:$LAB_PORT)"
channel=1234567

lab_step "mqsub -t 'channels/$channel/publish/#' -v   # what the 'ThingSpeak' broker receives"
lab_spawn mqsub -t "channels/$channel/publish/#" -v -C 1 -W 30 -i lab-thingspeak >"$LAB_DIR/received"
sub=$LAB_SPAWNED
lab_wait_subscribed lab-thingspeak

# The device's credentials, as ThingSpeak hands them out (the stand-in accepts any), from the
# environment so that they stay out of `ps`. tspub's rate-limit state goes to the lab's temp dir.
export THINGSPEAK_CLIENT_ID=lab-device THINGSPEAK_USERNAME=lab-device THINGSPEAK_PASSWORD=lab-device-password
export XDG_STATE_HOME="$LAB_DIR/state" XDG_CONFIG_HOME="$LAB_DIR/config"
lab_step "tspub -h 127.0.0.1 -p $LAB_PORT --no-tls --channel $channel field1=23.5 field2=45"
"$MQKIT_BIN/tspub" -h 127.0.0.1 -p "$LAB_PORT" --no-tls --channel "$channel" field1=23.5 field2=45
wait "$sub"
echo "the stand-in broker received:"
sed 's/^/    /' "$LAB_DIR/received"
