#!/usr/bin/env bash
# Stops what rabbitmq-start.sh DIR started, by the PIDs in DIR/env:
# SIGTERM to the rabbitmq-server script (it forwards TERM to erl, which shuts
# the node down cleanly), then its process group; SIGKILL after a grace time;
# then our private epmd. Exit 0 when nothing of it is left.
# usage: rabbitmq-stop.sh DIR [--keep]   (--keep: leave DIR's files)
set -uo pipefail
DIR=${1:?usage: rabbitmq-stop.sh DIR [--keep]}
KEEP=${2:-}
[ -f "$DIR/env" ] || { echo "rabbitmq-stop: no $DIR/env (not started?)" >&2; exit 0; }
# shellcheck disable=SC1091
. "$DIR/env"

alive() { kill -0 "$1" 2>/dev/null; }
group_alive() { pgrep -g "$1" >/dev/null 2>&1; }

stop_group() {  # PID (also its process group id, as started with setsid)
  local pid=$1 grace=$2
  alive "$pid" || group_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq $((grace * 10))); do
    alive "$pid" || group_alive "$pid" || return 0
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null; kill -KILL "$pid" 2>/dev/null
  sleep 0.2
  echo "rabbitmq-stop: $pid needed SIGKILL" >&2
}

stop_group "$RABBIT_PID" 30
stop_group "$EPMD_PID" 5
rc=0
if alive "$RABBIT_PID" || group_alive "$RABBIT_PID" || alive "$EPMD_PID"; then
  echo "rabbitmq-stop: still running: $(pgrep -g "$RABBIT_PID" | tr '\n' ' ') $EPMD_PID" >&2
  rc=1
fi
[ "$KEEP" = --keep ] || rm -rf "$DIR/mnesia"
exit $rc
