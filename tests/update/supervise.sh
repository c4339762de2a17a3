#!/bin/bash
# Restarts the agent whenever it exits, like systemd's Restart=always, and writes the
# running agent's pid to agent.pid beside this script (tests/update/self_update_test.cpp).
dir=$(dirname "$0")
child=0
trap 'kill $child 2>/dev/null; wait $child; exit 0' TERM INT
while true; do
  "$dir/bin/parc-agent" "$@" &
  child=$!
  echo "$child" > "$dir/agent.pid"
  wait "$child"
  sleep 0.3
done
