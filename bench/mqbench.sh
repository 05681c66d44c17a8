#!/usr/bin/env bash
# mqbench against mosquitto's own clients on a throwaway local broker: QoS 0 publish ceiling, 5,000 idle
# connections, and an independent end-to-end latency check. Prints a Markdown table of figures and ratios.
# Usage: bench/mqbench.sh [build-dir]   (needs mosquitto, mosquitto_pub, mosquitto_sub, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
mqbench=$build/apps/mqbench
[[ -x $mqbench ]] || { echo "mqbench.sh: build first: cmake --build $build" >&2; exit 1; }
for t in mosquitto mosquitto_pub mosquitto_sub python3; do
  command -v "$t" >/dev/null || [[ -x /usr/sbin/$t ]] || { echo "mqbench.sh: $t is missing" >&2; exit 1; }
done
mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)

work=$(mktemp -d)
broker_pid=""
cleanup() {
  [[ -n $broker_pid ]] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
max_queued_messages 100000
set_tcp_nodelay true
# As root, mosquitto would switch to the mosquitto user, who cannot write the log here.
user $(id -un)
log_dest file $work/broker.log
log_type error
log_type warning
log_type subscribe
CONF
# 5,000 clients need more descriptors than the usual 1,024; raise the broker's limit as far as allowed.
( ulimit -n "$(ulimit -Hn)" 2>/dev/null || true; exec "$mosquitto_bin" -c "$work/mosquitto.conf" ) >/dev/null 2>&1 &
broker_pid=$!
for _ in $(seq 100); do
  (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break
  sleep 0.05
done
common=(-h 127.0.0.1 -p "$port" --no-progress)
json_get() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); 
for k in sys.argv[2].split("."): d=d[k]
print(d)' "$1" "$2"; }

# 1. QoS 0 publish ceiling: 4 parallel `mosquitto_pub -l` streams vs 4 mqbench publishers in 4 worker
#    processes, same messages. The machine is shared, so the two alternate for $rounds rounds and the
#    medians are compared.
streams=4 per_stream=${PER_STREAM:-150000} size=256 rounds=${ROUNDS:-3}
python3 -c "print(('x'*$((size - 1)) + '\n') * $per_stream, end='')" > "$work/lines"
ceilings=() pub_rates=()
for round in $(seq "$rounds"); do
  start=$(date +%s.%N)
  pids=()
  for i in $(seq 0 $((streams - 1))); do
    timeout 120 mosquitto_pub -h 127.0.0.1 -p "$port" -t "ceiling/$i" -l < "$work/lines" &
    pids+=($!)
  done
  wait "${pids[@]}"
  end=$(date +%s.%N)
  ceilings+=("$(python3 -c "print(round($streams * $per_stream / ($end - $start)))")")
  timeout 120 "$mqbench" pub "${common[@]}" -c $streams --workers $streams -n "$per_stream" -s $size -q 0 \
    -t 'ceiling/%i' --json "$work/pub.json" >/dev/null
  pub_rates+=("$(printf %.0f "$(json_get "$work/pub.json" totals.sent_rate_msg_per_s)")")
done
# The middle value; for an even count the mean of the two middle ones (rounded to an integer).
median() {
    printf '%s\n' "$@" | sort -n |
        awk '{a[NR]=$1} END {m = int((NR + 1) / 2); if (NR % 2) print a[m]; else print int((a[m] + a[m + 1]) / 2 + 0.5)}'
}
ceiling=$(median "${ceilings[@]}")
pub_rate=$(median "${pub_rates[@]}")
echo "ceiling per round: ${ceilings[*]}; mqbench per round: ${pub_rates[*]}" >&2

# 2. 5,000 idle connections: resident memory per connection of the mqbench processes.
timeout 120 "$mqbench" conn "${common[@]}" -c 5000 --duration 2 --json "$work/conn.json" >/dev/null || true
conns=$(json_get "$work/conn.json" totals.connections)
per_conn=$(json_get "$work/conn.json" totals.rss_per_connection_bytes)
conn_rate=$(json_get "$work/conn.json" totals.connect_rate_conn_per_s)

# 3. End-to-end latency at a light load, checked by mosquitto_sub's own receive times (-F %U)
#    against the send time that mqbench writes into every payload (bytes 16-23, little-endian us).
#    mqbench measures it twice: a `mqbench sub` process in the same position as mosquitto_sub, and
#    the subscriber inside `mqbench pubsub` (sharing a process with the publishers). The broker hands
#    a message to its subscribers one after the other, and each one later in that order gets it
#    ~15-20 us later: two subscribers side by side would measure their position as much as
#    themselves. So each round measures mosquitto_sub and `mqbench sub` in turn, each the only
#    external subscriber (which goes first alternates), and the medians of the rounds' p50s are
#    compared: a p50 of about 100 us moves by tens of us with whatever else the machine runs.
lat_p50() {  # p50 of (receive time - send time) over mosquitto_sub's "%U %x" lines
  python3 - "$1" <<'PY'
import sys
lat = []
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) != 2 or not parts[1].startswith("4d5142"): continue  # "MQB"
    recv_us = float(parts[0]) * 1e6
    sent_us = int.from_bytes(bytes.fromhex(parts[1][32:48]), "little")
    lat.append(recv_us - sent_us)
lat.sort()
print(round(lat[(len(lat) + 1) // 2 - 1]) if lat else 0)
PY
}
wait_subscribed() {  # the broker's subscribe log line "<client id> 0 check/#"
  for _ in $(seq 200); do
    grep -q " $1 0 check/#" "$work/broker.log" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "mqbench.sh: subscriber $1 did not subscribe" >&2
  return 1
}
latency_pubsub() {  # 5 s of 1,000 msg/s from `mqbench pubsub`; its own p50 goes to $work/pubsub-$1.json
  timeout 60 "$mqbench" pubsub "${common[@]}" -c 2 --subscribers 1 -t 'check/%i' -q 0 -s 64 --rate 1000 --duration 5 \
    --workers 1 --json "$work/pubsub-$1.json" >/dev/null
}
measure_mosquitto_sub() {
  : > "$work/check.txt"
  timeout 60 mosquitto_sub -h 127.0.0.1 -p "$port" -t 'check/#' -F '%U %x' -i "latency-check-$1" > "$work/check.txt" &
  local pid=$!
  wait_subscribed "latency-check-$1"
  latency_pubsub "check-$1"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  check_p50s+=("$(lat_p50 "$work/check.txt")")
  own_p50s+=("$(json_get "$work/pubsub-check-$1.json" latency.e2e_latency_us.p50)")
}
measure_mqbench_sub() {
  timeout 60 "$mqbench" sub "${common[@]}" -c 1 -t 'check/#' --workers 1 --prefix "latsub$1" --duration 30 \
    --json "$work/sub.json" >/dev/null 2>&1 &
  local pid=$!
  wait_subscribed "latsub$1-s0"
  latency_pubsub "sub-$1"
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  sub_p50s+=("$(json_get "$work/sub.json" latency.e2e_latency_us.p50)")
  own_p50s+=("$(json_get "$work/pubsub-sub-$1.json" latency.e2e_latency_us.p50)")
}
check_p50s=() sub_p50s=() own_p50s=()
for round in $(seq "$rounds"); do
  if (( round % 2 )); then
    measure_mosquitto_sub "$round"
    measure_mqbench_sub "$round"
  else
    measure_mqbench_sub "$round"
    measure_mosquitto_sub "$round"
  fi
done
echo "latency p50 per round (us): mosquitto_sub ${check_p50s[*]}; mqbench sub ${sub_p50s[*]}; pubsub ${own_p50s[*]}" >&2
check_p50=$(median "${check_p50s[@]}")
sub_p50=$(median "${sub_p50s[@]}")
own_p50=$(median "${own_p50s[@]}")

cat <<TABLE
| measurement | mosquitto's clients | mqbench | ratio |
| --- | --- | --- | --- |
| QoS 0 publish, $streams clients x $per_stream x $size B, median of $rounds (msg/s) | $ceiling (mosquitto_pub -l) | $pub_rate | $(python3 -c "print(f'{$pub_rate / $ceiling:.2f}')") |
| idle connections held | - | $conns | - |
| client memory per connection (RSS) | - | $(python3 -c "print(f'{$per_conn / 1024:.1f} KiB')") | - |
| connect rate (conn/s) | - | $(printf %.0f "$conn_rate") | - |
| end-to-end latency p50 at 1,000 msg/s (us), separate subscriber process, median of $rounds | $check_p50 (mosquitto_sub -F %U) | $sub_p50 (mqbench sub) | $(python3 -c "print(f'{$sub_p50 / max($check_p50, 1):.2f}')") |
| the same, subscriber inside mqbench pubsub (us) | $check_p50 | $own_p50 | $(python3 -c "print(f'{$own_p50 / max($check_p50, 1):.2f}')") |
TABLE
