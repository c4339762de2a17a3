#!/bin/sh
# Boots a real systemd as PID 1 of a private PID namespace, in the throw-away root that
# throwaway-root.sh STATE left (same overlay, so the packages installed there are seen).
# Only basic.target: the copy's own services (ssh, cron…) stay down; tests start units
# with systemctl through `nsenter --target <systemd's pid> --mount --pid --root --wd`.
# The host network is shared (127.0.0.1). Needs root. Killing this process kills them all.
#   systemd-root.sh STATE [--bind DIR]...
set -eu
here=$(cd "$(dirname "$0")" && pwd)
state=$1
shift
binds=""
while [ "$#" -gt 0 ]; do
  [ "$1" = --bind ] || { echo "systemd-root: unknown option $1" >&2; exit 2; }
  binds="$binds $2"
  shift 2
done
exec unshare --mount --pid --fork --kill-child --propagation private \
  "$here/overlay-root.sh" "$state" "$binds" \
  /lib/systemd/systemd --system --unit=basic.target --log-target=journal --show-status=no
